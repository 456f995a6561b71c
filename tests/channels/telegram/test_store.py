"""Accepted updates, the queue, buttons and blocked chats, in memory and in a real Redis."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest

from channels.kit.redis_access import StoreUnavailable
from channels.telegram.store import UPDATE_SECONDS, MemoryStore, RedisStore, TelegramStore
from tools.ports import free_port


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
def make_store(request: pytest.FixtureRequest) -> Callable[[], TelegramStore]:
    if request.param == "memory":
        store = MemoryStore()
        return lambda: store
    redis_url = request.getfixturevalue("redis_url")
    bot_id = str(uuid.uuid4().int % 10**9)
    return lambda: RedisStore(redis_url, bot_id=bot_id, reclaim_idle=0.2, block_seconds=0.2)


def run(make_store: Callable[[], TelegramStore], scenario: Callable[[TelegramStore], Awaitable[None]]) -> None:
    async def main() -> None:
        await scenario(make_store())
    asyncio.run(main())


def test_an_update_is_accepted_once_and_queued_once(make_store: Callable[[], TelegramStore]) -> None:
    async def scenario(store: TelegramStore) -> None:
        await store.prepare()
        results = await asyncio.gather(*(store.accept(1001, '{"update_id": 1001}') for _ in range(10)))
        assert sum(results) == 1
        assert await store.accept(1002, '{"update_id": 1002}')
        entries = await store.read("c1", 10, 0.2)
        assert [e.raw for e in entries] == ['{"update_id": 1001}', '{"update_id": 1002}']
        for entry in entries:
            await store.ack(entry.entry_id)
        assert await store.read("c1", 10, 0.1) == []
        assert not await store.accept(1001, '{"update_id": 1001}')  # still remembered after processing
    run(make_store, scenario)


def test_buttons_answer_once_and_unknown_keys_are_expired(make_store: Callable[[], TelegramStore]) -> None:
    async def scenario(store: TelegramStore) -> None:
        long = '/choose_category{"appeal_category": "road_excavation_unrestored"}'
        keyboard = await store.save_keyboard(["/affirm", long])
        assert len(keyboard) == 12
        assert await store.take_button(keyboard, 1) == ("ok", long)
        assert await store.take_button(keyboard, 0) == ("used", "")  # a second tap, or another button of it
        assert await store.take_button(keyboard, 5) == ("expired", "")
        assert await store.take_button("nokeyboard00", 0) == ("expired", "")
    run(make_store, scenario)


def test_blocked_chats(make_store: Callable[[], TelegramStore]) -> None:
    async def scenario(store: TelegramStore) -> None:
        assert not await store.is_blocked("42")
        await store.set_blocked("42", True)
        assert await store.is_blocked("42") and not await store.is_blocked("43")
        await store.set_blocked("42", False)
        assert not await store.is_blocked("42")
    run(make_store, scenario)


@pytest.mark.integration
def test_an_entry_a_crashed_worker_left_pending_is_reclaimed(redis_url: str) -> None:
    async def scenario() -> None:
        store = RedisStore(redis_url, bot_id=str(uuid.uuid4().int % 10**9), reclaim_idle=0.2, block_seconds=0.2)
        await store.prepare()
        await store.accept(7, '{"update_id": 7}')
        [taken] = await store.read("crashed-worker", 10, 0.2)  # read, never acked
        assert not taken.reclaimed
        assert await store.reclaim("next-worker", 10) == []  # not idle long enough yet
        await asyncio.sleep(0.3)
        [again] = await store.reclaim("next-worker", 10)
        assert (again.entry_id, again.raw, again.reclaimed) == (taken.entry_id, taken.raw, True)
        await store.ack(again.entry_id)
        await asyncio.sleep(0.3)
        assert await store.reclaim("next-worker", 10) == []
    asyncio.run(scenario())


@pytest.mark.integration
def test_dedupe_keys_live_at_least_a_day(redis_url: str) -> None:
    import redis
    bot_id = str(uuid.uuid4().int % 10**9)
    asyncio.run(RedisStore(redis_url, bot_id=bot_id).accept(5, "{}"))
    assert redis.Redis.from_url(redis_url).ttl(f"telegram:{bot_id}:update:5") > 24 * 3600
    assert UPDATE_SECONDS >= 24 * 3600


@pytest.mark.integration
def test_redis_down_is_store_unavailable() -> None:
    async def scenario() -> None:
        store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", bot_id="1", timeout=0.5)
        with pytest.raises(StoreUnavailable):
            await store.accept(1, "{}")
        with pytest.raises(StoreUnavailable):
            await store.prepare()
        with pytest.raises(StoreUnavailable):
            await store.save_keyboard(["/affirm"])
    asyncio.run(scenario())
