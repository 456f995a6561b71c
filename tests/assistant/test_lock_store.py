"""The per-conversation lock (assistant/lock_store.py) on a real redis-server, with two store instances
standing for two Rasa servers: no two turns of a conversation overlap, they run in arrival order, a
waiting turn starts within milliseconds of the release, a turn that runs longer than a lease keeps the
lock, and a server killed with the lock (a real process, SIGKILL) holds it only for one lease."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from assistant.lock_store import QueueLockStore
from tests.doubles.local_servers import redis_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def store_of(redis_url: str, lease_seconds: float = 5.0) -> LockStore:
    """As Rasa builds it from endpoints.yml (``type: assistant.lock_store.QueueLockStore``)."""
    host, port = redis_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    config = EndpointConfig(url=host, type="assistant.lock_store.QueueLockStore", port=port, db=0,
                            key_prefix="assistant", lease_seconds=lease_seconds)
    return LockStore.create(config)


def test_rasa_builds_the_store_from_its_endpoint_config(redis_url: str) -> None:
    assert isinstance(store_of(redis_url), QueueLockStore)


def test_turns_of_one_conversation_on_two_servers_never_overlap_and_keep_their_order(redis_url: str) -> None:
    servers = [store_of(redis_url), store_of(redis_url)]
    inside: list[int] = []
    order: list[int] = []
    overlaps = 0

    async def turn(number: int) -> None:
        nonlocal overlaps
        async with servers[number % 2].lock("rest:dev:pair"):
            inside.append(number)
            overlaps += len(inside) > 1
            order.append(number)
            await asyncio.sleep(0.05 if number == 0 else 0.003)  # the others queue up behind the first
            inside.remove(number)

    async def main() -> None:
        tasks = []
        for number in range(40):  # messages arriving 20 ms apart, alternating between the servers
            tasks.append(asyncio.create_task(turn(number)))
            await asyncio.sleep(0.02)
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert overlaps == 0
    assert order == list(range(40))


def test_simultaneous_pairs_in_many_conversations_lose_no_update(redis_url: str) -> None:
    servers = [store_of(redis_url), store_of(redis_url)]
    client = redis.Redis.from_url(redis_url, decode_responses=True)

    async def turn(conversation: int, server: int) -> None:
        async with servers[server].lock(f"rest:dev:c{conversation}"):
            key = f"counter:{conversation}"
            value = int(client.get(key) or 0)  # read, pause, write: lost updates show without a lock
            await asyncio.sleep(0.002)
            client.set(key, value + 1)

    async def main() -> None:
        await asyncio.gather(*(turn(c, s) for c in range(50) for s in (0, 1) for _ in range(2)))

    try:
        asyncio.run(main())
        assert [int(client.get(f"counter:{c}") or 0) for c in range(50)] == [4] * 50
        assert client.keys("assistant:lock:*") == []  # nothing left behind
    finally:
        client.close()


def test_a_waiting_turn_starts_within_milliseconds_of_the_release(redis_url: str) -> None:
    store = store_of(redis_url)
    waited: list[float] = []

    async def main() -> None:
        released = 0.0

        async def first() -> None:
            nonlocal released
            async with store.lock("rest:dev:quick"):
                await asyncio.sleep(0.2)
                released = time.perf_counter()

        async def second() -> None:
            await asyncio.sleep(0.01)
            async with store.lock("rest:dev:quick"):
                waited.append(time.perf_counter() - released)

        await asyncio.gather(first(), second())

    asyncio.run(main())
    assert waited[0] < 0.1  # Rasa's own store sleeps a whole second between looks


def test_a_lock_whose_holder_died_is_free_after_its_lifetime(redis_url: str) -> None:
    store = store_of(redis_url)

    async def main() -> float:
        holder = store.lock("rest:dev:dead", lock_lifetime=0.3)
        await holder.__aenter__()  # a server killed while holding: never released
        started = time.perf_counter()
        async with store.lock("rest:dev:dead"):
            return time.perf_counter() - started

    assert 0.2 < asyncio.run(main()) < 1.5


def test_a_turn_whose_own_ticket_expired_gets_rasas_lock_error(redis_url: str) -> None:
    store = store_of(redis_url)

    async def main() -> None:
        holder = store.lock("rest:dev:stuck", lock_lifetime=5)
        await holder.__aenter__()
        async with store.lock("rest:dev:stuck", lock_lifetime=0.2):
            pass

    with pytest.raises(LockError):
        asyncio.run(main())


def test_a_turn_longer_than_its_lease_keeps_the_lock(redis_url: str) -> None:
    store = store_of(redis_url, lease_seconds=0.3)
    events: list[str] = []

    async def main() -> None:
        async def long_turn() -> None:
            async with store.lock("rest:dev:long"):
                events.append("first in")
                await asyncio.sleep(1.2)  # four leases: renewed, not dropped
                events.append("first out")

        async def next_turn() -> None:
            await asyncio.sleep(0.05)
            async with store.lock("rest:dev:long"):
                events.append("second in")

        await asyncio.gather(long_turn(), next_turn())

    asyncio.run(main())
    assert events == ["first in", "first out", "second in"]


HOLDER = """
import asyncio, sys
from tests.assistant.test_lock_store import store_of

async def main():
    store = store_of(sys.argv[1], lease_seconds=float(sys.argv[2]))
    holder = store.lock("rest:dev:killed", lock_lifetime=60)
    await holder.__aenter__()
    print("holding", flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def test_a_server_killed_with_the_lock_frees_it_within_one_lease_not_its_lifetime(redis_url: str) -> None:
    lease = 1.0
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, redis_url, str(lease)], stdout=subprocess.PIPE,
                              cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"holding"
        time.sleep(2 * lease)  # alive: it renews, so the lock stays taken past its first lease
        client = redis.Redis.from_url(redis_url)
        assert client.llen("assistant:lock:rest:dev:killed") == 1
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        killed = time.perf_counter()

        async def next_turn() -> float:
            async with store_of(redis_url, lease_seconds=lease).lock("rest:dev:killed"):
                return time.perf_counter() - killed

        assert asyncio.run(next_turn()) < lease + 0.5  # Rasa's lifetime would be 60 s
    finally:
        holder.kill()
