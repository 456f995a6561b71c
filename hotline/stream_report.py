"""How full the events stream is and who reads behind: XLEN, each consumer group's lag and pending, Redis memory.

The relay's XADD trims the stream to about ``STREAM_MAXLEN`` entries (hotline.outbox), read or not,
so a consumer group further behind than that loses events. The relay leader logs this report every
``stream_report_seconds`` and an alarm line (WARNING) when a group's unread count passes
``stream_alarm_fraction`` of the trim length, early enough to act. Admins read the same report at
``GET /api/ops/redis``. Nothing in it is secret: names, counts and memory figures.
"""

import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

import redis

log = logging.getLogger(__name__)
COUNT_PAGE = 1000  # entries per XRANGE when a group's lag must be counted


@dataclass(frozen=True)
class GroupReport:
    name: str
    consumers: int
    pending: int  # delivered to a consumer, not acknowledged yet
    lag: int | None  # entries not yet delivered to the group (Redis 7); None when Redis cannot tell
    unread: int  # lag, or when unknown the entries after last-delivered-id, counted up to the alarm threshold + 1


@dataclass(frozen=True)
class StreamReport:
    stream: str
    length: int
    trim_length: int
    alarm_threshold: int
    groups: tuple[GroupReport, ...]
    used_memory: int
    maxmemory: int  # 0: no limit
    maxmemory_policy: str

    @property
    def behind(self) -> tuple[GroupReport, ...]:
        """Groups whose unread events could soon be trimmed away."""
        return tuple(group for group in self.groups if group.unread > self.alarm_threshold)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "behind": [group.name for group in self.behind]}


def stream_report(client: redis.Redis, stream: str, *, trim_length: int, alarm_fraction: float) -> StreamReport:
    """Read the report from Redis (XLEN, XINFO GROUPS, INFO memory).

    Raises:
        redis.RedisError: Redis is unreachable or refused a command.
    """
    threshold = int(trim_length * alarm_fraction)
    memory = client.info("memory")
    return StreamReport(
        stream=stream, length=int(client.xlen(stream)), trim_length=trim_length, alarm_threshold=threshold,
        groups=tuple(_group_report(client, stream, info, threshold) for info in _groups(client, stream)),
        used_memory=int(memory.get("used_memory", 0)), maxmemory=int(memory.get("maxmemory", 0)),
        maxmemory_policy=_text(memory.get("maxmemory_policy", "unknown")),
    )


def log_stream_report(report: StreamReport) -> None:
    """One INFO line with the figures, and a WARNING alarm line per group that is too far behind."""
    groups = ", ".join(f"{g.name} unread {g.unread} pending {g.pending}" for g in report.groups) or "no groups"
    limit = f"of {report.maxmemory} bytes" if report.maxmemory else "(no maxmemory)"
    log.info("events stream %s: %d entries (trimmed at about %d); %s; Redis memory %d bytes %s, policy %s",
             report.stream, report.length, report.trim_length, groups, report.used_memory, limit,
             report.maxmemory_policy)
    for group in report.behind:
        log.warning("ALARM events stream %s: consumer group %s has %d unread events, more than %d "
                    "(%d%% of the trim length %d): unread events could soon be trimmed",
                    report.stream, group.name, group.unread, report.alarm_threshold,
                    round(100 * report.alarm_threshold / report.trim_length), report.trim_length)


class StreamWatch:
    """Logs the report every ``every_seconds``; the relay leader calls ``run_if_due`` on each pass."""

    def __init__(self, client: redis.Redis, stream: str, *, trim_length: int, alarm_fraction: float,
                 every_seconds: float) -> None:
        self.client = client
        self.stream = stream
        self.trim_length = trim_length
        self.alarm_fraction = alarm_fraction
        self.every_seconds = every_seconds
        self._next_at = 0.0  # the first pass reports at once

    def run_if_due(self, now: float | None = None) -> StreamReport | None:
        now = time.monotonic() if now is None else now
        if now < self._next_at:
            return None
        self._next_at = now + self.every_seconds
        try:
            report = stream_report(self.client, self.stream, trim_length=self.trim_length,
                                   alarm_fraction=self.alarm_fraction)
        except redis.RedisError as exc:
            log.warning("events stream %s: no report, Redis unavailable: %s", self.stream, exc)
            return None
        log_stream_report(report)
        return report


def _groups(client: redis.Redis, stream: str) -> list[dict[str, Any]]:
    try:
        groups: list[dict[str, Any]] = client.xinfo_groups(stream)
    except redis.ResponseError as exc:
        if "no such key" in str(exc).lower():  # no event published yet
            return []
        raise
    return groups


def _group_report(client: redis.Redis, stream: str, info: dict[str, Any], threshold: int) -> GroupReport:
    lag = info.get("lag")
    lag = None if lag is None or lag == b"" or lag == "" else int(lag)
    if lag is None:
        unread = _count_after(client, stream, _text(info["last-delivered-id"]), limit=threshold + 1)
    else:
        unread = lag
    return GroupReport(name=_text(info["name"]), consumers=int(info["consumers"]), pending=int(info["pending"]),
                       lag=lag, unread=unread)


def _count_after(client: redis.Redis, stream: str, last_id: str, *, limit: int) -> int:
    """Entries after ``last_id``, counted page by page up to ``limit`` (enough to decide the alarm)."""
    counted, start = 0, f"({last_id}"
    while counted < limit:
        entries = client.xrange(stream, min=start, max="+", count=min(COUNT_PAGE, limit - counted))
        if not entries:
            break
        counted += len(entries)
        start = f"({_text(entries[-1][0])}"
    return counted


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
