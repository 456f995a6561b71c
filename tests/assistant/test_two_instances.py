"""Two copies of the whole stack behind HAProxy, sharing one Redis and one database (tools/stack.py with
``instances=2``, as ``make run INSTANCES=2`` starts it).

- 200 conversations whose turns alternate between the two Rasa servers, with a pair of messages sent
  to both servers at the same moment: no turn lost, doubled or interleaved with another, and every
  reply is the answer to its own message;
- a push (the outbox worker's "your appeal is filed") sent through one server reaches a web chat page
  connected to the other, and a page behind the load balancer gets pushes from both (socket.io's
  client, and the chat page in Chromium, whose connection upgrades to a WebSocket);
- SIGTERM to one Rasa server while conversations run through the load balancer: the turns it holds
  finish and are answered, the load balancer sends the rest to the other server: not one error;
- kill -9 of one Rasa server while conversations run through the load balancer: clients retry what was
  cut off with the same ``message_id``, and every conversation ends with each of its turns exactly
  once, in order.
"""

import asyncio
import json
import random
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote
from urllib.request import Request, urlopen

import aiohttp
import pytest
import socketio
from playwright.sync_api import expect, sync_playwright

from channels.webchat.sessions import session_key, verified_id
from tests.doubles.local_servers import redis_server
from tools.stack import Stack, running_stack
from tools.train_model import model_path, train

pytestmark = pytest.mark.integration

GENEROUS_LIMITS = {"REST_KEY_PER_MINUTE": "1000000", "REST_KEY_BURST": "100000",
                   "CHAT_SENDER_PER_MINUTE": "600", "CHAT_SENDER_BURST": "60"}
OPENER = "hello"
QUESTION = "How do I extend my visa?"
PAIR = ("Are you a bot?", "thank you")
CLOSER = "How do I get a residence permit?"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("two-instances")
    model = model_path()
    if not model.exists():
        model = train()
    with redis_server() as redis_url, running_stack(model, log_dir=folder / "log", redis_url=redis_url,
                                                    database_url=f"sqlite:///{folder / 'hotline.db'}", instances=2,
                                                    env=GENEROUS_LIMITS) as running:
        yield running


def conversation_path(conversation_id: str) -> str:
    return f"/conversations/{quote(conversation_id, safe=':@')}"


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str,
               message_id: str | None = None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"sender": sender, "message": text}
    if message_id:
        body["message_id"] = message_id
    async with session.post(f"{url}/webhooks/rest/webhook", json=body, headers=Stack.rest_headers()) as answer:
        assert answer.status == 200, await answer.text()
        return list(await answer.json())


async def tracker_events(session: aiohttp.ClientSession, stack: Stack, sender: str) -> list[dict[str, Any]]:
    url = stack.rasa_url + conversation_path(Stack.rest_conversation(sender)) + "/tracker"
    async with session.get(url, headers=stack.rasa_headers()) as answer:
        assert answer.status == 200
        return list((await answer.json())["events"])


