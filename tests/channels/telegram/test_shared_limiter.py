"""Telegram's limits across servers: two limiters (separate clients, separate event loops, as two Rasa
servers have) book send times in one real redis-server; Redis stopped mid-run falls back to in-process.

The limits are checked exactly on the booked times: Redis's clock in whole milliseconds, so the only
rounding is Redis's microseconds cut to milliseconds, which can only make a wait longer. The moments
the sends really went are checked against their bookings: never early, and late only by the reply's
trip and the event loop (1-25 ms on an idle 2-core machine here, up to 0.18 s with both cores busy
with other work), which is also all that can bring two sends of a chat closer than their bookings.
"""

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis
from telegram import Bot

from channels.telegram import shared_limiter
from channels.telegram.connector import build_limiter
from channels.telegram.output import Delivery, Outgoing
from channels.telegram.sender import RateLimiter, Sender
from channels.telegram.settings import TelegramSettings
from channels.telegram.shared_limiter import Booking, SharedRateLimiter
from channels.telegram.store import MemoryStore
from tests.doubles.fake_telegram import BOT_TOKEN, SEND, FakeTelegram, retry_after
from tests.doubles.local_servers import RedisProcess
from tools.ports import free_port

pytestmark = pytest.mark.integration  # a real redis-server
MIN_GAP = 1.0 - 1e-9  # booked times are whole milliseconds: a chat's gap is exactly 1.000 s or more
MAX_LATE = 0.3  # how late a send may leave after its booking on a busy test machine (module doc)
SLOT_MS = 40


@dataclass(frozen=True)
class Sent:
    chat: str
    booking: Booking
    at: float  # time.time() when the send would go out


def most_in_one_second(times: list[float], window: float = 1.0 - 1e-9) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + window) for start in ordered)


def gaps_per_chat(sent: list[Sent], when: str) -> list[float]:
    gaps = []
    for chat in {s.chat for s in sent}:
        times = sorted(s.booking.start if when == "booked" else s.at for s in sent if s.chat == chat)
        gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
    return gaps


async def send_all(limiter: SharedRateLimiter, chats: list[str], *, book_in_order: bool = False) -> list[Sent]:
    """Every chat's send at once, each waiting for its booking as ``Sender`` does; ``book_in_order``: the
    bookings one after the other in the list's order (else all at once, reaching Redis in any order)."""
    async def go(chat: str, booking: Booking, booked_at: float) -> Sent:
        await limiter.sleep(max(0.0, booking.wait - (time.monotonic() - booked_at)))
        return Sent(chat, booking, time.time())

    async def book(chat: str) -> tuple[str, Booking, float]:
        return chat, await limiter.book(chat), time.monotonic()

    async def one(chat: str) -> Sent:
        return await go(*await book(chat))
    if book_in_order:
        bookings = [await book(chat) for chat in chats]
        return list(await asyncio.gather(*(go(*booked) for booked in bookings)))
    return list(await asyncio.gather(*(one(chat) for chat in chats)))


