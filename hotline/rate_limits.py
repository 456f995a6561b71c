"""Rate limits on filing (Open311 ``POST requests``): per client and per API key, shared through Redis.

Each limit is a token bucket kept as one number per key, the generic cell rate algorithm (GCRA):
``per_minute`` requests at once from idle, then one every ``60 / per_minute`` seconds. The bucket
lives in Redis (one atomic Lua script per bucket, one key per script: Redis Cluster safe), so every
backend machine shares it. When Redis cannot be reached the same buckets are kept in this process
(a warning is logged once per outage; Redis is tried again after ``RETRY_REDIS_SECONDS``): the
limit then holds per machine instead of across them, but it never fails open and never fails the
request.

Who is counted:

- the client: the socket peer, or the first untrusted hop of ``X-Forwarded-For`` when the peer is
  one of ``HOTLINE_TRUSTED_PROXIES`` (an IPv6 client counts by its /64). The assistant relays many
  residents from one address, so a request with one of the assistant's keys that names the
  resident (``channel`` + ``channel_user_id``) is counted per resident instead;
- the API key: the assistant's keys have their own, higher limit.

Refused requests take nothing from a bucket (the wait does not grow while a client keeps trying),
but requests with an unknown API key do count against their address (guessing keys is a flood too).
An idempotent replay is never refused more than a new request: it is counted like one, and when
over the limit a replay of a request already filed is still answered with its ticket, since it
files nothing (``hotline.open311.routes.create_request``; the appeal outbox worker relies on it).

Redis keys hold a SHA-256 of the client or key, never the address or the key itself.
"""

import hashlib
import hmac
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import redis
from starlette.requests import Request

log = logging.getLogger(__name__)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
RETRY_REDIS_SECONDS = 30.0
MAX_LOCAL_BUCKETS = 100_000
PREFIX = "hotline:rate:"

# KEYS[1] the bucket; ARGV[1] milliseconds per request; ARGV[2] the burst (requests at once).
# Returns 0 when the request is let through, else the milliseconds until it would be.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat + interval - interval * tonumber(ARGV[2]) - now
if wait > 0 then return math.ceil(wait) end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now))
return 0
"""


def _interval_ms(per_minute: int) -> float:
    return 60_000 / per_minute


class LocalBuckets:
    """The same buckets in this process: the fallback when Redis is down (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_buckets: int = MAX_LOCAL_BUCKETS) -> None:
        self.clock = clock
        self.max_buckets = max_buckets
        self._tats: dict[str, float] = {}  # bucket -> theoretical arrival time, milliseconds
        self._lock = threading.Lock()

    def wait_ms(self, bucket: str, per_minute: int) -> float:
        interval = _interval_ms(per_minute)
        with self._lock:
            now = self.clock() * 1000
            tat = max(self._tats.get(bucket, now), now)
            wait = tat + interval - interval * per_minute - now
            if wait > 0:
                return wait
            if len(self._tats) >= self.max_buckets:
                self._forget_idle(now)
            self._tats[bucket] = tat + interval
            return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop full buckets; if every bucket is in use, drop the oldest half (a flood of addresses)."""
        self._tats = {k: v for k, v in self._tats.items() if v > now}
        if len(self._tats) >= self.max_buckets:
            keep = sorted(self._tats.items(), key=lambda kv: kv[1])[len(self._tats) // 2:]
            self._tats = dict(keep)


class RedisBuckets:
    """Buckets in Redis, checked and taken by one Lua script call (atomic)."""

    def __init__(self, client: redis.Redis) -> None:
        self.script = client.register_script(_GCRA)

    def wait_ms(self, bucket: str, per_minute: int) -> float:
        return float(self.script(keys=[bucket], args=[_interval_ms(per_minute), per_minute]))


class Limiter:
    """Redis buckets with the in-process fallback.

    Args:
        shared: the Redis buckets, or None to keep every bucket in this process.
        local: the fallback.
        clock: monotonic seconds, for the Redis retry.
    """

    def __init__(self, shared: RedisBuckets | None, local: LocalBuckets,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.shared = shared
        self.local = local
        self.clock = clock
        self._redis_down_until: float | None = None

    @property
    def shared_down(self) -> bool:
        return self._redis_down_until is not None

    def wait_ms(self, bucket: str, per_minute: int) -> float:
        """Take one request from ``bucket``; 0 when let through, else milliseconds to wait."""
        if self.shared is not None and (self._redis_down_until is None or self.clock() >= self._redis_down_until):
            try:
                wait = self.shared.wait_ms(bucket, per_minute)
            except redis.RedisError as exc:
                if self._redis_down_until is None:
                    log.warning("rate limits: Redis unreachable (%s); limiting per process until it is back", exc)
                self._redis_down_until = self.clock() + RETRY_REDIS_SECONDS
            else:
                if self._redis_down_until is not None:
                    log.info("rate limits: Redis is back; limits are shared again")
                    self._redis_down_until = None
                return wait
        return self.local.wait_ms(bucket, per_minute)


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``HOTLINE_TRUSTED_PROXIES``: addresses or CIDR networks.

    Raises:
        ValueError: an entry is neither.
    """
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: tuple[Network, ...]) -> str:
    """Who sent the request: the peer, or, behind trusted proxies, the first untrusted hop.

    ``X-Forwarded-For`` is read from the right (the hop our proxy saw) leftwards past trusted
    proxies; a malformed hop stops the walk at the proxy that passed it on.
    """
    current = _ip(peer or "")
    if current is None:
        return peer or "unknown"
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    while any(current in network for network in trusted) and hops:
        previous = _ip(hops.pop())
        if previous is None:
            break
        current = previous
    return str(current)


