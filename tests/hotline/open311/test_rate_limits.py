"""Open311 POST rate limits: per client address and per API key, in a real Redis, with the in-process fallback."""

import logging
import math
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from hotline.app import create_app
from hotline.config import DEV_API_KEY, Settings, load_settings
from hotline.domain.models import Ticket
from hotline.rate_limits import (
    FilingLimits,
    FilingPolicy,
    Limiter,
    LocalBuckets,
    RedisBuckets,
    address_bucket,
    client_address,
    parse_networks,
)
from tests.doubles.local_servers import RedisProcess
from tests.hotline.helpers import file_request, open311_error

UNREACHABLE = "redis://127.0.0.1:1/0"
PARTNER_KEY = "partner-app-key-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fresh_redis(redis_url: str) -> str:
    """The session's Redis, database 3, emptied: buckets of earlier tests do not count."""
    url = redis_url.rsplit("/", 1)[0] + "/3"
    redis.Redis.from_url(url).flushdb()
    return url


def make_app(database_url: str, redis_url: str, **overrides: object) -> FastAPI:
    return create_app(replace(Settings(), database_url=database_url, redis_url=redis_url, **overrides),
                      run_relay=False)


def ticket_count(app: FastAPI) -> int:
    with app.state.backend.db.read() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def retry_after(response: Response) -> int:
    value = response.headers["Retry-After"]
    assert value.isdigit() and int(value) >= 1, value
    return int(value)


def test_150_posts_from_one_address_file_30_and_the_rest_get_429(sqlite_url: str, fresh_redis: str) -> None:
    app = make_app(sqlite_url, fresh_redis)
    started = time.monotonic()
    with TestClient(app) as client:
        statuses = [file_request(client, description=f"路灯坏了，第{n}次报告").status_code for n in range(150)]
        refused = file_request(client)
    # 30 at once, then one every 2 seconds: a slow machine may earn a few more while the loop runs.
    earned = math.ceil((time.monotonic() - started) / 2)
    assert 30 <= statuses.count(201) <= 30 + earned
    assert statuses.count(429) == 150 - statuses.count(201)
    assert ticket_count(app) == statuses.count(201)
    assert refused.status_code == 429 and 1 <= retry_after(refused) <= 2
    code, description = open311_error(refused)
    assert code == 429 and "too many" in description


def test_the_refusal_speaks_the_requested_format(sqlite_url: str, fresh_redis: str) -> None:
    with TestClient(make_app(sqlite_url, fresh_redis, address_rate_per_minute=1)) as client:
        assert file_request(client, "xml").status_code == 201
        refused = file_request(client, "xml")
    assert refused.status_code == 429 and retry_after(refused) == 60
    assert open311_error(refused, "xml")[0] == 429


def test_two_backend_machines_share_the_limit_through_redis(sqlite_url: str, fresh_redis: str) -> None:
    one, two = make_app(sqlite_url, fresh_redis), make_app(sqlite_url, fresh_redis)
    started = time.monotonic()
    with TestClient(one) as first, TestClient(two) as second:
        statuses = [file_request(client).status_code for _ in range(20) for client in (first, second)]
    assert 30 <= statuses.count(201) <= 30 + math.ceil((time.monotonic() - started) / 2)


def test_unknown_keys_count_against_the_address(sqlite_url: str, fresh_redis: str) -> None:
    """Guessing API keys is a flood too: refused keys use up the address's allowance."""
    with TestClient(make_app(sqlite_url, fresh_redis, address_rate_per_minute=5)) as client:
        statuses = [file_request(client, api_key=f"guess-{n}").status_code for n in range(8)]
    assert statuses == [403] * 5 + [429] * 3


def test_a_replay_over_the_limit_is_still_answered(database_url: str, fresh_redis: str) -> None:
    """The outbox worker's retries must get their ticket; only new tickets are refused."""
    with TestClient(make_app(database_url, fresh_redis, address_rate_per_minute=2)) as client:
        first = file_request(client, headers={"Idempotency-Key": "appeal-1"})
        file_request(client, headers={"Idempotency-Key": "appeal-2"}, description="第二个诉求：路灯不亮")
        replay = file_request(client, headers={"Idempotency-Key": "appeal-1"})
        new = file_request(client, headers={"Idempotency-Key": "appeal-3"}, description="第三个诉求：井盖丢了")
        unkeyed = file_request(client)
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert (new.status_code, unkeyed.status_code) == (429, 429)


