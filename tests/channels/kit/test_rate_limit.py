"""Token buckets: a burst then a wait, refill, one bucket for every process through Redis, the local fallback."""

import asyncio
import logging
import time
import uuid

import pytest
import redis

from channels.kit import rate_limit
from channels.kit.rate_limit import Limit, RateLimiter, retry_after

UNREACHABLE = "redis://127.0.0.1:1/0"


def takes(limiter: RateLimiter, key: str, count: int) -> list[float]:
    """The waits of ``count`` messages sent one after the other, as quickly as possible."""
    async def send() -> list[float]:
        return [await limiter.wait_for(key) for _ in range(count)]
    return asyncio.run(send())


# ---------- the local buckets (no Redis), driven with an explicit clock ----------

def test_a_burst_passes_then_the_next_message_waits_for_one_token() -> None:
    limiter = RateLimiter(Limit(per_minute=6, burst=3), redis_url=None, prefix="t")
    assert [limiter._take_local("a", 100.0, 1) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter._take_local("a", 100.0, 1) == pytest.approx(10.0)  # 6 a minute: one token every 10 s
    assert limiter._take_local("a", 104.0, 1) == pytest.approx(6.0)  # a refusal takes nothing
    assert limiter._take_local("b", 104.0, 1) == 0.0  # every key has its own bucket


def test_tokens_refill_over_time_up_to_the_burst() -> None:
    limiter = RateLimiter(Limit(per_minute=60, burst=2), redis_url=None, prefix="t")
    assert [limiter._take_local("a", 0.0, 1) for _ in range(2)] == [0.0, 0.0]
    assert limiter._take_local("a", 0.5, 1) == pytest.approx(0.5)
    assert limiter._take_local("a", 1.0, 1) == 0.0  # one token back after one second
    assert limiter._take_local("a", 1.0, 1) > 0
    assert [limiter._take_local("a", 1000.0, 1) for _ in range(2)] == [0.0, 0.0]  # a long pause refills the burst...
    assert limiter._take_local("a", 1000.0, 1) > 0  # ...and no more


def test_wait_for_without_redis_uses_the_local_buckets() -> None:
    limiter = RateLimiter(Limit(per_minute=600, burst=2), redis_url=None, prefix="t")
    waits = takes(limiter, "a", 3)
    assert waits[:2] == [0.0, 0.0] and 0 < waits[2] <= 0.1


def test_the_fallback_forgets_the_least_recently_used_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "LOCAL_BUCKETS", 3)
    limiter = RateLimiter(Limit(per_minute=1, burst=1), redis_url=None, prefix="t")
    for key in ("a", "b", "c"):
        assert limiter._take_local(key, 0.0, 1) == 0.0
    assert limiter._take_local("a", 1.0, 1) > 0  # "a" is now the most recently used
    assert limiter._take_local("d", 1.0, 1) == 0.0
    assert list(limiter._local) == ["c", "a", "d"]  # "b", the least recently used, is gone
    assert limiter._take_local("b", 1.0, 1) == 0.0  # forgotten: a full bucket again
    assert len(limiter._local) == 3


def test_peek_says_whether_a_token_is_there_and_takes_none() -> None:
    limiter = RateLimiter(Limit(per_minute=6, burst=2), redis_url=None, prefix="t")
    assert limiter._take_local("a", 0.0, 0) == 0.0 and limiter._local == {}  # an unknown key: nothing kept
    assert [limiter._take_local("a", 0.0, 1) for _ in range(2)] == [0.0, 0.0]
    assert limiter._take_local("a", 0.0, 0) == pytest.approx(10.0)
    assert limiter._take_local("a", 10.0, 0) == 0.0  # refilled one token...
    assert limiter._take_local("a", 10.0, 0) == 0.0  # ...and looking twice left it there
    assert limiter._take_local("a", 10.0, 1) == 0.0
    assert limiter._take_local("a", 10.0, 1) > 0


@pytest.mark.parametrize("seconds, header", [
    (0.0, "1"), (0.001, "1"), (0.2, "1"), (1.0, "1"), (1.001, "2"), (59.5, "60"), (120.0, "120"),
])
def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one(seconds: float, header: str) -> None:
    assert retry_after(seconds) == header


