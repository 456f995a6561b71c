"""Telegram's pace: 1 message/second per chat, 25/second overall, RetryAfter honoured, Forbidden recorded.

The limiter runs on an injected clock; the sender against the fake Bot API server with PTB's real Bot.
"""

import asyncio
from collections.abc import Iterator

import pytest
from telegram import Bot

from channels.telegram.output import Delivery, Outgoing, TelegramOutput
from channels.telegram.sender import RateLimiter, Sender
from channels.telegram.store import MemoryStore
from tests.doubles.fake_telegram import BOT_TOKEN, FORBIDDEN, SEND, FakeTelegram, retry_after


class Clock:
    """Time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_in_one_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + 1.0 - 1e-9) for start in ordered)


def test_one_chat_gets_one_message_a_second_under_a_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    starts = [clock.now + limiter.reserve("42") for _ in range(10)]  # ten at once
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert starts[0] == pytest.approx(1000.0) and all(g >= 1.0 - 1e-9 for g in gaps)
    assert starts[-1] - starts[0] == pytest.approx(9.0)


def test_overall_at_most_25_a_second_and_no_slot_wasted() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    starts = [clock.now + limiter.reserve(f"chat-{n}") for n in range(100)]  # 100 chats at once
    assert most_in_one_second(starts) == 25
    assert max(starts) - min(starts) == pytest.approx(99 / 25)


def test_a_waiting_chat_holds_nobody_else_up() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    limiter.reserve("busy")
    assert limiter.reserve("busy") == pytest.approx(1.0)
    assert limiter.reserve("other") < 0.1


def test_concurrent_senders_keep_both_limits() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    sent: list[tuple[str, float]] = []

    async def send(chat: str) -> None:
        await limiter.wait(chat)
        sent.append((chat, clock.now))

    async def burst() -> None:
        await asyncio.gather(*(send(f"chat-{n % 10}") for n in range(60)))
    asyncio.run(burst())
    for chat in {c for c, _ in sent}:
        times = sorted(t for c, t in sent if c == chat)
        assert all(b - a >= 1.0 - 1e-9 for a, b in zip(times, times[1:], strict=False))
    assert most_in_one_second([t for _, t in sent]) <= 25


def test_a_pause_after_429_delays_every_send() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    limiter.pause(3.0)
    assert limiter.reserve("a") == pytest.approx(3.0) and limiter.reserve("b") >= 3.0


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram().running() as running:
        yield running


def bot_for(fake: FakeTelegram) -> Bot:
    return Bot(BOT_TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")


def test_retry_after_from_telegram_is_honoured(fake: FakeTelegram) -> None:
    fake.fail(SEND, retry_after(1))
    store = MemoryStore()
    sender = Sender(RateLimiter(), store)

    async def scenario() -> bool:
        bot = bot_for(fake)
        async with bot:
            return await Delivery(bot, sender, store).deliver("42", Outgoing("您好"))
    assert asyncio.run(scenario())
    first, second = fake.calls_to(SEND, 42)
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0  # waited what Telegram said
    assert sender.counts["retry_after"] == 1 and fake.texts_to(42) == ["您好"]


def test_forbidden_is_recorded_and_never_retried(fake: FakeTelegram) -> None:
    fake.fail(SEND, FORBIDDEN)
    store = MemoryStore()
    sender = Sender(RateLimiter(), store)

    async def scenario() -> None:
        bot = bot_for(fake)
        async with bot:
            delivery = Delivery(bot, sender, store)
            await delivery.deliver_all("43", [Outgoing("第一条"), Outgoing("第二条")])
            await TelegramOutput(delivery).send_text_message("43", "proactive: skipped")
    asyncio.run(scenario())
    assert len(fake.calls_to(SEND, 43)) == 1  # tried once, never again, nothing more to a blocked chat
    assert asyncio.run(store.is_blocked("43")) and sender.counts["forbidden"] == 1 and store.forbidden_count == 1


def test_a_burst_to_one_chat_reaches_telegram_a_second_apart(fake: FakeTelegram) -> None:
    store = MemoryStore()

    async def scenario() -> None:
        bot = bot_for(fake)
        async with bot:
            delivery = Delivery(bot, Sender(RateLimiter(), store), store)
            await asyncio.gather(*(delivery.deliver("44", Outgoing(f"第{n}条")) for n in range(4)),
                                 delivery.deliver("45", Outgoing("别人的")))
    asyncio.run(scenario())
    times = [c.at for c in fake.calls_to(SEND, 44)]
    assert len(times) == 4 and all(b - a >= 0.95 for a, b in zip(times, times[1:], strict=False))
    assert fake.calls_to(SEND, 45)[0].at - times[0] < 0.5  # the other chat did not wait


def test_texts_go_plain_so_nothing_needs_escaping(fake: FakeTelegram) -> None:
    store = MemoryStore()
    tricky = "<b>不是粗体</b> *not bold* _x_ [link](http://evil.example) & 1 < 2 `code`"

    async def scenario() -> None:
        bot = bot_for(fake)
        async with bot:
            await Delivery(bot, Sender(RateLimiter(), store), store).deliver("46", Outgoing(tricky))
    asyncio.run(scenario())
    [call] = fake.calls_to(SEND, 46)
    assert call.params["text"] == tricky and "parse_mode" not in call.params and "entities" not in call.params