def turns(events: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """(user text, the bot texts after it) per turn; asserts every turn ended before the next began."""
    found: list[tuple[str, list[str]]] = []
    last_action = "action_listen"
    for event in events:
        if event["event"] == "user":
            assert last_action == "action_listen", f"a turn began while another ran: {event.get('text')!r}"
            found.append((event.get("text") or "", []))
        elif event["event"] == "bot" and found:
            found[-1][1].append(event.get("text") or "")
        elif event["event"] == "action":
            last_action = event["name"]
    return found


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [reply.get("text") or "" for reply in replies]


def paragraphs(messages: list[str]) -> list[str]:
    """The messages' paragraphs: Rasa's REST output sends each paragraph of a bot message on its own."""
    return [part.strip() for message in messages for part in message.strip().split("\n\n")]


def test_every_copy_is_ready_and_the_load_balancer_sees_them(stack: Stack) -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            for url in (*stack.instance_urls["rasa"], stack.rasa_url):
                async with session.get(f"{url}/webhooks/health/ready") as answer:
                    assert answer.status == 200
                    assert await answer.json() == {"status": "ready", "model": "ok", "tracker_store": "ok",
                                                   "lock_store": "ok"}
            for url in (*stack.instance_urls["actions"], *stack.instance_urls["backend"]):
                async with session.get(f"{url}/health") as answer:
                    assert answer.status == 200

    asyncio.run(main())


def test_turns_alternating_between_instances_are_never_lost_doubled_or_interleaved(stack: Stack) -> None:
    first, second = stack.instance_urls["rasa"]

    async def conversation(session: aiohttp.ClientSession, sender: str) -> dict[str, list[str]]:
        replies = {OPENER: await send(session, first, sender, OPENER),
                   QUESTION: await send(session, second, sender, QUESTION)}
        paired = await asyncio.gather(send(session, first, sender, PAIR[0]), send(session, second, sender, PAIR[1]))
        replies.update(zip(PAIR, paired, strict=True))
        replies[CLOSER] = await send(session, stack.rasa_url, sender, CLOSER)
        return {text: texts(answer) for text, answer in replies.items()}

    async def main() -> None:
        limit = asyncio.Semaphore(25)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            async def one(number: int) -> tuple[str, dict[str, list[str]]]:
                async with limit:
                    sender = f"alternate-{number}"
                    return sender, await conversation(session, sender)

            results = await asyncio.gather(*(one(number) for number in range(200)))
            for sender, replies in results:
                recorded = turns(await tracker_events(session, stack, sender))
                said = [text for text, _ in recorded]
                assert Counter(said) == Counter([OPENER, QUESTION, *PAIR, CLOSER]), (sender, said)
                assert said[:2] == [OPENER, QUESTION] and said[4] == CLOSER and set(said[2:4]) == set(PAIR)
                for text, bot_texts in recorded:
                    assert paragraphs(replies[text]) == paragraphs(bot_texts), (sender, text)  # its own answer
                    assert bot_texts, (sender, text)

    asyncio.run(main())


def test_a_push_through_one_instance_reaches_a_page_on_the_other(stack: Stack) -> None:
    first, second = stack.instance_urls["rasa"]

    async def page(url: str, http: aiohttp.ClientSession) -> tuple[socketio.AsyncClient, str, asyncio.Queue[str]]:
        # Long polling: every request of the connection must reach the same server (the aiohttp in
        # Rasa's environment is too old for python-engineio's WebSocket client).
        client = socketio.AsyncClient(http_session=http)
        received: asyncio.Queue[str] = asyncio.Queue()
        confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        client.on("bot_uttered", lambda message: received.put_nowait(str(message.get("text") or "")))

        def confirm(token: Any) -> None:
            if not confirmed.done():
                confirmed.set_result(token if isinstance(token, str) else token["session_id"])

        client.on("session_confirm", confirm)
        await client.connect(url, socketio_path="/socket.io", transports=["polling"])
        await client.emit("session_request", {})
        token = await asyncio.wait_for(confirmed, 10)
        await client.emit("user_uttered", {"message": OPENER, "session_id": token})
        await asyncio.wait_for(received.get(), 30)  # the greeting: the conversation exists
        while not received.empty():
            received.get_nowait()
        session_id = verified_id(token, session_key())
        assert session_id is not None
        return client, session_id, received

    async def push(session: aiohttp.ClientSession, url: str, session_id: str, ticket_id: str) -> None:
        async with session.post(f"{url}{conversation_path(session_id)}/trigger_intent",
                                params={"output_channel": "socketio"}, headers=stack.rasa_headers(),
                                json={"name": "EXTERNAL_appeal_filed",
                                      "entities": {"ticket_id": ticket_id, "reference": "Q-TEST"}}) as answer:
            assert answer.status == 200, await answer.text()

    async def arrives(received: asyncio.Queue[str], ticket_id: str) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            text = await asyncio.wait_for(received.get(), deadline - time.monotonic())
            if ticket_id in text:
                return
        raise AssertionError(f"the push for {ticket_id} never reached the page")

    async def main() -> None:
        # a browser keeps cookies for 127.0.0.1: the load balancer's sticky cookie among them
        async with aiohttp.ClientSession() as session, \
                aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            client, session_id, received = await page(first, browser)
            await push(session, second, session_id, "202612060000001")
            await arrives(received, "202612060000001")
            await client.disconnect()
            browser.cookie_jar.clear()
            # a page behind the load balancer, held on one server by its cookie: pushes through both
            client, session_id, received = await page(stack.rasa_url, browser)
            for number, url in enumerate((first, second), start=2):
                await push(session, url, session_id, f"20261206000000{number}")
                await arrives(received, f"20261206000000{number}")
            await client.disconnect()

    asyncio.run(main())


def test_the_chat_page_in_chromium_behind_the_load_balancer_gets_pushes_through_both_servers(stack: Stack) -> None:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): `make setup` installs it")
    sockets: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.on("websocket", lambda socket: sockets.append(socket.url))
            page.goto(stack.webchat_url)
            expect(page.locator("#status")).to_have_attribute("data-state", "online", timeout=30_000)
            expect(page.locator(".msg.bot").first).to_be_visible(timeout=30_000)  # the greeting
            token = page.evaluate("localStorage.getItem('hotline12345.session')")
            session_id = verified_id(token, session_key())
            assert session_id is not None
            for number, url in enumerate(stack.instance_urls["rasa"], start=5):
                ticket_id = f"20261206000000{number}"
                body = json.dumps({"name": "EXTERNAL_appeal_filed",
                                   "entities": {"ticket_id": ticket_id, "reference": "Q-PAGE"}}).encode()
                request = Request(f"{url}{conversation_path(session_id)}/trigger_intent?output_channel=socketio",
                                  data=body, headers={**stack.rasa_headers(), "Content-Type": "application/json"})
                with urlopen(request, timeout=30) as answer:
                    assert answer.status == 200
                expect(page.locator(".msg.bot").last).to_contain_text(ticket_id, timeout=15_000)
        finally:
            browser.close()
    assert any("/socket.io/" in url for url in sockets)  # upgraded: one connection, one server


