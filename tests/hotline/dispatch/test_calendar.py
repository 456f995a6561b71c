"""The working calendar against the shipped holiday file: 调休, art. 201/203, business hours, time zones."""

import random
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from hotline.dispatch.calendar import BEIJING, UTC, CalendarError, WorkCalendar

CALENDAR = WorkCalendar.load()


def bj(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)


def test_working_days_follow_the_notices() -> None:
    assert CALENDAR.covers(2025) and CALENDAR.covers(2026)
    assert not CALENDAR.is_working_day(date(2026, 2, 16))  # Spring Festival, a Monday
    assert CALENDAR.is_working_day(date(2026, 2, 14))  # Saturday worked before it
    assert CALENDAR.is_working_day(date(2026, 2, 28))  # and the Saturday after
    assert not CALENDAR.is_working_day(date(2026, 2, 21))  # an ordinary Saturday inside the holiday
    assert CALENDAR.is_working_day(date(2025, 9, 28)) and CALENDAR.is_working_day(date(2025, 10, 11))
    assert not CALENDAR.is_working_day(date(2025, 10, 8))  # Wednesday, last day of National Day 2025
    assert CALENDAR.is_working_day(date(2026, 3, 4)) and not CALENDAR.is_working_day(date(2026, 3, 7))


def test_spring_festival_2026_three_working_days() -> None:
    # Filed Friday 2026-02-13. Art. 201: counting starts the next day.
    #   day 1: Sat 02-14, a working day (调休)
    #   Sun 02-15 .. Mon 02-23: Spring Festival, not counted
    #   day 2: Tue 02-24, day 3: Wed 02-25 -> due 17:30 Beijing on 02-25 = 09:30 UTC.
    due = CALENDAR.add_working_days(bj(2026, 2, 13, 16, 0), 3)
    assert due == datetime(2026, 2, 25, 9, 30, tzinfo=UTC) and due.tzinfo == UTC
    # Filed the Saturday itself: 02-14 is not counted, so day 3 is Thu 02-26.
    assert CALENDAR.add_working_days(bj(2026, 2, 14, 10, 0), 3) == bj(2026, 2, 26, 17, 30)


def test_national_day_2025() -> None:
    # Filed Fri 09-26: Sat 09-27 is off, Sun 09-28 is worked (day 1), Mon 09-29 is day 2.
    assert CALENDAR.add_working_days(bj(2025, 9, 26, 11, 0), 2) == bj(2025, 9, 29, 17, 30)
    # Filed Tue 09-30: 10-01..10-08 off; Thu 10-09, Fri 10-10, then Saturday 10-11 is worked: day 3.
    assert CALENDAR.add_working_days(bj(2025, 9, 30, 9, 0), 1) == bj(2025, 10, 9, 17, 30)
    assert CALENDAR.add_working_days(bj(2025, 9, 30, 9, 0), 3) == bj(2025, 10, 11, 17, 30)


def test_calendar_days_end_at_midnight_and_skip_rest_days() -> None:
    # Tue 09-23 + 7 = Tue 09-30, a working day: due at 24:00 that day.
    assert CALENDAR.add_calendar_days(bj(2025, 9, 23, 15, 0), 7) == bj(2025, 10, 1, 0, 0)
    # Wed 09-24 + 7 = 10-01, National Day: art. 203 moves it to the first working day after, Thu 10-09.
    assert CALENDAR.add_calendar_days(bj(2025, 9, 24, 15, 0), 7) == bj(2025, 10, 10, 0, 0)
    # Sat 09-20 + 7 = Sat 09-27, off; the next day, Sunday 09-28, is a working day.
    assert CALENDAR.add_calendar_days(bj(2025, 9, 20, 15, 0), 7) == bj(2025, 9, 29, 0, 0)


