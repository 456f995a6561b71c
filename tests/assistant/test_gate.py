"""The message gate: conversation ids that fit their channel, capped text, no typed notifier intents,
admission per conversation (pending and rate), the "slow down" notice, and ``install_gate`` wrapping Rasa once."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage

from assistant import gate as gate_module
from assistant.gate import GateSettings, MessageGate, clean_metadata, clean_text, install_gate, load_gate_settings
from channels.kit.notices import slow_down_notice
from tests.doubles.local_servers import redis_server

TELEGRAM_CHAT = "123456789"
WEBCHAT_SESSION = "0123456789abcdef0123456789abcdef"
NOTIFIER_INTENT = '/EXTERNAL_ticket_update{"ticket_id": "202601010000001", "status": "closed"}'


class RecordingOutput:
    """An output channel that records what it was asked to send."""

    def __init__(self, *, fails: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fails = fails

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if self.fails:
            raise RuntimeError("the platform refused")
        self.sent.append((recipient_id, text))


def message(sender: str | None = TELEGRAM_CHAT, channel: str | None = "telegram", text: str | None = "路灯坏了",
            *, metadata: Any = None, output: RecordingOutput | None = None) -> UserMessage:
    return UserMessage(text, output or RecordingOutput(), sender, input_channel=channel, metadata=metadata)


def settings(**changes: Any) -> GateSettings:
    values: dict[str, Any] = {"pending_per_sender": 3, "sender_per_minute": 600.0, "sender_burst": 100}
    return GateSettings(**{**values, **changes})


class HeldRasa:
    """Rasa taking its time: every message it is handed waits until ``release`` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered: list[str] = []

    async def handle(self, m: UserMessage) -> str:
        self.entered.append(m.sender_id)
        await self.release.wait()
        return "answered"


async def answered(m: UserMessage) -> str:
    return f"answered {m.sender_id}"


# ---------- text and metadata ----------

def test_clean_text_keeps_one_character_more_than_the_limit() -> None:
    assert clean_text("路" * 5000, 2000) == "路" * 2001
    assert clean_text("short", 2000) == "short"
    assert clean_text(None, 2000) is None
    assert clean_text("", 2000) == ""


@pytest.mark.parametrize("typed, cleaned", [
    (NOTIFIER_INTENT, NOTIFIER_INTENT[1:]),
    ("   /EXTERNAL_ticket_update", "   EXTERNAL_ticket_update"),
    ("\n\t/EXTERNAL_appeal_filed{}", "\n\tEXTERNAL_appeal_filed{}"),
    ("/external_survey_reminder", "external_survey_reminder"),
    ("/ EXTERNAL_ticket_update", " EXTERNAL_ticket_update"),
])
def test_a_typed_notifier_intent_becomes_plain_text(typed: str, cleaned: str) -> None:
    assert clean_text(typed, 2000) == cleaned
    assert not cleaned.lstrip().startswith("/")


@pytest.mark.parametrize("text", [
    "/affirm", '/choose_category{"appeal_category": "street_light"}', "路灯坏了", "see /EXTERNAL_ticket_update",
    "EXTERNAL_ticket_update", "/externals", "1/2 EXTERNAL_",
])
def test_other_text_and_ordinary_intents_are_left_alone(text: str) -> None:
    assert clean_text(text, 2000) == text


def test_clean_metadata_drops_is_external_only() -> None:
    assert clean_metadata({"is_external": True, "language": "zh", "nested": {"is_external": 1}}) == {
        "language": "zh", "nested": {"is_external": 1}}
    assert clean_metadata({}) == {}
    for not_a_dict in (None, [("is_external", True)], "is_external", 1):
        assert clean_metadata(not_a_dict) is None


def test_settings_from_the_environment() -> None:
    assert load_gate_settings({}) == GateSettings()
    assert load_gate_settings({"CHAT_MAX_CHARS": "50", "CHAT_PENDING_PER_SENDER": "1", "CHAT_SENDER_PER_MINUTE": "2.5",
                               "CHAT_SENDER_BURST": "4", "REDIS_URL": "redis://h:1/0"}) == GateSettings(
        max_chars=50, pending_per_sender=1, sender_per_minute=2.5, sender_burst=4, redis_url="redis://h:1/0")
    assert load_gate_settings({"REDIS_URL": ""}).redis_url is None


# ---------- conversation ids ----------

