"""Dedupe records, button memory and the reply window, in memory and in a real Redis."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest

from channels.wechat.store import (
    EVENT_ALLOWANCE,
    WINDOW_SECONDS,
    Allowance,
    MemoryStore,
    RedisStore,
    StoreUnavailable,
    WeChatStore,
)
from tools.ports import free_port

MESSAGES = Allowance(5, WINDOW_SECONDS)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
def make_store(request: pytest.FixtureRequest) -> Callable[[], WeChatStore]:
    if request.param == "memory":
        store = MemoryStore()
        return lambda: store
    redis_url = request.getfixturevalue("redis_url")
    app_id = f"wx{uuid.uuid4().hex[:16]}"
    return lambda: RedisStore(redis_url, app_id=app_id)


def run(make_store: Callable[[], WeChatStore], scenario: Callable[[WeChatStore], Awaitable[None]]) -> None:
    async def main() -> None:
        await scenario(make_store())
    asyncio.run(main())


def test_first_claim_wins_and_the_turn_finishes_passively(make_store: Callable[[], WeChatStore]) -> None:
    async def scenario(store: WeChatStore) -> None:
        assert await store.claim("m1") is True
        assert await store.claim("m1") is False
        assert await store.state("m1") == "processing"
        assert await store.finish("m1", "答复") is True
        assert await store.settle("m1") == ("done", "答复")
        assert await store.settle("m1") == ("done", "答复")  # a retry gets the same passive reply
        assert await store.claim("m1") is False
    run(make_store, scenario)


def test_after_settle_the_turn_cannot_answer_passively(make_store: Callable[[], WeChatStore]) -> None:
    async def scenario(store: WeChatStore) -> None:
        assert await store.claim("m2")
        assert await store.settle("m2") == ("async", "")
        assert await store.finish("m2", "late") is False  # goes through the customer-service API instead
        assert await store.settle("m2") == ("async", "")
        assert await store.settle("never-claimed") == ("missing", "")
    run(make_store, scenario)


def test_concurrent_claims_have_one_winner(make_store: Callable[[], WeChatStore]) -> None:
    async def scenario(store: WeChatStore) -> None:
        results = await asyncio.gather(*(store.claim("m3") for _ in range(20)))
        assert sum(results) == 1
    run(make_store, scenario)


def test_buttons_are_remembered_per_resident(make_store: Callable[[], WeChatStore]) -> None:
    async def scenario(store: WeChatStore) -> None:
        await store.remember_buttons("o-1", ["/affirm", "/deny"])
        assert await store.button_payload("o-1", 2) == "/deny"
        assert await store.button_payload("o-1", 3) is None
        assert await store.button_payload("o-1", 0) is None
        assert await store.button_payload("o-2", 1) is None
        await store.remember_buttons("o-1", [])
        assert await store.button_payload("o-1", 1) is None
    run(make_store, scenario)


def test_a_message_opens_a_window_of_five_customer_service_messages(make_store: Callable[[], WeChatStore]) -> None:
    async def scenario(store: WeChatStore) -> None:
        assert await store.take_window_message("o-3") is False  # never wrote: no window
        await store.open_window("o-3", MESSAGES)
        assert [await store.take_window_message("o-3") for _ in range(6)] == [True] * 5 + [False]
        await store.open_window("o-3", MESSAGES)  # the resident wrote again: counted afresh
        assert await store.take_window_message("o-3") is True
        await store.close_window("o-3")  # WeChat said 45015/45047
        assert await store.take_window_message("o-3") is False
    run(make_store, scenario)


def test_an_event_never_cuts_a_longer_window_short(make_store: Callable[[], WeChatStore]) -> None:
    async def scenario(store: WeChatStore) -> None:
        await store.open_window("o-4", MESSAGES)
        await store.open_window("o-4", EVENT_ALLOWANCE)  # a menu click: 3 for a minute would be less
        assert [await store.take_window_message("o-4") for _ in range(6)] == [True] * 5 + [False]
        await store.open_window("o-4", EVENT_ALLOWANCE)  # none left: the click's own 3 apply
        assert [await store.take_window_message("o-4") for _ in range(4)] == [True] * 3 + [False]
    run(make_store, scenario)


def test_a_window_expires(make_store: Callable[[], WeChatStore]) -> None:
    async def scenario(store: WeChatStore) -> None:
        await store.open_window("o-5", Allowance(3, 1))
        assert await store.take_window_message("o-5") is True
        await asyncio.sleep(1.1)
        assert await store.take_window_message("o-5") is False
    run(make_store, scenario)


@pytest.mark.integration
def test_servers_share_the_count(redis_url: str) -> None:
    """Four servers (separate clients) take from one resident's window at once: five messages in all."""
    app_id = f"wx{uuid.uuid4().hex[:16]}"

    async def scenario() -> list[bool]:
        servers = [RedisStore(redis_url, app_id=app_id) for _ in range(4)]
        await servers[0].open_window("o-6", MESSAGES)
        return list(await asyncio.gather(*(server.take_window_message("o-6") for server in servers for _ in range(5))))
    assert sum(asyncio.run(scenario())) == 5


@pytest.mark.integration
def test_redis_down_is_store_unavailable_quickly() -> None:
    async def scenario() -> None:
        store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", app_id="wx1", timeout=0.5)
        with pytest.raises(StoreUnavailable):
            await store.claim("m")
    asyncio.run(scenario())