def test_a_year_without_a_notice_counts_weekends_only_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    calendar = WorkCalendar.load()
    assert not calendar.covers(2027)
    assert calendar.warnings(2025, 2027) == [calendar.warnings(2027)[0]] and "2027" in calendar.warnings(2027)[0]
    assert calendar.warnings(2026) == []
    # 2027-01-01 will surely be New Year's Day, but no notice is in the file: it is not guessed.
    assert calendar.is_working_day(date(2027, 1, 1))
    with caplog.at_level("WARNING"):
        assert calendar.add_working_days(bj(2026, 12, 31, 10, 0), 1) == bj(2027, 1, 1, 17, 30)
        assert calendar.add_working_days(bj(2027, 1, 1, 10, 0), 1) == bj(2027, 1, 4, 17, 30)  # Fri -> Mon
    assert sum("2027" in r.getMessage() for r in caplog.records) == 1  # logged once per year


def test_any_timezone_in_utc_out() -> None:
    # 17:00 UTC on the 12th is 01:00 on Friday the 13th in Beijing: same as the Spring Festival case.
    assert CALENDAR.add_working_days(datetime(2026, 2, 12, 17, 0, tzinfo=UTC), 3) == datetime(
        2026, 2, 25, 9, 30, tzinfo=UTC)
    # 16:30 UTC on the 13th is already Saturday 00:30 in Beijing.
    assert CALENDAR.add_working_days(datetime(2026, 2, 13, 16, 30, tzinfo=UTC), 3) == bj(2026, 2, 26, 17, 30)
    new_york = timezone(timedelta(hours=-5))
    due = CALENDAR.add_calendar_days(datetime(2025, 9, 22, 23, 0, tzinfo=new_york), 7)  # 09-23 12:00 Beijing
    assert due == bj(2025, 10, 1) and due.tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.add_working_days(datetime(2026, 2, 13, 9, 0), 1)


def test_working_seconds_between() -> None:
    assert CALENDAR.working_seconds_between(bj(2026, 3, 2, 8), bj(2026, 3, 2, 18)) == 7 * 3600
    assert CALENDAR.working_seconds_between(bj(2026, 3, 2, 11), bj(2026, 3, 2, 14)) == 1.5 * 3600
    assert CALENDAR.working_seconds_between(bj(2026, 3, 6, 17), bj(2026, 3, 9, 9, 30)) == 3600  # over a weekend
    assert CALENDAR.working_seconds_between(bj(2025, 9, 30, 17), bj(2025, 10, 9, 9, 30)) == 3600  # over a holiday
    assert CALENDAR.working_seconds_between(bj(2026, 3, 2, 14), bj(2026, 3, 2, 11)) == 0
    assert CALENDAR.working_seconds_between(bj(2026, 3, 7, 9), bj(2026, 3, 8, 18)) == 0  # a weekend


def test_add_working_seconds() -> None:
    assert CALENDAR.add_working_seconds(bj(2026, 3, 6, 17), 3600) == bj(2026, 3, 9, 9, 30)
    assert CALENDAR.add_working_seconds(bj(2026, 3, 6, 12), 1) == bj(2026, 3, 6, 13, 30, 1)  # over lunch
    assert CALENDAR.add_working_seconds(bj(2026, 3, 6, 11), 3600) == bj(2026, 3, 6, 12)  # the first such instant
    assert CALENDAR.add_working_seconds(bj(2026, 3, 6, 17, 30), 7 * 3600) == bj(2026, 3, 9, 17, 30)  # a whole day
    assert CALENDAR.add_working_seconds(bj(2026, 3, 7, 3), 3600) == bj(2026, 3, 9, 10)  # from a Saturday
    assert CALENDAR.add_working_seconds(bj(2026, 3, 7, 3), 0) == bj(2026, 3, 7, 3)
    with pytest.raises(ValueError):
        CALENDAR.add_working_seconds(bj(2026, 3, 7, 3), -1)