def two_servers(redis_url: str, bot_id: str, chats: tuple[list[str], list[str]], *,
                book_in_order: bool = False) -> list[Sent]:
    """Two servers (own client, own event loop, own thread) send their chats at the same moment."""
    barrier = threading.Barrier(2)
    results: list[list[Sent]] = [[], []]

    def server(number: int) -> None:
        limiter = SharedRateLimiter(redis_url, bot_id=bot_id)
        barrier.wait()
        results[number] = asyncio.run(send_all(limiter, chats[number], book_in_order=book_in_order))

    threads = [threading.Thread(target=server, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results[0] + results[1]


def check_schedule(sent: list[Sent]) -> None:
    """Both limits on the booked times (Redis's clock, exact) and on the moments the sends went."""
    booked = [s.booking.start for s in sent]
    assert all(s.booking.shared for s in sent)
    assert most_in_one_second(booked) <= 25  # both servers together
    assert len({round(t * 1000) for t in booked}) == len(sent)  # distinct 40 ms slots
    assert min(gaps_per_chat(sent, "booked"), default=1.0) >= MIN_GAP
    lateness = [s.at - s.booking.start for s in sent]
    assert min(lateness) >= -0.001 and max(lateness) < MAX_LATE  # one machine: Redis's clock is ours


def first_slot_at(when: float) -> int:
    """The first 40 ms slot starting at or after ``when`` (whole milliseconds)."""
    return -(-round(when * 1000) // SLOT_MS)


def wasted_slots(sent: list[Sent]) -> list[int]:
    """Slots nobody took although a send (each to its own chat) had asked before them and was booked later."""
    taken = {first_slot_at(s.booking.start) for s in sent}
    asked = [(first_slot_at(s.booking.start - s.booking.wait), first_slot_at(s.booking.start)) for s in sent]
    return [slot for slot in range(min(taken), max(taken)) if slot not in taken
            and any(first <= slot < booked for first, booked in asked)]


def booking_spread(sent: list[Sent]) -> float:
    """Seconds between the first and the last booking reaching Redis."""
    asked = [s.booking.start - s.booking.wait for s in sent]
    return max(asked) - min(asked)


def test_two_servers_together_send_25_a_second_no_more_and_no_less(redis_url: str) -> None:
    """150 chats, 75 per server, every booking at once: 5.96 s, the minimum at 25/s (not 12 at 12.5/s)."""
    chats = [f"chat-{n}" for n in range(150)]
    sent = two_servers(redis_url, f"b{uuid.uuid4().hex[:8]}", (chats[0::2], chats[1::2]))
    check_schedule(sent)
    booked = [s.booking.start for s in sent]
    assert most_in_one_second(booked) == 25
    assert wasted_slots(sent) == []  # no 40 ms went unused while a send waited
    assert max(booked) - min(booked) <= 149 / 25 + booking_spread(sent) + 0.001  # 5.96 s once all have asked


def test_busy_chats_get_a_second_apart_while_others_fill_the_slots(redis_url: str) -> None:
    """150 sends: ten busy chats with six messages each, split between the servers, and 90 chats with one.
    Booked busiest first, they take the minimum too: every chat's sixth message at +5 s, all by 5.96 s."""
    busy = [f"busy-{n}" for n in range(10) for _ in range(6)]
    mixed = busy + [f"single-{n}" for n in range(90)]
    sent = two_servers(redis_url, f"b{uuid.uuid4().hex[:8]}", (mixed[0::2], mixed[1::2]), book_in_order=True)
    check_schedule(sent)
    booked = [s.booking.start for s in sent]
    assert max(booked) - min(booked) <= 149 / 25 + booking_spread(sent) + 0.041  # a slot of rounding


def test_a_chat_served_by_two_servers_gets_one_message_a_second(redis_url: str) -> None:
    sent = two_servers(redis_url, f"b{uuid.uuid4().hex[:8]}", (["42"] * 3, ["42"] * 3))
    starts = sorted(s.booking.start for s in sent)
    assert all(b - a == pytest.approx(1.0, abs=0.041) for a, b in zip(starts, starts[1:], strict=False))


def test_a_429_on_one_server_pauses_the_other(redis_url: str) -> None:
    bot_id = f"b{uuid.uuid4().hex[:8]}"
    first, second = (SharedRateLimiter(redis_url, bot_id=bot_id) for _ in range(2))

    async def scenario() -> tuple[Booking, Booking]:
        await first.book("a")
        first.pause(1.5)  # Telegram answered 429 with retry_after 1.5 s
        retry = await first.book("a")  # the retry's booking publishes the pause
        return retry, await second.book("b")
    retry, other = asyncio.run(scenario())
    assert retry.wait >= 1.5 and other.wait >= 1.45 and other.shared


def test_every_key_expires(redis_url: str) -> None:
    bot_id = f"b{uuid.uuid4().hex[:8]}"
    limiter = SharedRateLimiter(redis_url, bot_id=bot_id)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    pattern = f"{{telegram:{bot_id}:pace}}*"
    try:
        async def scenario() -> None:
            for chat in ("a", "b", "a"):
                await limiter.book(chat)
            limiter.pause(0.3)
            await limiter.book("c")
        asyncio.run(scenario())
        keys = list(client.scan_iter(pattern))
        assert len(keys) == 5  # slots, the pause, three chats
        assert all(0 < client.pttl(key) <= 2400 for key in keys)  # nothing without an expiry
        time.sleep(2.5)  # a chat's next free time, the last slot + 1 s: all passed
        assert list(client.scan_iter(pattern)) == []
    finally:
        client.close()


def test_redis_stopped_mid_run_falls_back_without_an_exception(monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(shared_limiter, "RETRY_REDIS_SECONDS", 0.5)
    server = RedisProcess()
    server.start()
    limiter = SharedRateLimiter(server.url, bot_id="outage")
    try:
        async def scenario() -> tuple[list[Sent], list[Sent], list[Sent]]:
            before = await send_all(limiter, [f"c{n}" for n in range(30)])
            await asyncio.to_thread(server.stop)
            during = await send_all(limiter, [f"c{n}" for n in range(30)] + ["c0"])
            await asyncio.to_thread(server.start)
            await asyncio.sleep(0.6)
            return before, during, await send_all(limiter, ["c1", "c2"])
        with caplog.at_level(logging.WARNING, logger="channels.telegram.shared_limiter"):
            before, during, after = asyncio.run(scenario())
    finally:
        server.close()
    assert all(s.booking.shared for s in before) and all(s.booking.shared for s in after)
    assert not any(s.booking.shared for s in during)  # spaced in this process instead
    # In-process bookings are on the monotonic clock, told here as time.time() + wait: 2 ms for the two reads.
    assert most_in_one_second([s.booking.start for s in during], window=1.0 - 0.002) <= 25
    assert min(gaps_per_chat(during, "booked")) >= MIN_GAP - 0.002  # c0 twice, a second apart
    warnings = [r for r in caplog.records if "kept in this process" in r.getMessage()]
    assert len(warnings) == 1


def test_without_redis_at_all_sends_are_spaced_in_this_process() -> None:
    limiter = SharedRateLimiter(f"redis://127.0.0.1:{free_port()}/0", bot_id="none")
    sent = asyncio.run(send_all(limiter, ["x", "x", "y"]))
    assert not any(s.booking.shared for s in sent)
    assert sorted(s.booking.wait for s in sent if s.chat == "x")[1] == pytest.approx(1.0, abs=0.05)


def test_the_connector_shares_the_limits_when_redis_is_set(redis_url: str) -> None:
    assert isinstance(build_limiter(TelegramSettings(bot_token=BOT_TOKEN, redis_url=redis_url)), SharedRateLimiter)
    assert isinstance(build_limiter(TelegramSettings(bot_token=BOT_TOKEN)), RateLimiter)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram().running() as running:
        yield running


def test_two_senders_through_telegram_keep_a_chat_a_second_apart_and_share_a_429(fake: FakeTelegram,
                                                                                redis_url: str) -> None:
    """Real PTB bots and senders, one per server, against the fake Bot API."""
    bot_id = f"b{uuid.uuid4().hex[:8]}"
    fake.fail(SEND, retry_after(1))
    store = MemoryStore()

    async def server(messages: list[tuple[str, str]], delay: float) -> None:
        await asyncio.sleep(delay)
        bot = Bot(BOT_TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
        async with bot:
            delivery = Delivery(bot, Sender(SharedRateLimiter(redis_url, bot_id=bot_id), store), store)
            for chat, text in messages:
                assert await delivery.deliver(chat, Outgoing(text))

    async def scenario() -> None:
        await asyncio.gather(server([("50", "一"), ("50", "二")], 0.0), server([("50", "三"), ("51", "别人的")], 0.3))
    asyncio.run(scenario())
    refused, *delivered = fake.calls_to(SEND)
    assert refused.status == 429 and all(call.status == 200 for call in delivered)
    # Arrival at the fake server: HTTP and thread scheduling add up to ~0.1 s on a busy 2-core machine.
    assert all(call.at - refused.at >= 0.9 for call in delivered)  # the pause held on both servers
    to_50 = [call.at for call in delivered if str(call.params["chat_id"]) == "50"]
    assert len(to_50) == 3 and all(b - a >= 0.9 for a, b in zip(to_50, to_50[1:], strict=False))