def address_bucket(address: str) -> str:
    """An IPv6 client counts by its /64: one host usually has the whole /64 to pick from."""
    ip = _ip(address)
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return address


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True)
class FilingPolicy:
    """How many Open311 POSTs a minute (from ``Settings``)."""

    per_client: int
    per_assistant_key: int
    per_other_key: int
    assistant_keys: frozenset[str]
    trusted_proxies: tuple[Network, ...]


class FilingLimits:
    """Decides whether an Open311 POST may go on, and for how long a refused client must wait."""

    def __init__(self, policy: FilingPolicy, limiter: Limiter) -> None:
        self.policy = policy
        self.limiter = limiter

    def address(self, request: Request) -> str:
        peer = request.client.host if request.client else None
        return client_address(peer, request.headers.getlist("x-forwarded-for"), self.policy.trusted_proxies)

    def names_residents(self, api_key: str | None) -> bool:
        """Whether ``api_key`` is one of the assistant's, whose word on a request's resident is taken."""
        return api_key is not None and api_key in self.policy.assistant_keys

    def retry_after(self, *, address: str, api_key: str | None, resident: tuple[str, str] | None) -> int | None:
        """Take one request from the caller's buckets; None if it may go on, else whole seconds to wait.

        Args:
            address: the client address (``address()``).
            api_key: a valid API key, or None (an unknown key is not counted per key).
            resident: ``(channel, channel_user_id)`` as sent; counted instead of the address only
                when the key is one of the assistant's.
        """
        assistant = self.names_residents(api_key)
        client = _digest("resident", *resident) if assistant and resident else _digest("address",
                                                                                       address_bucket(address))
        buckets = [(f"{PREFIX}client:{client}", self.policy.per_client)]
        if api_key is not None:
            per_key = self.policy.per_assistant_key if assistant else self.policy.per_other_key
            buckets.append((f"{PREFIX}key:{_digest('key', api_key)}", per_key))
        for bucket, per_minute in buckets:
            wait = self.limiter.wait_ms(bucket, per_minute)
            if wait > 0:
                return max(1, math.ceil(wait / 1000))
        return None


def filing_limits(request: Request) -> FilingLimits:
    """The process's limits (built by ``hotline.app``)."""
    limits: FilingLimits = request.app.state.filing_limits
    return limits


def known_key(sent: object, keys: Iterable[str]) -> str | None:
    """``sent`` if it is one of ``keys`` (compared in constant time), else None."""
    if not isinstance(sent, str):
        return None
    raw = sent.encode("utf-8", "surrogatepass")
    return sent if any(hmac.compare_digest(raw, key.encode()) for key in keys) else None


def resident_of(fields: Mapping[str, object]) -> tuple[str, str] | None:
    """``(channel, channel_user_id)`` as sent in a POST body, before validation; None unless both are text."""
    channel, user = fields.get("channel"), fields.get("channel_user_id")
    return (channel, user) if isinstance(channel, str) and isinstance(user, str) and channel and user else None


def build_filing_limits(policy: FilingPolicy, redis_url: str | None) -> FilingLimits:
    """The limits with Redis buckets at ``redis_url`` (None: in-process only), built once per process."""
    shared = None
    if redis_url:
        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        shared = RedisBuckets(client)
    return FilingLimits(policy, Limiter(shared, LocalBuckets()))
