"""Issue 13, what-to-build 2: a web chat conversation belongs to the session the server issued. Before,
the page chose its own session id, so anyone who learnt (or guessed) a resident's id could open that
conversation, read it back and speak in it.

Held means: ``session_request`` with someone else's bare 32-hex id, or with a token whose signature is
wrong, gets a new, empty session and none of the victim's messages (not even through the catch-up a
reconnecting page asks for); ``user_uttered`` naming an unsigned or foreign session is ignored, so the
victim's conversation does not change. One address cannot open sessions without end either.
"""

import asyncio
import time
from collections import Counter
from typing import Any

import aiohttp
import pytest
import socketio

from tests.security.attacker import texts, tracker, user_events
from tools.stack import Stack

pytestmark = pytest.mark.integration


async def _visit(stack: Stack, token: str | None, *, seen: int | None = None,
                 utter: tuple[str, str] | None = None, wait: float = 1.5) -> tuple[Any, list[dict[str, Any]]]:
    """A page: asks for ``token``'s session (reporting ``seen`` bot messages), optionally sends
    ``utter`` = (session id it names, text); returns session_confirm and every bot message it got."""
    page = socketio.AsyncClient(reconnection=False)
    loop = asyncio.get_running_loop()
    confirmed: asyncio.Future[Any] = loop.create_future()
    got: list[dict[str, Any]] = []

    def confirm(data: Any) -> None:
        if not confirmed.done():
            confirmed.set_result(data)

    page.on("session_confirm", confirm)
    page.on("bot_uttered", got.append)
    # long-polling: python-engineio's websocket client needs a newer aiohttp than Rasa pins
    await page.connect(stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
    try:
        await page.emit("session_request", {"session_id": token, **({"seen": seen} if seen is not None else {})})
        confirmation = await asyncio.wait_for(confirmed, 30)
        if utter is not None:
            await page.emit("user_uttered", {"session_id": utter[0], "message": utter[1]})
        deadline = loop.time() + wait
        while loop.time() < deadline:
            await asyncio.sleep(0.1)
        return confirmation, got
    finally:
        await page.eio.disconnect(abort=True)


def visit(stack: Stack, token: str | None, **options: Any) -> tuple[Any, list[dict[str, Any]]]:
    return asyncio.run(_visit(stack, token, **options))


def session_of(confirm: Any) -> str:
    token = confirm["session_id"] if isinstance(confirm, dict) else confirm
    assert isinstance(token, str)
    return token


def test_a_strangers_session_id_opens_a_new_empty_session(stack: Stack) -> None:
    """Attack: take over a web chat with the victim's bare or forged session id, read it back, speak in it.
    Held: a new empty session, nothing shown, nothing changed.
    """
    victim = session_of(visit(stack, None)[0])
    _, answered = visit(stack, victim, utter=(victim, "我要投诉：楼下的路灯坏了，我的电话13912345678"), wait=8)
    assert answered, "the victim's page got no answer"
    bare = victim.split(".")[0]
    before = len(tracker(stack, bare)["events"])
    forged = f"{bare}.{'0' * 32}"
    for stolen in (bare, forged, f"{bare}.{bare}"):
        confirm, shown = visit(stack, stolen, seen=0)
        assert session_of(confirm).split(".")[0] != bare, (stolen, confirm)
        assert shown == [], (stolen, texts(shown))
    # Own session first, then messages naming the victim's session: ignored, and nothing comes back.
    for named in (bare, forged):
        _, shown = visit(stack, None, utter=(named, "/affirm"))
        assert shown == [], (named, texts(shown))
    assert len(tracker(stack, bare)["events"]) == before


def test_the_victims_own_token_does_bring_the_conversation_back(stack: Stack) -> None:
    """The control for the test above: catch-up with the real token shows the messages an attacker wanted."""
    victim = session_of(visit(stack, None)[0])
    _, answered = visit(stack, victim, utter=(victim, "/greet"), wait=8)
    assert answered
    confirm, shown = visit(stack, victim, seen=0)
    assert session_of(confirm) == victim and texts(shown) == texts(answered)


def test_a_huge_web_chat_message_is_cut_before_it_is_stored(stack: Stack) -> None:
    """Attack: a 100,000-character message through the web chat (the gate wraps every channel, not only REST).
    Held: answered, and only 2,001 characters stored.
    """
    session = session_of(visit(stack, None)[0])
    _, answered = visit(stack, session, utter=(session, "楼下路灯坏了" * 16_667), wait=8)
    assert answered
    assert [len(e["text"]) for e in user_events(stack, session.split(".")[0])] == [2001]


async def _new_session(stack: Stack, http: aiohttp.ClientSession) -> str:
    """One page asking for a new session: "confirmed", "told to slow down" (the emergency numbers) or
    "nothing"."""
    page = socketio.AsyncClient(reconnection=False, http_session=http)
    got: asyncio.Queue[str] = asyncio.Queue()
    page.on("session_confirm", lambda _data: got.put_nowait("confirmed"))
    page.on("bot_uttered", lambda data: got.put_nowait(
        "told to slow down" if all(n in str(data.get("text")) for n in ("110", "119", "120")) else "other"))
    await page.connect(stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
    try:
        await page.emit("session_request", {"session_id": None})
        try:
            return await asyncio.wait_for(got.get(), 10)
        except asyncio.TimeoutError:
            return "nothing"
    finally:
        await page.eio.disconnect(abort=True)


async def _ask_for_new_sessions(stack: Stack, source: str, count: int) -> list[str]:
    """``count`` pages from the loopback address ``source``, one after the other."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(source, 0))) as http:
        return [await _new_session(stack, http) for _ in range(count)]


def test_one_address_cannot_open_sessions_without_end(stack: Stack) -> None:
    """Attack: one address opens 45 new web chat sessions back to back.
    Held: the first 30 (WEBCHAT_SESSIONS_BURST) and about one a second after them are confirmed; the rest
    are told to slow down, with the emergency numbers; a page at another address still gets its session."""
    started = time.perf_counter()
    outcomes = asyncio.run(_ask_for_new_sessions(stack, "127.0.0.4", 45))
    elapsed = time.perf_counter() - started
    print(f"\nweb chat, 45 new sessions from one address in {elapsed:.1f} s: {Counter(outcomes)}")
    assert set(outcomes) <= {"confirmed", "told to slow down"}, outcomes
    assert outcomes[:30] == ["confirmed"] * 30
    assert 0 < outcomes.count("told to slow down") and outcomes.count("confirmed") <= 30 + elapsed + 1
    assert asyncio.run(_ask_for_new_sessions(stack, "127.0.0.5", 1)) == ["confirmed"]