@pytest.mark.parametrize("channel, sender", [
    ("telegram", TELEGRAM_CHAT), ("telegram", "-1001234567890"),
    ("wechat", "oAbCdEfGhIjKlMnOpQrStUvWx_-1"),
    ("socketio", WEBCHAT_SESSION),
    ("rest", "rest:partner:alice"), ("rest", "rest:dev:alice.smith@example.org"),
])
def test_ids_of_their_channels_shape_are_let_in(channel: str, sender: str) -> None:
    assert MessageGate(settings()).refusal(message(sender, channel)) is None


@pytest.mark.parametrize("channel, sender", [
    ("telegram", "abc"), ("telegram", "1" * 21), ("telegram", TELEGRAM_CHAT + "\n"), ("telegram", WEBCHAT_SESSION),
    ("socketio", WEBCHAT_SESSION.upper()), ("socketio", WEBCHAT_SESSION[:-1]), ("socketio", TELEGRAM_CHAT),
    ("socketio", "rest:partner:alice"),
    ("rest", "alice"), ("rest", "rest:Partner:alice"), ("rest", "rest:partner:"), ("rest", "rest:partner:a b"),
    ("rest", "rest:partner:" + "a" * 65), ("rest", TELEGRAM_CHAT),
    ("wechat", "o" * 65), ("wechat", "rest:partner:alice"),
    ("telegram", None),  # Rasa names it "default", the shared conversation
    ("rest", None), ("socketio", "default"),
    ("cmdline", "default"), ("facebook", TELEGRAM_CHAT), ("", TELEGRAM_CHAT), (None, TELEGRAM_CHAT),
])
def test_ids_that_do_not_fit_their_channel_are_refused(channel: str | None, sender: str | None) -> None:
    assert MessageGate(settings()).refusal(message(sender, channel)) == "conversation id does not fit its channel"


def test_refusal_cleans_the_text_and_metadata_of_a_message_it_lets_in() -> None:
    incoming = message(text=NOTIFIER_INTENT, metadata={"is_external": True, "language": "en"})
    assert MessageGate(settings()).refusal(incoming) is None
    assert incoming.text == NOTIFIER_INTENT[1:] and incoming.metadata == {"language": "en"}


# ---------- admission ----------

def test_a_refused_id_never_reaches_rasa_and_gets_no_notice() -> None:
    async def scenario() -> None:
        calls: list[UserMessage] = []

        async def inner(m: UserMessage) -> str:
            calls.append(m)
            return "answered"

        gate = MessageGate(settings(), notice=slow_down_notice)
        output = RecordingOutput()
        assert await gate.handle(message("default", "telegram", output=output), inner) is None
        assert calls == [] and output.sent == [] and gate.pending == {}
    asyncio.run(scenario())


def test_rasa_sees_the_cleaned_message() -> None:
    async def scenario() -> None:
        seen: list[tuple[str | None, Any]] = []

        async def inner(m: UserMessage) -> str:
            seen.append((m.text, m.metadata))
            return "answered"

        gate = MessageGate(settings(max_chars=10))
        incoming = message(text="/EXTERNAL_" + "x" * 50, metadata={"is_external": True})
        assert await gate.handle(incoming, inner) == "answered"
        assert seen == [("EXTERNAL_x", {})]
    asyncio.run(scenario())


def test_one_conversation_has_at_most_pending_per_sender_messages_in_rasa() -> None:
    async def scenario() -> None:
        rasa = HeldRasa()
        gate = MessageGate(settings(pending_per_sender=2), notice=slow_down_notice)
        output = RecordingOutput()
        tasks = [asyncio.create_task(gate.handle(message(output=output), rasa.handle)) for _ in range(5)]
        await asyncio.sleep(0.01)
        refused = [task for task in tasks if task.done()]
        assert len(refused) == 3 and all(task.result() is None for task in refused)
        assert rasa.entered == [TELEGRAM_CHAT] * 2 and gate.pending == {TELEGRAM_CHAT: 2}
        assert len(output.sent) == 1  # told once, not once per refused message
        recipient, notice = output.sent[0]
        assert recipient == TELEGRAM_CHAT and "110" in notice and "119" in notice

        other = await asyncio.wait_for(gate.handle(message(WEBCHAT_SESSION, "socketio"), answered), timeout=1)
        assert other == f"answered {WEBCHAT_SESSION}"  # another conversation is not held up meanwhile

        rasa.release.set()
        results = await asyncio.gather(*tasks)
        assert results.count("answered") == 2 and results.count(None) == 3
        assert gate.pending == {}
        assert await gate.handle(message(), answered) == f"answered {TELEGRAM_CHAT}"  # room again
    asyncio.run(scenario())


