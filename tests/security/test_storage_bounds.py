"""Issue 13, "conversations never expire": whatever a stranger sends stayed in Redis for ever.

Held means: a conversation's tracker key (``assistant:tracker:<id>``) expires TRACKER_RETENTION_DAYS (90)
after its last message, the rate buckets a stranger creates expire too, and strangers' messages add no
key that never expires.
"""

import pytest
import redis

from tests.security.attacker import say, unique
from tools.stack import TRACKER_RETENTION_DAYS, Stack

pytestmark = pytest.mark.integration
DAY = 86_400


def keys_that_never_expire(store: "redis.Redis[bytes]") -> set[bytes]:
    return {key for key in store.scan_iter(count=1000) if store.ttl(key) == -1}


def test_a_conversation_expires_after_the_retention_period(stack: Stack, redis_url: str) -> None:
    """Attack: conversations kept for ever.
    Held: the tracker key expires in TRACKER_RETENTION_DAYS, and every key naming the sender expires.
    """
    store = redis.Redis.from_url(redis_url)
    sender = unique("retention")
    say(stack, sender, "/greet")
    ttl = store.ttl(f"assistant:tracker:{stack.rest_conversation(sender)}:meta")  # assistant/session_store.py
    days = int(TRACKER_RETENTION_DAYS)
    print(f"\ntracker TTL {ttl} s ({ttl / DAY:.2f} days; retention {days} days)")
    assert (days - 1) * DAY < ttl <= days * DAY, ttl
    mentioning = list(store.scan_iter(match=f"*{sender}*"))
    assert len(mentioning) >= 2 and all(store.ttl(key) > 0 for key in mentioning), mentioning


def test_strangers_add_no_key_that_never_expires(stack: Stack, redis_url: str) -> None:
    """Attack: grow Redis with new conversations. Held: no key without an expiry is added."""
    store = redis.Redis.from_url(redis_url)
    before = keys_that_never_expire(store)
    for n in range(8):
        say(stack, unique(f"stranger{n}"), "你好")
    added = keys_that_never_expire(store) - before
    assert not added, added
