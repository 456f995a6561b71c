"""Working days of mainland China, so that deadlines run the way Chinese law counts periods.

A plain ``timedelta`` is wrong about a dozen days a year: around each public holiday the State
Council moves weekend days (调休), so "Monday to Friday" is not "working days". The holidays of
each year come from that year's notice, in ``data/holidays_cn.toml``; a year missing from the file
counts weekends only, and the calendar says so (``covers``, ``warnings``, a log line) instead of
guessing. The Civil Code fixes how a period counted in days runs: it starts the day after the
event (art. 201), and one whose last day is a rest day ends on the next working day (art. 203).

Every method takes timezone-aware datetimes in any zone and returns UTC. Beijing is UTC+8 all
year, so a fixed offset is exact. Answers per date are cached and business seconds are counted
through a table of working days, so a sweep over millions of tickets stays cheap.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import tomllib

from bot.errors import DataFileError

BEIJING = timezone(timedelta(hours=8))
UTC = timezone.utc
DEFAULT_PATH = Path(__file__).parent / "data" / "holidays_cn.toml"
_MICRO = 1_000_000
_log = logging.getLogger(__name__)


class CalendarError(DataFileError):
    """The holiday file is missing or malformed: the service must not start with a wrong calendar."""


@dataclass(frozen=True)
class Holiday:
    first: date
    last: date
    name: str


@dataclass(frozen=True)
class YearNotice:
    """One year's holidays and working weekend days, as one State Council notice gives them."""

    year: int
    source: str
    holidays: tuple[Holiday, ...] = ()
    working_weekend_days: tuple[date, ...] = ()


@dataclass(frozen=True)
class _Table:
    """Working days over a span of years, replaced whole (never edited) when a date falls outside it.

    ``ords`` lists the ordinals of the working days in ``[first, end)``; ``before[i]`` counts those
    before ordinal ``first + i``. Business time is then a subtraction, whatever the span.
    """

    first: int
    end: int
    ords: list[int]
    before: list[int]