@pytest.mark.parametrize("per_minute, burst", [(0, 1), (-1, 1), (1, 0), (1, -5)])
def test_a_limit_needs_a_positive_rate_and_burst(per_minute: float, burst: int) -> None:
    with pytest.raises(ValueError, match="per_minute > 0 and burst >= 1"):
        Limit(per_minute, burst)


def test_a_small_limit_is_valid_and_frozen() -> None:
    limit = Limit(0.5, 1)
    with pytest.raises(AttributeError):
        limit.burst = 2  # type: ignore[misc]


# ---------- Redis ----------

@pytest.mark.integration
def test_redis_gives_a_burst_then_a_short_wait_then_refills(redis_url: str) -> None:
    limiter = RateLimiter(Limit(per_minute=600, burst=2), redis_url=redis_url, prefix=f"t{uuid.uuid4().hex}")
    waits = takes(limiter, "a", 3)
    assert waits[:2] == [0.0, 0.0]
    assert 0 < waits[2] <= 0.1  # 10 a second: a token every 100 ms
    time.sleep(waits[2] + 0.05)
    assert takes(limiter, "a", 1) == [0.0]


@pytest.mark.integration
def test_two_processes_share_one_bucket_through_redis(redis_url: str) -> None:
    prefix = f"t{uuid.uuid4().hex}"
    first = RateLimiter(Limit(per_minute=1, burst=3), redis_url=redis_url, prefix=prefix)
    second = RateLimiter(Limit(per_minute=1, burst=3), redis_url=redis_url, prefix=prefix)
    assert takes(first, "resident", 2) == [0.0, 0.0]
    assert takes(second, "resident", 1) == [0.0]
    assert takes(second, "resident", 1)[0] > 50  # the burst is spent, whichever process asks
    assert takes(first, "resident", 1)[0] > 50
    assert takes(second, "someone-else", 1) == [0.0]
    other_prefix = RateLimiter(Limit(per_minute=1, burst=3), redis_url=redis_url, prefix=f"t{uuid.uuid4().hex}")
    assert takes(other_prefix, "resident", 1) == [0.0]
    assert first._local == {} and second._local == {}  # nothing kept per process while Redis answers


@pytest.mark.integration
def test_redis_peek_takes_nothing_and_writes_nothing(redis_url: str) -> None:
    prefix = f"t{uuid.uuid4().hex}"
    limiter = RateLimiter(Limit(per_minute=1, burst=1), redis_url=redis_url, prefix=prefix)
    client = redis.Redis.from_url(redis_url)
    try:
        assert asyncio.run(limiter.peek("a")) == 0.0
        assert client.exists(f"{prefix}:a") == 0  # looking at an unknown address creates no key
        assert takes(limiter, "a", 1) == [0.0]
        assert asyncio.run(limiter.peek("a")) > 50
        assert asyncio.run(limiter.peek("b")) == 0.0
    finally:
        client.close()


@pytest.mark.integration
def test_the_redis_bucket_expires_once_it_would_be_full_again(redis_url: str) -> None:
    prefix = f"t{uuid.uuid4().hex}"
    takes(RateLimiter(Limit(per_minute=60, burst=5), redis_url=redis_url, prefix=prefix), "a", 1)
    client = redis.Redis.from_url(redis_url)
    try:
        ttl_ms = client.pttl(f"{prefix}:a")
        assert 4000 < ttl_ms <= 6000  # 5 tokens at 1 a second, plus a second
    finally:
        client.close()


@pytest.mark.integration
def test_unreachable_redis_falls_back_to_local_buckets_and_still_limits(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RateLimiter(Limit(per_minute=600, burst=2), redis_url=UNREACHABLE, prefix="t")
    with caplog.at_level(logging.WARNING, logger="channels.kit.rate_limit"):
        waits = takes(limiter, "a", 4)
    assert waits[:2] == [0.0, 0.0] and all(0 < wait <= 0.2 for wait in waits[2:])
    assert "a" in limiter._local
    warnings = [r for r in caplog.records if "rate limits kept per process" in r.getMessage()]
    assert len(warnings) == 1  # said once, not per message
