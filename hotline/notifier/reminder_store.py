"""A durable scheduler for survey reminders in Redis (Rasa's reminders live in memory and die with it).

``due`` is a sorted set (score: when), ``data`` a hash of the reminders, ``ticket`` maps a ticket to
its one pending reminder, ``gone`` remembers reminders sent, cancelled or expired (so a redelivered
resolution cannot schedule its reminder twice). Claiming is one Lua call that pushes the claimed
reminders' scores a lease into the future: two processes never claim the same reminder, and a
process that dies mid-send leaves it to be claimed again when the lease runs out.
"""

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from redis.asyncio import Redis

GONE_DAYS = 30

SCHEDULE = """
if redis.call('ZSCORE', KEYS[4], ARGV[1]) or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
local old = redis.call('HGET', KEYS[3], ARGV[2])
if old then
  redis.call('ZREM', KEYS[1], old); redis.call('HDEL', KEYS[2], old); redis.call('ZADD', KEYS[4], ARGV[5], old)
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]); redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
return 1
"""
CLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[2], id)
  if data then redis.call('ZADD', KEYS[1], ARGV[2], id); table.insert(out, data)
  else redis.call('ZREM', KEYS[1], id) end
end
return out
"""
REMOVE = """
local id = ARGV[2]
if id == '' then id = redis.call('HGET', KEYS[3], ARGV[1]) end
if not id then return 0 end
redis.call('ZREM', KEYS[1], id); redis.call('HDEL', KEYS[2], id); redis.call('ZADD', KEYS[4], ARGV[3], id)
if redis.call('HGET', KEYS[3], ARGV[1]) == id then redis.call('HDEL', KEYS[3], ARGV[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[3] - 86400 * tonumber(ARGV[4]))
return 1
"""
RETRY = """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]); redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
return 1
"""


@dataclass(frozen=True)
class Reminder:
    reminder_id: str
    ticket_id: str
    sender_id: str
    output_channel: str
    expires_at: str  # ISO 8601, UTC
    attempts: int = 0

    def expired(self, now: datetime) -> bool:
        return now >= datetime.fromisoformat(self.expires_at)

    def stream_fields(self) -> dict[str, str]:
        """As a dead-letter entry."""
        return {"event_type": "survey.reminder", "payload": json.dumps(asdict(self), ensure_ascii=False)}


def reminder_for(event_id: str, ticket_id: str, sender_id: str, output_channel: str, *, asked_at: datetime,
                 expiry_hours: float) -> Reminder:
    """The one reminder of the survey sent for resolution event ``event_id``."""
    expires = (asked_at + timedelta(hours=expiry_hours)).astimezone(timezone.utc)
    return Reminder(f"reminder-{event_id}", ticket_id, sender_id, output_channel, expires.isoformat())


class ReminderStore:
    def __init__(self, client: "Redis", prefix: str = "hotline:reminders") -> None:
        self.redis = client
        self.keys = [f"{prefix}:due", f"{prefix}:data", f"{prefix}:ticket", f"{prefix}:gone"]

    async def schedule(self, reminder: Reminder, due: datetime) -> bool:
        """Add ``reminder`` (replacing the ticket's earlier one); False when it exists or existed."""
        added = await self._run(SCHEDULE, reminder.reminder_id, reminder.ticket_id, due.timestamp(),
                                json.dumps(asdict(reminder)), due.timestamp())
        return bool(added)

    async def claim_due(self, now: datetime, *, lease_seconds: float, count: int = 100) -> list[Reminder]:
        """Reminders due at ``now``, each claimed for ``lease_seconds``."""
        found = await self._run(CLAIM, now.timestamp(), now.timestamp() + lease_seconds, count)
        return [Reminder(**json.loads(raw)) for raw in found]

    async def retry_later(self, reminder: Reminder, at: datetime) -> None:
        await self._run(RETRY, reminder.reminder_id, at.timestamp(), json.dumps(asdict(reminder)))

    async def finish(self, reminder: Reminder, now: datetime) -> None:
        """Sent, expired or dropped: it will not come back."""
        await self._run(REMOVE, reminder.ticket_id, reminder.reminder_id, now.timestamp(), GONE_DAYS)

    async def cancel(self, ticket_id: str, now: datetime) -> bool:
        """Drop the ticket's pending reminder (the resident rated); False when there was none."""
        return bool(await self._run(REMOVE, ticket_id, "", now.timestamp(), GONE_DAYS))

    async def pending(self) -> dict[str, float]:
        """Reminder id -> due (epoch seconds), for tools and tests."""
        found: Any = await self.redis.zrange(self.keys[0], 0, -1, withscores=True)
        return {str(k): float(v) for k, v in found}

    async def _run(self, script: str, *args: Any) -> Any:
        return await self.redis.eval(script, len(self.keys), *self.keys, *args)
