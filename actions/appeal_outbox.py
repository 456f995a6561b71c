"""A durable queue in Redis for appeals (and survey answers) the backend could not take yet.

An appeal is stored under its Idempotency-Key, so filing it later (any number of times)
still makes exactly one ticket; survey answers (``kind="rating"``) are keyed by ticket and
resident, and the backend takes one rating per resolution. The outbox worker (actions/outbox_worker.py) retries due
appeals with exponential backoff and tells the resident the ticket id once it is filed.
"""

import json
import time
from dataclasses import asdict, dataclass, field

from redis.asyncio import Redis

QUEUE = "assistant:appeal_queue"  # sorted set: idempotency key -> next attempt (epoch seconds)
ITEMS = "assistant:appeals"  # hash: idempotency key -> appeal JSON
DEAD = "assistant:appeals:rejected"  # hash: appeals the backend refused for good
BASE_DELAY_SECONDS = 5.0
MAX_DELAY_SECONDS = 600.0


@dataclass
class QueuedAppeal:
    idempotency_key: str
    fields: dict[str, str]
    sender_id: str
    output_channel: str
    language: str
    attempts: int = 0
    queued_at: float = field(default_factory=time.time)
    kind: str = "appeal"  # or "rating": survey answers for actions/survey.py

    @property
    def reference(self) -> str:
        """A short reference the resident can quote before the ticket id exists."""
        return "Q-" + self.idempotency_key.rsplit(":", 1)[-1][:8].upper()


def backoff(attempts: int) -> float:
    return float(min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(0, attempts - 1)))


class AppealOutbox:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def put(self, appeal: QueuedAppeal, *, delay: float = 0.0) -> None:
        """Store (or overwrite) an appeal and schedule its next attempt; idempotent per key."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(ITEMS, appeal.idempotency_key, json.dumps(asdict(appeal), ensure_ascii=False))
            pipe.zadd(QUEUE, {appeal.idempotency_key: time.time() + delay})
            await pipe.execute()

    async def due(self, limit: int = 20) -> list[QueuedAppeal]:
        keys = await self.redis.zrangebyscore(QUEUE, "-inf", time.time(), start=0, num=limit)
        if not keys:
            return []
        raw = await self.redis.hmget(ITEMS, keys)
        return [QueuedAppeal(**json.loads(item)) for item in raw if item is not None]

    async def retry_later(self, appeal: QueuedAppeal) -> float:
        appeal.attempts += 1
        delay = backoff(appeal.attempts)
        await self.put(appeal, delay=delay)
        return delay

    async def done(self, appeal: QueuedAppeal) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(QUEUE, appeal.idempotency_key)
            pipe.hdel(ITEMS, appeal.idempotency_key)
            await pipe.execute()

    async def reject(self, appeal: QueuedAppeal, reason: str) -> None:
        """Keep an appeal the backend refused (4xx) for an operator to look at; stop retrying."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(DEAD, appeal.idempotency_key, json.dumps({**asdict(appeal), "reason": reason}))
            pipe.zrem(QUEUE, appeal.idempotency_key)
            pipe.hdel(ITEMS, appeal.idempotency_key)
            await pipe.execute()

    async def size(self) -> int:
        return int(await self.redis.zcard(QUEUE))