def test_sigterm_drains_a_rasa_server_without_one_failed_turn(stack: Stack) -> None:
    assert stack.processes is not None
    script = [OPENER, QUESTION, PAIR[0], CLOSER, PAIR[1], QUESTION]
    failures: list[str] = []

    async def conversation(session: aiohttp.ClientSession, sender: str) -> None:
        for text in script:
            try:
                if not await send(session, stack.rasa_url, sender, text):
                    failures.append(f"{sender}: no answer to {text!r}")
            except (AssertionError, aiohttp.ClientError, asyncio.TimeoutError) as error:
                failures.append(f"{sender}: {type(error).__name__} {error}"[:200])
            await asyncio.sleep(random.random() * 0.2)

    def stop_soon() -> None:
        time.sleep(1.5)
        assert stack.processes is not None
        stack.processes.running["rasa-2"].terminate()  # SIGTERM, as an orchestrator stops a pod

    async def main() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            stopper = threading.Thread(target=stop_soon)
            stopper.start()
            await asyncio.gather(*(conversation(session, f"drained-{number}") for number in range(30)))
            stopper.join()

    try:
        asyncio.run(main())
        assert stack.processes.running["rasa-2"].wait(timeout=30) == 0  # it stopped, and cleanly
        assert failures == []
    finally:
        stack.processes.running.pop("rasa-2", None)
        stack.restart("rasa-2")


def test_kill_9_of_one_instance_mid_conversation_loses_and_doubles_nothing(stack: Stack) -> None:
    script = [OPENER, QUESTION, PAIR[0], CLOSER, PAIR[1], QUESTION]
    killed = threading.Event()
    retries: list[str] = []

    async def send_until_answered(session: aiohttp.ClientSession, sender: str, text: str,
                                  message_id: str) -> list[str]:
        """What a client does with a cut-off request: the same message, same id, again."""
        deadline = time.monotonic() + 60
        while True:
            try:
                return texts(await send(session, stack.rasa_url, sender, text, message_id))
            except (AssertionError, aiohttp.ClientError, asyncio.TimeoutError) as error:
                if time.monotonic() > deadline:
                    raise
                retries.append(f"{message_id}: {type(error).__name__}")
                await asyncio.sleep(0.2 + random.random() * 0.3)

    async def conversation(session: aiohttp.ClientSession, sender: str) -> list[tuple[str, list[str]]]:
        answers = []
        for number, text in enumerate(script):
            answers.append((text, await send_until_answered(session, sender, text, f"{sender}-{number}")))
            await asyncio.sleep(random.random() * 0.2)
        return answers

    def kill_soon() -> None:
        time.sleep(1.5)
        stack.kill("rasa-1")
        killed.set()

    async def main() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            killer = threading.Thread(target=kill_soon)
            killer.start()
            senders = [f"survivor-{number}" for number in range(40)]
            results = await asyncio.gather(*(conversation(session, sender) for sender in senders))
            killer.join()
            assert killed.is_set()
            print(f"{len(retries)} requests cut off and sent again: {retries[:5]}")
            for sender, answers in zip(senders, results, strict=True):
                recorded = turns(await tracker_events(session, stack, sender))
                assert [text for text, _ in recorded] == script, sender  # each turn once, in order
                assert [paragraphs(bot) for _, bot in recorded] == [paragraphs(bot) for _, bot in answers], sender

    try:
        asyncio.run(main())
    finally:
        stack.restart("rasa-1")