def test_business_seconds_round_trip_over_random_instants() -> None:
    rng = random.Random(16)
    for _ in range(2000):
        start = bj(2024, 6, 1) + timedelta(seconds=rng.randrange(4 * 365 * 86400))
        seconds = rng.choice([1, 60, 1800, 7 * 3600, 3 * 86400, rng.randrange(60 * 86400)])
        end = CALENDAR.add_working_seconds(start, seconds)
        assert end > start and CALENDAR.working_seconds_between(start, end) == seconds


def test_working_day_deadlines_land_at_close_of_business_on_a_working_day() -> None:
    rng = random.Random(201)
    for _ in range(3000):
        start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(5 * 365 * 86400))
        days = rng.randint(1, 30)
        due = CALENDAR.add_working_days(start, days)
        local = due.astimezone(BEIJING)
        assert due.tzinfo == UTC and due > start
        assert local.time() == time(17, 30) and CALENDAR.is_working_day(local.date())
        filed = start.astimezone(BEIJING).date()
        counted = [filed + timedelta(days=n) for n in range(1, (local.date() - filed).days + 1)]
        assert sum(map(CALENDAR.is_working_day, counted)) == days  # exactly `days` working days after the filing day


def test_dates_far_from_the_file_still_count_weekends() -> None:
    calendar = WorkCalendar.load()  # a fresh one, so its table of working days has to grow both ways
    assert calendar.add_working_days(bj(2040, 1, 6, 12), 1) == bj(2040, 1, 9, 17, 30)  # Fri -> Mon
    assert calendar.add_working_seconds(bj(2019, 1, 4, 17), 3600) == bj(2019, 1, 7, 9, 30)  # Fri -> Mon
    # 2019-01-07 .. 2040-01-06: whole weeks of 5 days of 7 hours, plus the 2025 and 2026 holidays' effect
    weeks = (date(2040, 1, 6) - date(2019, 1, 7)).days // 7 + 1
    shifted = sum(CALENDAR.is_working_day(date(y, 1, 1) + timedelta(days=n)) - (
        (date(y, 1, 1) + timedelta(days=n)).weekday() < 5) for y in (2025, 2026) for n in range(365))
    assert calendar.working_seconds_between(bj(2019, 1, 7), bj(2040, 1, 6, 23)) == (weeks * 5 + shifted) * 7 * 3600


def test_calendar_from_plain_data_and_broken_files(tmp_path: Path) -> None:
    hours = {"periods": [["09:00", "17:00"]]}
    calendar = WorkCalendar.from_dict({"business_hours": hours, "years": {"2030": {
        "source": "test", "holidays": [["2030-01-01", "2030-01-01", "New Year"]],
        "working_weekend_days": ["2030-01-05"]}}})
    assert calendar.close_of_business == time(17) and calendar.covers(2030)
    assert calendar.add_working_days(bj(2029, 12, 31, 10), 1) == bj(2030, 1, 2, 17)
    with pytest.raises(CalendarError, match="is a Friday"):
        WorkCalendar.from_dict({"business_hours": hours, "years": {"2030": {
            "source": "test", "holidays": [], "working_weekend_days": ["2030-01-04"]}}})
    with pytest.raises(CalendarError, match="both as a holiday and as a working day"):
        WorkCalendar.from_dict({"business_hours": hours, "years": {"2030": {
            "source": "test", "holidays": [["2030-01-05", "2030-01-06", "x"]],
            "working_weekend_days": ["2030-01-05"]}}})
    with pytest.raises(CalendarError, match="business hours"):
        WorkCalendar.from_dict({"business_hours": {"periods": [["13:00", "12:00"]]}})
    with pytest.raises(CalendarError, match="not in 2030"):
        WorkCalendar.from_dict({"business_hours": hours, "years": {"2030": {
            "source": "test", "holidays": [["2031-01-01", "2031-01-01", "x"]]}}})
    broken = tmp_path / "holidays.toml"
    broken.write_text("[years.2030\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="cannot read"):
        WorkCalendar.load(broken)
    with pytest.raises(CalendarError, match="cannot read"):
        WorkCalendar.load(tmp_path / "missing.toml")
