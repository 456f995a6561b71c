"""The web chat against the real stack: its page and files over HTTP, its socket.io sessions,
and a whole conversation in Chromium (greeting, English FAQ, a Chinese appeal filed as a
ticket, reload into the same session, the 2,000-character limit).

Run with the assistant venv: ``.venv-assistant/bin/python -m pytest tests/channels``.
"""

import asyncio
import json
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, ConsoleMessage, Error, Locator, Page, ViewportSize, expect, sync_playwright

from tests.doubles.local_servers import redis_server
from tools.stack import ROOT, Stack, running_stack
from tools.train_model import model_path, train

pytestmark = pytest.mark.integration
TICKET = re.compile(r"\d{15}")
TIMEOUT_MS = 30_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT: ViewportSize = {"width": 420, "height": 860}
SCREENSHOTS = ROOT / "docs"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("webchat")
    model = model_path()
    if not model.exists():
        model = train()
    with redis_server() as redis_url, running_stack(model, log_dir=folder / "log", redis_url=redis_url,
                                                    database_url=f"sqlite:///{folder / 'hotline.db'}") as running:
        yield running


def get(url: str) -> tuple[int, Message, bytes]:
    """Status, headers (case-insensitive) and body of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# ---------- HTTP: the page and its files ----------

def test_chat_page_is_html_with_strict_headers(stack: Stack) -> None:
    status, headers, body = get(stack.webchat_url)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert headers["X-Content-Type-Options"] == "nosniff"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    port = stack.rasa_url.rsplit(":", 1)[1]
    assert f"ws://127.0.0.1:{port}" in policy and f"wss://127.0.0.1:{port}" in policy
    page = body.decode()
    assert 'data-socketio-path="/socket.io"' in page and "{{" not in page
    assert 'maxlength="2000"' in page
    assert "http://" not in page and "https://" not in page  # no external resources


@pytest.mark.parametrize("name, content_type", [("webchat.js", "application/javascript"),
                                                ("socket.io.min.js", "application/javascript"),
                                                ("webchat.css", "text/css")])
def test_static_files_have_their_types(stack: Stack, name: str, content_type: str) -> None:
    status, headers, body = get(f"{stack.rasa_url}/webhooks/socketio/static/{name}")
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == content_type
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert body == (ROOT / "channels" / "webchat" / "static" / name).read_bytes()


@pytest.mark.parametrize("path", ["..%2F..%2Fcredentials.yml", "../../credentials.yml", "%2E%2E%2Fwebchat.py",
                                  "README.md", "index.html", "nope.js", "webchat.js.map", ""])
def test_anything_else_is_404(stack: Stack, path: str) -> None:
    status, _, body = get(f"{stack.rasa_url}/webhooks/socketio/static/{path}")
    assert status == 404
    assert b"rest:" not in body and b"import" not in body


def test_rasa_channels_still_answer(stack: Stack) -> None:
    assert get(f"{stack.rasa_url}/webhooks/socketio/")[0] == 200
    assert get(f"{stack.rasa_url}/webhooks/rest/")[0] == 200


# ---------- socket.io sessions ----------

async def _socket_session(stack: Stack, session_id: str | None, message: dict[str, Any] | None = None,
                          wait: float = 15.0) -> tuple[str, list[dict[str, Any]]]:
    """Connects, asks for a session, optionally sends a message; returns the session and answers."""
    # Long-polling: the websocket transport of python-engineio needs a newer aiohttp than Rasa pins.
    client = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    answers: list[dict[str, Any]] = []

    def on_confirm(data: str) -> None:
        if not confirmed.done():
            confirmed.set_result(data)

    client.on("session_confirm", on_confirm)
    client.on("bot_uttered", answers.append)
    await client.connect(stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        got = await asyncio.wait_for(confirmed, 30)
        if message is not None:
            await client.emit("user_uttered", message)
            deadline = asyncio.get_running_loop().time() + wait
            while not answers and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.1)
        return got, answers
    finally:
        # abort: do not sit out the pending long-poll (up to the 25 s ping interval)
        await client.eio.disconnect(abort=True)


SESSION_TOKEN = re.compile(r"[0-9a-f]{32}\.[0-9a-f]{32}")  # channels/webchat/sessions.py


def new_session(stack: Stack) -> str:
    """A session token the server issued (a page asking without one)."""
    return asyncio.run(_socket_session(stack, None))[0]


def test_session_ids_are_kept_or_replaced_by_server_issued_ones(stack: Stack) -> None:
    issued = new_session(stack)
    assert SESSION_TOKEN.fullmatch(issued)
    assert asyncio.run(_socket_session(stack, issued))[0] == issued
    bare, forged = issued.split(".")[0], issued[:-1] + ("0" if issued[-1] != "0" else "1")
    for foreign in ("o-alice", "telegram-42", "../x", "A" * 32, bare, forged):
        replaced = asyncio.run(_socket_session(stack, foreign))[0]
        assert replaced != foreign and SESSION_TOKEN.fullmatch(replaced) and not replaced.startswith(bare)


def test_bot_answers_in_the_session_room_only_after_session_request(stack: Stack) -> None:
    session = new_session(stack)
    _, answered = asyncio.run(_socket_session(stack, session, {"message": "/greet", "session_id": session}))
    assert answered and answered[0].get("text")
    other = new_session(stack)  # a session this socket never asked for: ignored, no answer anywhere
    _, ignored = asyncio.run(_socket_session(stack, session, {"message": "/greet", "session_id": other},
                                              wait=3.0))
    assert ignored == []


async def _reconnect(stack: Stack, session: str, seen: int | None) -> tuple[Any, list[dict[str, Any]]]:
    """A page coming back: session_request with how many bot messages it has shown."""
    client = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    answers: list[dict[str, Any]] = []
    client.on("session_confirm", lambda data: confirmed.done() or confirmed.set_result(data))
    client.on("bot_uttered", answers.append)
    await client.connect(stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session, **({"seen": seen} if seen is not None else {})})
        confirm = await asyncio.wait_for(confirmed, 30)
        await asyncio.sleep(0.5)
        return confirm, answers
    finally:
        await client.eio.disconnect(abort=True)


def test_a_page_that_was_offline_gets_what_it_missed_once(stack: Stack) -> None:
    session = new_session(stack)
    _, greeting = asyncio.run(_socket_session(stack, session, {"message": "/greet", "session_id": session}))
    shown = len(greeting)
    assert shown >= 1
    # While the page is closed, the notifier makes the bot speak: nobody is in the room.
    request = urllib.request.Request(
        f"{stack.rasa_url}/conversations/{session.split('.')[0]}/trigger_intent?output_channel=socketio",
        data=json.dumps({"name": "thanks"}).encode(), headers={"content-type": "application/json",
                                                               **stack.rasa_headers()}, method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass
    confirm, caught_up = asyncio.run(_reconnect(stack, session, seen=shown))
    assert [m.get("text") for m in caught_up] and len(caught_up) >= 1, caught_up
    assert confirm == {"session_id": session, "bot_messages": shown + len(caught_up)}
    again, nothing = asyncio.run(_reconnect(stack, session, seen=shown + len(caught_up)))
    assert nothing == [] and again["bot_messages"] == shown + len(caught_up)
    # A page that never counted (an older page) is confirmed as before, with the bare session id.
    assert asyncio.run(_reconnect(stack, session, seen=None)) == (session, [])


# ---------- Chromium: a whole conversation ----------

@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): `make setup` installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Chat:
    """The chat page as a resident uses it; records console errors and CSP violations."""

    def __init__(self, page: Page, url: str) -> None:
        self.page, self.url = page, url
        self.errors: list[str] = []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", self._on_console)
        page.on("pageerror", self._on_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _on_error(self, error: Error) -> None:
        self.errors.append(str(error))

    def open(self) -> None:
        self.page.goto(self.url)
        expect(self.page.locator("#status")).to_have_attribute("data-state", "online", timeout=TIMEOUT_MS)

    @property
    def answers(self) -> Locator:
        """The bot's messages since the resident's last message (all of them before the first)."""
        last_user = "//main[@id='messages']/div[contains(@class,'user')][last()]"
        if self.page.locator(".msg.user").count() == 0:
            return self.page.locator(".msg.bot")
        return self.page.locator(f"xpath={last_user}/following-sibling::div[contains(@class,'bot')]")

    def answer_with(self, pattern: str | re.Pattern[str]) -> Locator:
        found = self.answers.filter(has_text=pattern).first
        expect(found).to_be_visible(timeout=TIMEOUT_MS)
        return found

    @property
    def buttons(self) -> Locator:
        """The buttons of the latest bot messages (older ones are disabled)."""
        return self.page.locator("button.reply:not([disabled])")

    def say(self, text: str) -> None:
        self.page.locator("#input").fill(text)
        self.page.locator("#input").press("Enter")
        expect(self.page.locator(".msg.user").last).to_have_text(text)

    def click(self, button: Locator) -> None:
        title = button.inner_text()
        button.click()
        expect(self.page.locator(".msg.user").last).to_have_text(title)

    def switch_language(self, code: str, label: str) -> None:
        self.page.locator(f"button.lang[data-lang='{code}']").click()
        expect(self.page.locator(".msg.user").last).to_have_text(label)
        expect(self.page.locator(f"button.lang[data-lang='{code}']")).to_have_attribute("aria-pressed", "true")

    def screenshot(self, name: str) -> None:
        expect(self.page.locator("#typing")).to_be_hidden()
        self.page.locator("#input").blur()
        # The header and the composer are sticky: a viewport as tall as the page puts them at its ends.
        height = self.page.evaluate("document.documentElement.scrollHeight")
        self.page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
        self.page.screenshot(path=str(SCREENSHOTS / name), full_page=True, animations="disabled")
        self.page.set_viewport_size(VIEWPORT)

    def session_id(self) -> str | None:
        value: str | None = self.page.evaluate("localStorage.getItem('hotline12345.session')")
        return value


@contextmanager
def opened_chat(browser: Browser, url: str, **context_options: Any) -> Iterator["Chat"]:
    """The chat page opened in a fresh browser context (own storage, own permissions), closed after."""
    context = browser.new_context(viewport=VIEWPORT, **context_options)
    try:
        chat = Chat(context.new_page(), url)
        chat.open()
        yield chat
    finally:
        context.close()


@pytest.mark.browser
def test_conversation_in_chromium(stack: Stack, browser: Browser) -> None:
    with opened_chat(browser, stack.webchat_url, locale="zh-CN") as chat:
        # Greeting, once, for the new session (Chinese by default), with its buttons.
        chat.answer_with("12345")
        expect(chat.buttons.first).to_be_visible()
        session = chat.session_id()
        assert session and SESSION_TOKEN.fullmatch(session)

        # English: labels switch with the conversation; a policy question gets its answer.
        chat.switch_language("en", "English")
        expect(chat.page.locator("#send")).to_have_text("Send")
        expect(chat.page.locator("#input")).to_have_attribute("placeholder", re.compile("question"))
        chat.answer_with("English")
        chat.say("How do I extend my visa?")
        chat.answer_with("Exit-Entry")
        expect(chat.buttons.first).to_be_visible()  # "did that help?" arrives last
        chat.screenshot("webchat-en-faq.png")

        # Chinese again: an appeal, filed as a ticket.
        chat.switch_language("zh", "中文")
        expect(chat.page.locator("#send")).to_have_text("发送")
        chat.answer_with("中文")
        chat.say("小区门口的路灯坏了一个星期，晚上很黑")
        chat.answer_with(re.compile("哪里|地址|地点"))
        chat.say("朝阳区三里屯街道工体北路8号")
        expect(chat.buttons.first).to_be_visible()
        street_light = chat.buttons.filter(has_text="路灯不亮")
        chat.click(street_light.first if street_light.count() else chat.buttons.first)
        expect(chat.buttons.first).to_be_visible()  # the category's question, with choices
        chat.click(chat.buttons.first)
        chat.click(chat.page.locator("button.reply:not([disabled])[data-payload='/deny']"))
        confirm = chat.page.locator("button.reply:not([disabled])[data-payload='/affirm']")
        chat.answer_with("路灯不亮")  # the summary names the category
        chat.click(confirm)
        filed = chat.answer_with(TICKET)
        match = TICKET.search(filed.inner_text())
        assert match
        ticket_id = match.group()
        chat.screenshot("webchat-zh-ticket.png")

        # Reload: the same session continues, the transcript is still there, no second greeting.
        shown = chat.page.locator(".msg").count()
        chat.page.reload()
        expect(chat.page.locator("#status")).to_have_attribute("data-state", "online")
        assert chat.session_id() == session
        expect(chat.page.locator(".msg")).to_have_count(shown)
        expect(chat.page.locator(".msg.bot").last).to_contain_text(ticket_id)
        chat.say("我的诉求到哪了")
        chat.answer_with(ticket_id)
        assert chat.answers.filter(has_text="您好").count() == 0
        assert chat.errors == []


@pytest.mark.browser
def test_an_appeal_located_with_the_browsers_position(stack: Stack, browser: Browser) -> None:
    with opened_chat(browser, stack.webchat_url, locale="zh-CN", permissions=["geolocation"],
                     geolocation={"latitude": 39.9334, "longitude": 116.4543}) as chat:
        chat.answer_with("12345")
        chat.say("小区门口的路灯坏了一个星期，晚上很黑")
        chat.answer_with(re.compile("哪里|地址|地点"))
        chat.page.locator("#share-location").click()
        expect(chat.page.locator(".msg.user").last).to_have_text("我的位置 (39.93340, 116.45430)")
        expect(chat.buttons.first).to_be_visible()  # located: on to the category
        chat.click(chat.buttons.first)
        expect(chat.buttons.first).to_be_visible()
        while chat.page.locator("button.reply:not([disabled])[data-payload='/deny']").count() == 0:
            chat.click(chat.buttons.first)  # the category's questions, first choice
            expect(chat.buttons.first).to_be_visible()
        chat.click(chat.page.locator("button.reply:not([disabled])[data-payload='/deny']"))
        chat.answer_with("39.93340, 116.45430（朝阳区")  # the summary shows the shared place and where it is
        chat.screenshot("webchat-zh-location.png")
        chat.click(chat.page.locator("button.reply:not([disabled])[data-payload='/affirm']"))
        match = TICKET.search(chat.answer_with(TICKET).inner_text())
        assert match
        request = urllib.request.Request(f"{stack.backend_url}/api/tickets/{match.group()}",
                                         headers={"Authorization": "Bearer dev-operator-token"})
        with urllib.request.urlopen(request, timeout=30) as response:
            ticket = json.load(response)
        assert (round(ticket["lat"], 4), round(ticket["long"], 4)) == (39.9334, 116.4543)
        assert ticket["subdistrict_code"]
        assert chat.errors == []


@pytest.mark.browser
def test_answers_follow_the_language_the_resident_writes_in(stack: Stack, browser: Browser) -> None:
    with opened_chat(browser, stack.webchat_url, locale="zh-CN") as chat:
        chat.answer_with("12345")
        chat.say("签证快到期了，怎么延期？")
        chat.answer_with("出入境管理总队")
        chat.say("How do I extend my visa before it expires?")
        chat.answer_with("Exit-Entry")
        chat.say("ビザの延長はどうすればいいですか")
        chat.answer_with("出入境管理総隊")  # the Japanese answer (総, not 总)
        assert chat.errors == []


@pytest.mark.browser
def test_input_is_capped_at_2000_characters(stack: Stack, browser: Browser) -> None:
    with opened_chat(browser, stack.webchat_url) as chat:
        box, counter = chat.page.locator("#input"), chat.page.locator("#counter")
        expect(counter).to_have_text("0/2000")
        expect(chat.page.locator("#send")).to_be_disabled()
        box.fill("路" * 2500)
        expect(counter).to_have_text("2000/2000")
        assert chat.page.evaluate("document.getElementById('input').value.length") == 2000
        # Past maxlength by script: the page still caps what it would send.
        chat.page.evaluate("""() => { const box = document.getElementById('input');
                                      box.value = 'x'.repeat(2500);
                                      box.dispatchEvent(new Event('input')); }""")
        expect(counter).to_have_text("2000/2000")
        assert chat.page.evaluate("document.getElementById('input').value.length") == 2000
        box.fill("你好")
        expect(counter).to_have_text("2/2000")
        expect(chat.page.locator("#send")).to_be_enabled()
        assert chat.errors == []


@pytest.mark.browser
def test_text_is_shown_as_text_never_as_html(stack: Stack, browser: Browser) -> None:
    with opened_chat(browser, stack.webchat_url) as chat:
        chat.answer_with("12345")
        markup = '<img src="x" onerror="window.__pwned = 1"><b>粗体</b>'
        chat.say(markup)
        expect(chat.answers.first).to_be_visible()
        assert chat.page.locator("#messages img, #messages b, #messages script").count() == 0
        assert chat.page.evaluate("window.__pwned === undefined")
        bubble = chat.page.locator(".msg.user .bubble").last
        assert bubble.evaluate("element => getComputedStyle(element).whiteSpace") == "pre-wrap"


def test_catch_up_sends_what_follows_the_count_and_at_most_the_latest_fifty() -> None:
    from channels.webchat.catchup import MAX_REPLAY, missed

    messages = [{"text": str(n)} for n in range(80)]
    assert missed(messages, 78) == messages[78:] and missed(messages, 80) == [] and missed(messages, 95) == []
    assert missed(messages, 0) == messages[-MAX_REPLAY:]
