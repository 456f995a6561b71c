"""Deadline rules on the shipped taxonomy, rules file and holiday calendar: tiers, due dates, pauses, extensions."""

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.taxonomy import load_taxonomy
from hotline.dispatch.calendar import BEIJING, UTC, WorkCalendar
from hotline.dispatch.deadlines import DEFAULT_PATH, DeadlineRules, RulesError, UnknownCategory, UnknownTier

TAXONOMY = load_taxonomy()
CALENDAR = WorkCalendar.load()
RULES = DeadlineRules.load(TAXONOMY, CALENDAR)


def bj(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


def test_every_leaf_has_a_tier_and_urgent_ones_stay_fast() -> None:
    for leaf in TAXONOMY.leaves:
        tier = RULES.tier_for(leaf.code)
        if leaf.top == "emergency_safety":
            assert tier.name == "immediate", leaf.code
        if leaf.urgent:
            assert tier.name in ("immediate", "basic_livelihood"), leaf.code
            assert tier.response.unit == "hours" and tier.response.amount <= 2, leaf.code
    assert RULES.tier_for("gas_leak_smell").name == "immediate"  # urgent, and danger to life
    assert RULES.tier_for("road_waterlogging").name == "immediate"  # urgent in the taxonomy, no override
    for code in ("water_outage", "water_pipe_burst", "power_outage", "gas_outage", "heating_not_started"):
        assert RULES.tier_for(code).name == "basic_livelihood", code
    for code in ("illegal_structure", "owners_committee", "new_home_delivery_delay", "new_home_quality",
                 "old_community_renovation", "elevator_installation"):
        assert RULES.tier_for(code).name == "complex", code
    assert RULES.tier_for("street_light_out").name == "general"


def test_unknown_and_non_leaf_codes_raise_a_typed_key_error() -> None:
    with pytest.raises(UnknownCategory):
        RULES.tier_for("no_such_category")
    with pytest.raises(KeyError):  # a group is not a service code
        RULES.deadlines("water_supply", start=bj(2026, 3, 2, 10))


def test_deadlines_per_tier() -> None:
    start = bj(2025, 9, 24, 10)
    gas = RULES.deadlines("gas_leak_smell", start=start)
    assert gas.tier == "immediate" and gas.response_due == bj(2025, 9, 24, 12) and gas.response_due.tzinfo == UTC
    assert gas.resolution_due == bj(2025, 9, 25, 10)
    # General: 24 wall-clock hours to respond; 7 calendar days would end on 10-01, National Day, so
    # the period ends at 24:00 on the first working day after the holiday (art. 203), Thu 10-09.
    light = RULES.deadlines("street_light_out", start=start)
    assert (light.tier, light.response_due, light.resolution_due) == ("general", bj(2025, 9, 25, 10), bj(2025, 10, 10))
    # Complex, filed Fri 2026-02-13: 15 working days are Sat 02-14 (调休); 02-24..02-27 (2-5);
    # Sat 02-28 (调休, 6); 03-02..03-06 (7-11); 03-09..03-12 (12-15): due 17:30 on Thu 03-12.
    built = RULES.deadlines("illegal_structure", start=bj(2026, 2, 13, 15))
    assert built.tier == "complex" and built.resolution_due == bj(2026, 3, 12, 17, 30)
    assert built.response_due == bj(2026, 2, 14, 15)
    # Given in UTC, answered in UTC; 20:00 UTC on the 12th is already Friday the 13th in Beijing.
    assert RULES.deadlines("illegal_structure", start=datetime(2026, 2, 12, 20, tzinfo=UTC)).resolution_due == \
        datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


def test_bulk_timestamps_agree_with_deadlines() -> None:
    rng = random.Random(12345)
    codes = [leaf.code for leaf in TAXONOMY.leaves]
    for _ in range(3000):
        code = rng.choice(codes)
        start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        due = RULES.deadlines(code, start=start)
        assert RULES.due_timestamps(code, start=start.timestamp()) == (
            due.response_due.timestamp(), due.resolution_due.timestamp())


def test_working_day_deadlines_over_random_starts() -> None:
    rng = random.Random(203)
    for _ in range(2000):
        start = datetime(2024, 12, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        due = RULES.deadlines("owners_committee", start=start).resolution_due.astimezone(BEIJING)
        assert due > start and due.hour == 17 and due.minute == 30 and CALENDAR.is_working_day(due.date())


def test_a_pause_moves_the_due_date_by_its_own_clock() -> None:
    paused = {"paused_from": bj(2026, 3, 6, 16), "paused_until": bj(2026, 3, 9, 10)}  # Fri 16:00 -> Mon 10:00
    due = bj(2026, 3, 12, 17, 30)
    # hours and calendar days: the wall time paused, 2 days 18 hours
    assert RULES.shift(due, tier="immediate", kind="response", **paused) == due + timedelta(days=2, hours=18)
    assert RULES.shift(due, tier="general", kind="resolution", **paused) == due + timedelta(days=2, hours=18)
    # working days: business hours paused, Fri 16:00-17:30 and Mon 09:00-10:00 = 2.5 h, so from Thu 17:30
    # the due date moves to 2.5 business hours into Fri 03-13: 11:30.
    moved = RULES.shift(due, tier="complex", kind="resolution", **paused)
    assert moved == bj(2026, 3, 13, 11, 30) and moved.tzinfo == UTC
    overnight = RULES.shift(due, tier="complex", kind="resolution",
                            paused_from=bj(2026, 3, 9, 17, 30), paused_until=bj(2026, 3, 10, 9))
    assert overnight == due
    with pytest.raises(ValueError, match="before it starts"):
        RULES.shift(due, tier="complex", kind="resolution", paused_from=bj(2026, 3, 9), paused_until=bj(2026, 3, 8))
    with pytest.raises(UnknownTier):
        RULES.shift(due, tier="urgent", kind="resolution", **paused)
    with pytest.raises(ValueError, match="timezone-aware"):
        RULES.shift(datetime(2026, 3, 12, 17, 30), tier="general", kind="resolution", **paused)
    with pytest.raises(ValueError, match="kind"):
        RULES.shift(due, tier="general", kind="answer", **paused)  # type: ignore[arg-type]


def test_an_extension_counts_from_the_current_due_date() -> None:
    # A general resolution due at 24:00 on 2025-09-30 (i.e. 00:00 on 10-01) is "the end of 09-30":
    # + 7 calendar days = 10-07, in the holiday, so the end of Thu 10-09.
    assert RULES.extend(bj(2025, 10, 1), tier="general", kind="resolution", amount=7) == bj(2025, 10, 10)
    assert RULES.extend(bj(2025, 10, 1), tier="general", kind="resolution", amount=2, unit="working_days") == \
        bj(2025, 10, 10, 17, 30)  # 10-09, 10-10
    # 5 working days after Thu 2026-03-12: 03-13, 03-16, 03-17, 03-18, 03-19.
    due = bj(2026, 3, 12, 17, 30)
    assert RULES.extend(due, tier="complex", kind="resolution", amount=5) == bj(2026, 3, 19, 17, 30)
    assert RULES.extend(due, tier="immediate", kind="resolution", amount=12) == bj(2026, 3, 13, 5, 30)
    with pytest.raises(ValueError, match="amount"):
        RULES.extend(bj(2026, 3, 12), tier="complex", kind="resolution", amount=0)
    with pytest.raises(ValueError, match="unit"):
        RULES.extend(bj(2026, 3, 12), tier="complex", kind="resolution", amount=1, unit="weeks")  # type: ignore[arg-type]
    with pytest.raises(UnknownTier):
        RULES.extend(bj(2026, 3, 12), tier="slow", kind="resolution", amount=1, unit="hours")


def test_describe_shows_every_figure_with_its_source_and_flag() -> None:
    tiers = {t["tier"]: t for t in RULES.describe()}
    assert list(tiers) == ["immediate", "basic_livelihood", "general", "complex", "consultation"]
    assert tiers["general"]["resolution"] == {
        "amount": 7, "unit": "calendar_days", "assumption": False, "source": tiers["general"]["resolution"]["source"]}
    assert "接诉即办" in tiers["general"]["resolution"]["source"]
    assert tiers["immediate"]["response"]["assumption"] is True
    assert tiers["basic_livelihood"]["resolution"]["assumption"] is False
    assert tiers["complex"]["resolution"]["assumption"] is True and tiers["consultation"]["categories"] == []
    listed = [code for t in tiers.values() for code in t["categories"]]
    assert sorted(listed) == sorted(leaf.code for leaf in TAXONOMY.leaves)


@pytest.mark.parametrize(("old", "new", "message"), [
    ('water_outage = "basic_livelihood"', 'water_outage = "basic"', "[overrides] water_outage: unknown tier 'basic'"),
    ('elevator_installation = "complex"', 'lift_fitting = "complex"', "'lift_fitting' is not a leaf"),
    ('owners_committee = "complex"', 'housing_property = "complex"', "'housing_property' is not a leaf"),
    ('unit = "calendar_days"', 'unit = "days"', "tier general resolution: unit must be one of"),
    ("amount = 15", "amount = 0", "tier complex resolution: amount must be a whole number > 0, got 0"),
    ("amount = 15", "amount = -15", "got -15"),
    ("amount = 15", "amount = 1.5", "got 1.5"),
    ('utilities = "general"\n', "", "no tier for top level 'utilities'"),
    ('utilities = "general"', 'utility = "general"', "unknown top level 'utility'"),
    ('urgent_tier = "immediate"', 'urgent_tier = "emergency"', "urgent_tier: unknown tier 'emergency'"),
    ('gas_outage = "basic_livelihood"', 'gas_leak_smell = "general"', "urgent leaf moved to 'general'"),
    ("[tiers.consultation]", "[tiers.Consultation]", "must be lower_snake_case"),
    ('assumption = false\nsource = "北京', 'assumed = false\nsource = "北京', "keys must be exactly"),
    ("\n[defaults]\n", "\n[default]\n", "unknown top-level key 'default'"),
])
def test_a_broken_rules_file_stops_the_load_naming_the_problem(tmp_path: Path, old: str, new: str,
                                                                message: str) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "rules.toml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        DeadlineRules.load(TAXONOMY, CALENDAR, broken)
    assert message in str(caught.value) and str(broken) in str(caught.value)


def test_an_unreadable_rules_file(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text("[tiers\n", encoding="utf-8")
    with pytest.raises(RulesError, match="cannot read"):
        DeadlineRules.load(TAXONOMY, CALENDAR, tmp_path / "rules.toml")
    with pytest.raises(RulesError, match="cannot read"):
        DeadlineRules.load(TAXONOMY, CALENDAR, tmp_path / "missing.toml")