class WorkCalendar:
    """Working days, business hours and the deadline arithmetic built on them."""

    def __init__(self, *, notices: Iterable[YearNotice], business_hours: Sequence[tuple[time, time]]) -> None:
        self._notices = {notice.year: notice for notice in notices}
        self._off = frozenset(_days_off(self._notices.values()))
        self._extra = frozenset(d for n in self._notices.values() for d in n.working_weekend_days)
        _check_working_weekend_days(self._extra, self._off)
        self._hours = _business_hours_us(business_hours)
        self._day_us = sum(end - start for start, end in self._hours)
        self._close = (datetime.min + timedelta(microseconds=self._hours[-1][1])).time()
        self._working_due: dict[tuple[int, int], datetime] = {}
        self._calendar_due: dict[tuple[int, int], datetime] = {}
        self._warned: set[int] = set()
        years = sorted(self._notices) or [2026]
        self._table = self._build(date(years[0] - 1, 1, 1).toordinal(), date(years[-1] + 3, 1, 1).toordinal())

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> WorkCalendar:
        """Read the holiday file.

        Raises:
            CalendarError: the file is missing, not TOML, or breaks the layout.
        """
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CalendarError(f"cannot read holiday calendar {path}: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkCalendar:
        """Build a calendar from the decoded file (or the same shape written inline in a test)."""
        try:
            periods = data["business_hours"]["periods"]
            hours = [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in periods]
            notices = [_notice(int(year), table) for year, table in data.get("years", {}).items()]
        except (KeyError, TypeError, ValueError) as exc:
            raise CalendarError(f"holiday calendar: {type(exc).__name__}: {exc}") from exc
        return cls(notices=notices, business_hours=hours)

    @property
    def close_of_business(self) -> time:
        """Beijing local time at which a working-day deadline ends."""
        return self._close

    def covers(self, year: int) -> bool:
        """Whether the file has that year's holidays (if not, only weekends are days off)."""
        return year in self._notices

    def warnings(self, first_year: int, last_year: int | None = None) -> list[str]:
        """One line per year in ``first_year..last_year`` that counts weekends only."""
        last = first_year if last_year is None else last_year
        return [f"no holiday data for {year}: counting weekends only; add that year's State Council notice"
                f" to {DEFAULT_PATH.name}" for year in range(first_year, last + 1) if not self.covers(year)]

    def is_working_day(self, day: date) -> bool:
        """A weekday that is not a public holiday, or a weekend day listed as a working day."""
        return day in self._extra or (day.weekday() < 5 and day not in self._off)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Close of business of the ``days``-th working day after the Beijing date of ``start``."""
        return self.working_days_due(_local(start).date(), days)

    def add_calendar_days(self, start: datetime, days: int) -> datetime:
        """24:00 Beijing of the ``days``-th day after the date of ``start``, moved past rest days (art. 203)."""
        return self.calendar_days_due(_local(start).date(), days)

    def working_days_due(self, day: date, days: int) -> datetime:
        """``add_working_days`` for a Beijing date, cached: the cheap call for bulk work."""
        key = (day.toordinal(), days)
        due = self._working_due.get(key)
        if due is None:
            if days < 1:
                raise ValueError(f"a period of working days needs days >= 1, got {days}")
            last = self._nth_working_after(key[0], days)
            self._note_year(day.year)
            self._note_year(date.fromordinal(last).year)
            due = datetime.combine(date.fromordinal(last), self._close, BEIJING).astimezone(UTC)
            self._working_due[key] = due
        return due

    def calendar_days_due(self, day: date, days: int) -> datetime:
        """``add_calendar_days`` for a Beijing date, cached: the cheap call for bulk work."""
        key = (day.toordinal(), days)
        due = self._calendar_due.get(key)
        if due is None:
            if days < 1:
                raise ValueError(f"a period of calendar days needs days >= 1, got {days}")
            last = day + timedelta(days=days)
            while not self.is_working_day(last):
                last += timedelta(days=1)
            self._note_year(day.year)
            self._note_year(last.year)
            due = datetime.combine(last + timedelta(days=1), time(0), BEIJING).astimezone(UTC)
            self._calendar_due[key] = due
        return due

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """Business-hours seconds in ``[a, b)``; 0 when ``b <= a``."""
        if b <= a:
            return 0.0
        first, last = _local(a), _local(b)
        table = self._covering(first.toordinal(), last.toordinal())
        return (self._position(table, last) - self._position(table, first)) / _MICRO

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The first instant by which ``seconds`` of business hours have passed since ``start``."""
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        amount = round(seconds * _MICRO)
        local = _local(start)
        if amount == 0:
            return local.astimezone(UTC)
        table = self._covering(local.toordinal(), local.toordinal())
        index, into = divmod(self._position(table, local) + amount - 1, self._day_us)  # in working day ``index``
        while index >= len(table.ords):
            table = self._table = self._build(table.first, table.end + 366)
        day = date.fromordinal(table.ords[index])
        self._note_year(day.year)
        moment = datetime.combine(day, time(0), BEIJING) + timedelta(microseconds=self._clock_at(into + 1))
        return moment.astimezone(UTC)

    def _build(self, first: int, end: int) -> _Table:
        ords = [o for o in range(first, end) if self.is_working_day(date.fromordinal(o))]
        return _Table(first=first, end=end, ords=ords, before=[bisect_left(ords, o) for o in range(first, end + 1)])

    def _covering(self, first: int, last: int) -> _Table:
        """The table, rebuilt wider if it does not reach ``first`` and ``last`` (ordinals) with a day to spare."""
        table = self._table
        if first < table.first or last + 1 >= table.end:
            table = self._table = self._build(min(first - 366, table.first), max(last + 366, table.end))
        return table

    def _nth_working_after(self, ordinal: int, n: int) -> int:
        table = self._covering(ordinal, ordinal)
        index = table.before[ordinal + 1 - table.first] + n - 1
        while index >= len(table.ords):
            table = self._table = self._build(table.first, table.end + 366 + n * 2)
        return table.ords[index]

    def _position(self, table: _Table, local: datetime) -> int:
        """Business microseconds from the start of the table to ``local`` (a Beijing time)."""
        i = local.toordinal() - table.first
        done = table.before[i] * self._day_us
        if table.before[i + 1] > table.before[i]:
            now = ((local.hour * 60 + local.minute) * 60 + local.second) * _MICRO + local.microsecond
            done += sum(min(max(now - start, 0), end - start) for start, end in self._hours)
        return done

    def _clock_at(self, into: int) -> int:
        """Microseconds since midnight at which ``into`` (1..a full day) business microseconds are done."""
        for start, end in self._hours:
            if into <= end - start:
                return start + into
            into -= end - start
        raise AssertionError("into is at most one business day")

    def _note_year(self, year: int) -> None:
        if year not in self._notices and year not in self._warned:
            self._warned.add(year)
            _log.warning("%s", self.warnings(year)[0])


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"need a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(BEIJING)


def _as_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise ValueError(f"not a date: {value!r}")


def _notice(year: int, table: Mapping[str, Any]) -> YearNotice:
    holidays = tuple(Holiday(_as_date(first), _as_date(last), str(name)) for first, last, name in table["holidays"])
    working = tuple(_as_date(d) for d in table.get("working_weekend_days", []))
    notice = YearNotice(year=year, source=str(table["source"]), holidays=holidays, working_weekend_days=working)
    for holiday in holidays:
        if not holiday.first <= holiday.last or {holiday.first.year, holiday.last.year} - {year - 1, year}:
            raise ValueError(f"{year}: holiday {holiday.name} {holiday.first}..{holiday.last} is not in {year}")
    for day in working:
        if day.year not in (year - 1, year):
            raise ValueError(f"{year}: working weekend day {day} is not in {year}")
    return notice


def _days_off(notices: Iterable[YearNotice]) -> Iterable[date]:
    for notice in notices:
        for holiday in notice.holidays:
            for n in range((holiday.last - holiday.first).days + 1):
                yield holiday.first + timedelta(days=n)


def _check_working_weekend_days(extra: Iterable[date], off: frozenset[date]) -> None:
    for day in extra:
        if day.weekday() < 5:
            raise CalendarError(f"working weekend day {day} is a {day:%A}: list only Saturdays and Sundays")
        if day in off:
            raise CalendarError(f"{day} is listed both as a holiday and as a working day")


def _business_hours_us(periods: Sequence[tuple[time, time]]) -> tuple[tuple[int, int], ...]:
    def us(t: time) -> int:
        return ((t.hour * 60 + t.minute) * 60 + t.second) * _MICRO + t.microsecond

    spans = tuple((us(start), us(end)) for start, end in periods)
    if not spans or any(start >= end for start, end in spans) or \
            any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)):
        raise CalendarError(f"business hours must be ordered, non-empty, non-overlapping periods: {periods}")
    return spans