def test_the_rate_limit_refuses_after_the_burst_and_notices_once_in_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        notices: list[str | None] = []

        def notice(text: str | None) -> str:
            notices.append(text)
            return "slow down"

        gate = MessageGate(settings(sender_per_minute=1, sender_burst=2), notice=notice)
        output = RecordingOutput()
        results = [await gate.handle(message(text=f"m{i}", output=output), answered) for i in range(4)]
        assert results == [f"answered {TELEGRAM_CHAT}"] * 2 + [None, None]
        assert notices == ["m2"] and output.sent == [(TELEGRAM_CHAT, "slow down")]
        assert await gate.handle(message("987654321"), answered) == "answered 987654321"  # its own bucket

        monkeypatch.setattr(gate_module, "NOTICE_EVERY_SECONDS", 0.0)
        assert await gate.handle(message(text="m4", output=output), answered) is None
        assert notices == ["m2", "m4"] and gate.pending == {}
    asyncio.run(scenario())


def test_a_failing_inner_or_notice_leaves_nothing_pending() -> None:
    async def scenario() -> None:
        async def broken(m: UserMessage) -> str:
            await asyncio.sleep(0)
            raise RuntimeError("rasa failed")

        gate = MessageGate(settings(pending_per_sender=1, sender_per_minute=1, sender_burst=2), notice=lambda _: "slow")
        with pytest.raises(RuntimeError, match="rasa failed"):
            await gate.handle(message(), broken)
        assert gate.pending == {}
        assert await gate.handle(message(), answered) == f"answered {TELEGRAM_CHAT}"
        assert gate.pending == {}
        # the burst is spent: refused, and the platform refusing the notice changes nothing
        assert await gate.handle(message(output=RecordingOutput(fails=True)), answered) is None
        assert gate.pending == {}
    asyncio.run(scenario())


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.mark.integration
def test_the_pending_bound_holds_while_the_rate_limit_asks_redis(redis_url: str) -> None:
    async def scenario() -> None:
        rasa = HeldRasa()
        gate = MessageGate(settings(pending_per_sender=1, redis_url=redis_url))
        tasks = [asyncio.create_task(gate.handle(message(), rasa.handle)) for _ in range(5)]
        await asyncio.sleep(0.3)
        admitted = len(rasa.entered)
        rasa.release.set()
        await asyncio.gather(*tasks)
        assert admitted == 1
    asyncio.run(scenario())


# ---------- install_gate ----------

@pytest.fixture
def agent_class() -> Iterator[Any]:
    """Rasa's Agent; its handle_message is put back afterwards, however the test ends."""
    from rasa.core.agent import Agent

    original = Agent.__dict__["handle_message"]
    try:
        yield Agent
    finally:
        Agent.handle_message = original


def test_install_gate_wraps_rasa_once_even_when_called_twice(agent_class: Any) -> None:
    original = agent_class.handle_message
    install_gate(settings())
    first = agent_class.handle_message
    assert first is not original and first.__wrapped_by_gate__ is original
    install_gate(settings())
    assert agent_class.handle_message is not first and agent_class.handle_message.__wrapped_by_gate__ is original


def test_after_two_installs_a_message_passes_one_gate(agent_class: Any) -> None:
    gates: list[MessageGate] = []
    seen: list[tuple[Any, list[dict[str, int]]]] = []

    async def rasa_handle_message(self: Any, m: UserMessage) -> str:
        seen.append((self, [dict(g.pending) for g in gates]))
        return "rasa answered"

    agent_class.handle_message = rasa_handle_message
    gates += [install_gate(settings()), install_gate(settings())]
    agent = object()
    handle: Callable[[Any, UserMessage], Awaitable[Any]] = agent_class.handle_message
    assert asyncio.run(handle(agent, message())) == "rasa answered"
    assert seen == [(agent, [{}, {TELEGRAM_CHAT: 1}])]  # the second gate only, then Rasa once
    assert asyncio.run(handle(agent, message("default"))) is None and len(seen) == 1