def test_the_assistant_relaying_residents_is_counted_per_resident(sqlite_url: str, fresh_redis: str) -> None:
    """All residents reach us from the action server's address; each resident has the address allowance."""
    with TestClient(make_app(sqlite_url, fresh_redis, address_rate_per_minute=3)) as client:
        residents = [file_request(client, channel="wechat", channel_user_id=f"o-{n}").status_code for n in range(10)]
        one = [file_request(client, channel="wechat", channel_user_id="o-flood",
                            description=f"路灯坏了，第{n}次").status_code for n in range(5)]
    assert residents == [201] * 10
    assert one == [201, 201, 201, 429, 429]


def test_other_keys_have_their_own_lower_limit_and_cannot_name_residents(sqlite_url: str, fresh_redis: str) -> None:
    app = make_app(sqlite_url, fresh_redis, api_keys=frozenset({DEV_API_KEY, PARTNER_KEY}),
                   assistant_api_keys=frozenset({DEV_API_KEY}), other_key_rate_per_minute=4,
                   address_rate_per_minute=3, key_rate_per_minute=1000, trusted_proxies=("10.0.0.1",))
    with TestClient(app, client=("10.0.0.1", 40000)) as client:
        def partner(address: str, **fields: str) -> int:
            return file_request(client, headers={"X-Forwarded-For": address}, api_key=PARTNER_KEY,
                                **fields).status_code

        per_key = [partner(f"203.0.113.{n}") for n in range(6)]
        posing = [partner("198.51.100.7", channel="wechat", channel_user_id=f"o-{n}") for n in range(2)]
        assistant = [file_request(client, headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code for n in range(6)]
    assert per_key == [201] * 4 + [429] * 2
    assert posing == [429, 429]  # the partner key is spent, whoever it says it files for
    assert assistant == [201] * 6


def test_over_the_per_key_limit_from_many_addresses(sqlite_url: str, fresh_redis: str) -> None:
    app = make_app(sqlite_url, fresh_redis, key_rate_per_minute=5, trusted_proxies=("10.0.0.0/8",))
    with TestClient(app, client=("10.1.2.3", 40000)) as client:
        statuses = [file_request(client, headers={"X-Forwarded-For": f"198.51.100.{n}, 10.9.9.9"}).status_code
                    for n in range(7)]
    assert statuses == [201] * 5 + [429] * 2


def test_forwarded_for_from_an_untrusted_peer_is_ignored(sqlite_url: str, fresh_redis: str) -> None:
    with TestClient(make_app(sqlite_url, fresh_redis, address_rate_per_minute=2), client=("192.0.2.9", 1)) as client:
        statuses = [file_request(client, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                    for n in range(3)]
    assert statuses == [201, 201, 429]


def test_without_redis_the_limit_holds_in_process_and_warns_once(
        sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hotline.rate_limits")
    with TestClient(make_app(sqlite_url, UNREACHABLE, address_rate_per_minute=5)) as client:
        statuses = [file_request(client).status_code for _ in range(8)]
    assert statuses == [201] * 5 + [429] * 3
    warnings = [r for r in caplog.records if r.name == "hotline.rate_limits"]
    assert len(warnings) == 1 and "Redis unreachable" in warnings[0].getMessage()


@pytest.fixture
def own_redis() -> Iterator[RedisProcess]:
    process = RedisProcess()
    process.start()
    try:
        yield process
    finally:
        process.close()


def test_redis_going_away_and_coming_back(sqlite_url: str, own_redis: RedisProcess,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hotline.rate_limits.RETRY_REDIS_SECONDS", 0.0)
    app = make_app(sqlite_url, own_redis.url, address_rate_per_minute=3)
    limiter: Limiter = app.state.filing_limits.limiter
    with TestClient(app) as client:
        shared = [file_request(client).status_code for _ in range(2)]
        own_redis.stop()
        down = [file_request(client).status_code for _ in range(4)]  # the process starts its own count
        assert limiter.shared_down
        own_redis.start()  # an empty Redis: its buckets start full again
        back = [file_request(client).status_code for _ in range(4)]
    assert shared == [201, 201]
    assert down == [201, 201, 201, 429]
    assert back == [201, 201, 201, 429] and not limiter.shared_down


# The pieces, with a clock of our own.

@pytest.mark.parametrize("per_minute", [1, 7, 30, 600])
def test_local_and_redis_buckets_agree_on_the_burst(per_minute: int, fresh_redis: str) -> None:
    local, shared = LocalBuckets(Clock()), RedisBuckets(redis.Redis.from_url(fresh_redis))
    interval_ms = math.ceil(60_000 / per_minute)
    for buckets in (local, shared):
        started = time.monotonic()
        waits = [buckets.wait_ms(f"hotline:rate:test:{per_minute}", per_minute) for _ in range(per_minute + 1)]
        elapsed_ms = (time.monotonic() - started) * 1000
        assert waits[:-1] == [0] * per_minute
        # Redis counts on its own clock: on a busy machine 601 round trips can outlast one interval (100 ms at
        # 600/min), and then a request has honestly refilled.
        refilled = buckets is shared and elapsed_ms >= interval_ms
        assert 0 < waits[-1] <= interval_ms or (refilled and waits[-1] == 0)  # whole milliseconds, rounded up


def test_a_bucket_refills_one_request_per_interval() -> None:
    clock = Clock()
    buckets = LocalBuckets(clock)
    assert [buckets.wait_ms("b", 30) for _ in range(31)][-1] == pytest.approx(2000)
    clock.now += 1.0
    assert buckets.wait_ms("b", 30) == pytest.approx(1000)
    clock.now += 1.0
    assert buckets.wait_ms("b", 30) == 0
    assert buckets.wait_ms("b", 30) == pytest.approx(2000)
    clock.now += 60.0  # idle: full again
    assert [buckets.wait_ms("b", 30) for _ in range(30)] == [0] * 30


def test_the_local_buckets_stay_bounded_under_a_flood_of_addresses() -> None:
    buckets = LocalBuckets(Clock(), max_buckets=100)
    for n in range(1000):
        assert buckets.wait_ms(f"address-{n}", 30) == 0
    assert len(buckets._tats) <= 100


def test_refused_requests_do_not_push_the_wait_further() -> None:
    clock = Clock()
    limits = FilingLimits(FilingPolicy(per_client=2, per_assistant_key=100, per_other_key=10,
                                       assistant_keys=frozenset({"k"}), trusted_proxies=()),
                          Limiter(None, LocalBuckets(clock)))
    waits = [limits.retry_after(address="192.0.2.1", api_key="k", resident=None) for _ in range(10)]
    assert waits == [None, None] + [30] * 8
    clock.now += 30
    assert limits.retry_after(address="192.0.2.1", api_key="k", resident=None) is None


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("192.0.2.1", ["198.51.100.1"], "", "192.0.2.1"),  # no trusted proxies: the header is ignored
    ("10.0.0.1", ["198.51.100.1"], "10.0.0.0/8", "198.51.100.1"),
    ("10.0.0.1", ["6.6.6.6, 198.51.100.1, 10.0.0.2"], "10.0.0.0/8", "198.51.100.1"),  # first untrusted hop
    ("10.0.0.1", ["6.6.6.6", "198.51.100.1"], "10.0.0.0/8", "198.51.100.1"),  # several headers are one list
    ("10.0.0.1", ["not-an-ip, 10.0.0.2"], "10.0.0.0/8", "10.0.0.2"),  # garbage stops at the proxy before it
    ("10.0.0.1", ["10.0.0.3"], "10.0.0.0/8", "10.0.0.3"),  # only proxies: the farthest one
    ("10.0.0.1", [], "10.0.0.0/8", "10.0.0.1"),
    ("::ffff:192.0.2.5", [], "", "192.0.2.5"),
    ("2001:db8::1", ["198.51.100.1"], "2001:db8::/32", "198.51.100.1"),
    (None, [], "", "unknown"),
    ("testclient", ["198.51.100.1"], "10.0.0.0/8", "testclient"),
])
def test_client_address(peer: str | None, forwarded: list[str], trusted: str, expected: str) -> None:
    assert client_address(peer, forwarded, parse_networks(trusted.split(","))) == expected


def test_an_ipv6_client_counts_by_its_64() -> None:
    assert address_bucket("2001:db8:1:2:aaaa::1") == address_bucket("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_bucket("192.0.2.1") == "192.0.2.1"


def test_settings_from_the_environment() -> None:
    settings = load_settings({"HOTLINE_ADDRESS_RATE_PER_MINUTE": "10", "HOTLINE_KEY_RATE_PER_MINUTE": "9000",
                              "HOTLINE_OTHER_KEY_RATE_PER_MINUTE": "100", "HOTLINE_API_KEYS": "a,b",
                              "HOTLINE_ASSISTANT_API_KEYS": "a, c", "HOTLINE_TRUSTED_PROXIES": "10.0.0.0/8, ::1"})
    assert (settings.address_rate_per_minute, settings.key_rate_per_minute, settings.other_key_rate_per_minute) \
        == (10, 9000, 100)
    assert settings.assistant_keys == frozenset({"a"})  # c is not a key at all
    assert settings.trusted_proxies == ("10.0.0.0/8", "::1")
    defaults = load_settings({})
    assert (defaults.address_rate_per_minute, defaults.key_rate_per_minute, defaults.other_key_rate_per_minute,
            defaults.trusted_proxies) == (30, 6000, 600, ())
    assert defaults.assistant_keys == defaults.api_keys
