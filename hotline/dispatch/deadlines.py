"""Deadlines from rules: which tier an appeal's category is in, and when its answers are due.

The periods come from the Beijing Regulation on Handling Complaints upon Receipt (北京市接诉即办
工作条例) and from 12345 practice, several are our own assumptions, and all of them change by
policy rather than by release; so they live in ``data/deadline_rules.toml``, each figure with its
source and an ``assumption`` flag that ``describe`` shows to operators. The file is checked in
full at load: a typo in a tier or a category code stops the start instead of silently giving
appeals the wrong deadline. Day-based periods run on ``WorkCalendar`` (holidays, 调休, Civil Code
art. 201 and 203); hour-based ones on the wall clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, cast, get_args

import tomllib

from bot.errors import DataFileError, HotlineError
from bot.taxonomy import Taxonomy
from hotline.dispatch.calendar import BEIJING, UTC, WorkCalendar

Unit = Literal["hours", "calendar_days", "working_days"]
Kind = Literal["response", "resolution"]
UNITS: tuple[str, ...] = get_args(Unit)
KINDS: tuple[str, ...] = get_args(Kind)
DEFAULT_PATH = Path(__file__).parent / "data" / "deadline_rules.toml"
_TIER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # tickets.deadline_tier is String(32)
_PERIOD_KEYS = frozenset({"amount", "unit", "assumption", "source"})
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_BEIJING_OFFSET_S = 8 * 3600


class RulesError(DataFileError):
    """The rules file is missing or wrong; the message names every problem found."""


class UnknownCategory(HotlineError, KeyError):
    """A category code that is not a leaf of the taxonomy."""


class UnknownTier(HotlineError, KeyError):
    """A tier name that the rules file does not define."""


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit
    source: str
    assumption: bool


@dataclass(frozen=True)
class Tier:
    name: str
    description: str
    response: Period
    resolution: Period

    def period(self, kind: Kind) -> Period:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        return self.response if kind == "response" else self.resolution


@dataclass(frozen=True)
class Deadlines:
    response_due: datetime  # UTC
    resolution_due: datetime  # UTC
    tier: str


class DeadlineRules:
    """Tiers, the tier of every taxonomy leaf, and deadline arithmetic on a ``WorkCalendar``."""

    def __init__(self, *, tiers: Mapping[str, Tier], leaf_tiers: Mapping[str, str], calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.tiers = dict(tiers)
        self._leaf_tier = {code: self.tiers[name] for code, name in leaf_tiers.items()}
        self._by_day: dict[tuple[str, str], dict[int, float]] = {
            (name, kind): {} for name in self.tiers for kind in KINDS}

    @classmethod
    def load(cls, taxonomy: Taxonomy, calendar: WorkCalendar, path: Path = DEFAULT_PATH) -> DeadlineRules:
        """Read and check the rules file against the taxonomy.

        Raises:
            RulesError: the file is unreadable, or names an unknown tier, top level or leaf, a bad
                unit, an amount that is not a positive integer, or moves an urgent leaf to a slower tier.
        """
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RulesError(f"cannot read deadline rules {path}: {exc}") from exc
        return cls.from_dict(data, taxonomy=taxonomy, calendar=calendar, where=str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, taxonomy: Taxonomy, calendar: WorkCalendar,
                  where: str = "deadline rules") -> DeadlineRules:
        """Build checked rules from the decoded file (see ``load``)."""
        problems: list[str] = []
        tiers = _tiers(data.get("tiers"), problems)
        leaf_tiers = _leaf_tiers(data, tiers, taxonomy, problems)
        if problems:
            raise RulesError(f"{where}: " + "; ".join(problems))
        return cls(tiers=tiers, leaf_tiers=leaf_tiers, calendar=calendar)

    def tier_for(self, category_code: str) -> Tier:
        """The tier of a taxonomy leaf.

        Raises:
            UnknownCategory: the code is not a leaf of the taxonomy the rules were loaded with.
        """
        try:
            return self._leaf_tier[category_code]
        except KeyError:
            raise UnknownCategory(f"no taxonomy leaf {category_code!r}") from None

    def deadlines(self, category_code: str, *, start: datetime) -> Deadlines:
        """Response and resolution due dates (UTC) of an appeal in this category dispatched at ``start``."""
        tier = self.tier_for(category_code)
        return Deadlines(response_due=self._due(tier.response.unit, tier.response.amount, start),
                         resolution_due=self._due(tier.resolution.unit, tier.resolution.amount, start),
                         tier=tier.name)

    def due_timestamps(self, category_code: str, *, start: float) -> tuple[float, float]:
        """``deadlines`` on POSIX timestamps, cached per Beijing date: for bulk work over millions of tickets."""
        tier = self.tier_for(category_code)
        return self._due_ts(tier, "response", start), self._due_ts(tier, "resolution", start)

    def shift(self, due: datetime, *, tier: str, kind: Kind, paused_from: datetime, paused_until: datetime) -> datetime:
        """``due`` moved by a pause (the clock stops while we wait for the resident).

        Hour and calendar-day periods move by the wall time paused, working-day periods by the
        business hours paused (a pause overnight moves them not at all).

        Raises:
            UnknownTier: no such tier.
            ValueError: a bad ``kind``, a naive datetime, or a pause that ends before it starts.
        """
        period = self._tier(tier).period(kind)
        if _aware(paused_until) < _aware(paused_from):
            raise ValueError(f"pause ends ({paused_until}) before it starts ({paused_from})")
        if period.unit == "working_days":
            paused = self.calendar.working_seconds_between(paused_from, paused_until)
            return self.calendar.add_working_seconds(_aware(due), paused)
        return (_aware(due) + (paused_until - paused_from)).astimezone(UTC)

    def extend(self, due: datetime, *, tier: str, kind: Kind, amount: int, unit: Unit | None = None) -> datetime:
        """``due`` extended by a supervisor-approved period, counted from ``due`` as a new period would be.

        ``unit`` defaults to the unit of the tier's period. A due date at 24:00 Beijing counts as
        the end of its day, so 7 calendar days from "24:00 on the 3rd" end at 24:00 on the 10th.

        Raises:
            UnknownTier: no such tier.
            ValueError: a bad ``kind`` or ``unit``, an amount below 1, or a naive datetime.
        """
        period = self._tier(tier).period(kind)
        unit = unit or period.unit
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            raise ValueError(f"an extension needs a whole amount >= 1, got {amount!r}")
        if unit == "hours":
            return self._due(unit, amount, due)
        local = _aware(due).astimezone(BEIJING)
        day = local.date() - timedelta(days=1) if local.time() == datetime.min.time() else local.date()
        if unit == "calendar_days":
            return self.calendar.calendar_days_due(day, amount)
        return self.calendar.working_days_due(day, amount)

    def describe(self) -> list[dict[str, Any]]:
        """Every tier with its periods, sources, assumption flags and leaves: for an API or console page."""
        leaves: dict[str, list[str]] = {name: [] for name in self.tiers}
        for code, tier in self._leaf_tier.items():
            leaves[tier.name].append(code)
        return [{"tier": t.name, "description": t.description, "response": asdict(t.response),
                 "resolution": asdict(t.resolution), "categories": sorted(leaves[t.name])}
                for t in self.tiers.values()]

    def _tier(self, name: str) -> Tier:
        try:
            return self.tiers[name]
        except KeyError:
            raise UnknownTier(f"no deadline tier {name!r}") from None

    def _due(self, unit: Unit, amount: int, start: datetime) -> datetime:
        if unit == "hours":
            return (_aware(start) + timedelta(hours=amount)).astimezone(UTC)
        if unit == "calendar_days":
            return self.calendar.add_calendar_days(start, amount)
        return self.calendar.add_working_days(start, amount)

    def _due_ts(self, tier: Tier, kind: Kind, start: float) -> float:
        period = tier.response if kind == "response" else tier.resolution
        if period.unit == "hours":
            return start + period.amount * 3600
        day = int((start + _BEIJING_OFFSET_S) // 86_400)
        cache = self._by_day[tier.name, kind]
        due = cache.get(day)
        if due is None:
            local = date.fromordinal(day + _EPOCH_ORDINAL)
            calendar = self.calendar
            by_date = calendar.calendar_days_due if period.unit == "calendar_days" else calendar.working_days_due
            due = cache[day] = by_date(local, period.amount).timestamp()
        return due


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"need a timezone-aware datetime, got {moment!r}")
    return moment


def _tiers(raw: Any, problems: list[str]) -> dict[str, Tier]:
    if not isinstance(raw, Mapping) or not raw:
        problems.append("[tiers] is missing or empty")
        return {}
    tiers: dict[str, Tier] = {}
    for name, table in raw.items():
        if not _TIER_NAME.match(name):
            problems.append(f"tier name {name!r} must be lower_snake_case, at most 32 characters")
        if not isinstance(table, Mapping):
            problems.append(f"tier {name}: not a table")
            continue
        periods = [_period(table.get(kind), f"tier {name} {kind}", problems) for kind in KINDS]
        if periods[0] is not None and periods[1] is not None:
            tiers[name] = Tier(name=name, description=str(table.get("description", "")),
                               response=periods[0], resolution=periods[1])
    return tiers


def _period(raw: Any, where: str, problems: list[str]) -> Period | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: missing (needs amount, unit, assumption, source)")
        return None
    found = len(problems)
    if set(raw) != _PERIOD_KEYS:
        problems.append(f"{where}: keys must be exactly {sorted(_PERIOD_KEYS)}, got {sorted(raw)}")
    amount: Any = raw.get("amount")
    unit: Any = raw.get("unit")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        problems.append(f"{where}: amount must be a whole number > 0, got {amount!r}")
    if unit not in UNITS:
        problems.append(f"{where}: unit must be one of {UNITS}, got {unit!r}")
    if not isinstance(raw.get("assumption"), bool):
        problems.append(f"{where}: assumption must be true or false")
    if not isinstance(raw.get("source"), str) or not raw.get("source", "").strip():
        problems.append(f"{where}: source must say where the figure comes from (or why it is assumed)")
    if len(problems) > found:
        return None
    return Period(amount=amount, unit=cast(Unit, unit), source=raw["source"], assumption=raw["assumption"])


def _leaf_tiers(data: Mapping[str, Any], tiers: Mapping[str, Tier], taxonomy: Taxonomy,
                problems: list[str]) -> dict[str, str]:
    """The tier of every leaf: an override, else the urgent tier for urgent leaves, else its top level's default."""
    for key in set(data) - {"urgent_tier", "tiers", "defaults", "overrides"}:
        problems.append(f"unknown top-level key {key!r}")
    urgent: Any = data.get("urgent_tier")
    defaults: Mapping[str, Any] = data.get("defaults", {})
    overrides: Mapping[str, Any] = data.get("overrides", {})
    named = [("urgent_tier", urgent)] + [(f"[defaults] {k}", v) for k, v in defaults.items()] + \
        [(f"[overrides] {k}", v) for k, v in overrides.items()]
    problems.extend(f"{where}: unknown tier {tier!r} (tiers: {sorted(tiers)})"
                    for where, tier in named if tier not in tiers)
    tops = {c.code for c in taxonomy.top_levels}
    problems.extend(f"[defaults]: unknown top level {k!r}" for k in sorted(set(defaults) - tops))
    problems.extend(f"[defaults]: no tier for top level {k!r}" for k in sorted(tops - set(defaults)))
    problems.extend(f"[overrides]: {k!r} is not a leaf of the taxonomy" for k in overrides if taxonomy.leaf(k) is None)
    if problems:
        return {}
    leaf_tiers: dict[str, str] = {}
    for leaf in taxonomy.leaves:
        tier = str(overrides.get(leaf.code) or (urgent if leaf.urgent else defaults[leaf.top]))
        if leaf.urgent and not _no_slower(tiers[tier], tiers[urgent]):
            problems.append(f"[overrides] {leaf.code}: urgent leaf moved to {tier!r}, slower than {urgent!r}")
        leaf_tiers[leaf.code] = tier
    return leaf_tiers


def _no_slower(tier: Tier, than: Tier) -> bool:
    return all(a.unit == b.unit and a.amount <= b.amount
               for a, b in ((tier.response, than.response), (tier.resolution, than.resolution)))
