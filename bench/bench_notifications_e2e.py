"""Status change to message delivered at the channel, through the whole real system.

Run: ``PYTHONPATH=. .venv-assistant/bin/python -m bench.bench_notifications_e2e`` (``make bench``).
Real processes (tools/stack.py): backend (SQLite), outbox relay, Redis, notifier, action server and
``rasa run`` with the Telegram channel; Telegram itself is the fake Bot API from the tests, which
records every ``sendMessage``. Each resident first says hello through the webhook (so their
conversation exists, as it does for anyone who filed by chat), then has a ticket filed for them;
a resolution is timed from just before the operator's ``POST /api/tickets/{id}/updates`` to the
moment the fake Telegram received the notice naming the ticket. The Telegram channel sends at most
25 messages a second overall (Telegram's own limit) and each notice is followed by the survey
question, so 1,000 resolutions take at least 2,000 / 25 = 80 s to deliver: that floor is printed
beside the measured time. Writes the "notifications-e2e" section of docs/benchmarks.md.
"""

import asyncio
import os
import random
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

from bench.load import Result, table
from bench.report import write_section
from tests.doubles.fake_telegram import BOT_TOKEN, SEND, FakeTelegram, text_update
from tests.doubles.local_servers import redis_server
from tools.ports import free_port
from tools.stack import Stack, running_stack
from tools.train_model import model_path, train

SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", "40"))
BULK = int(os.environ.get("BENCH_BULK", "1000"))
SECRET = "bench-telegram-secret"
STAFF = {"Authorization": "Bearer dev-operator-token"}
OVERALL_LIMIT = 25.0  # messages per second, the channel's pacing (Telegram's limit)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


async def greet(stack: Stack, chats: list[int]) -> None:
    """Each resident's first message, through the webhook; waits until every greeting was answered."""
    async with httpx.AsyncClient(timeout=60) as client:
        semaphore = asyncio.Semaphore(16)

        async def one(chat: int) -> None:
            async with semaphore:
                await client.post(f"{stack.rasa_url}/webhooks/telegram/webhook",
                                  json=text_update(chat, chat, "Hello", language_code="en"),
                                  headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})

        await asyncio.gather(*(one(chat) for chat in chats))


async def file_tickets(stack: Stack, chats: list[int]) -> dict[int, str]:
    tickets: dict[int, str] = {}
    async with httpx.AsyncClient(base_url=stack.backend_url, timeout=60) as client:
        semaphore = asyncio.Semaphore(16)

        async def one(chat: int) -> None:
            async with semaphore:
                answer = await client.post("/open311/v2/requests.json", data={
                    "api_key": "dev-open311-key", "service_code": "street_light_out", "attribute[recurring]": "once",
                    "description": "The street light outside my building is out", "language": "en",
                    "address_string": "Sanlitun, Chaoyang", "channel": "telegram", "channel_user_id": str(chat)})
                tickets[chat] = answer.json()[0]["service_request_id"]

        await asyncio.gather(*(one(chat) for chat in chats))
    return tickets


def notice_arrivals(fake: FakeTelegram, tickets: dict[int, str]) -> dict[str, float]:
    """When the fake Telegram first received a message naming each ticket."""
    wanted = {str(chat): ticket for chat, ticket in tickets.items()}
    found: dict[str, float] = {}
    for call in fake.calls_to(SEND):
        ticket = wanted.get(str(call.params.get("chat_id")))
        if ticket and ticket in str(call.params.get("text")) and ticket not in found and call.status == 200:
            found[ticket] = call.at
    return found


async def resolve(client: httpx.AsyncClient, ticket_id: str) -> float:
    started = time.monotonic()  # the fake Telegram stamps calls with time.monotonic() too
    await client.post(f"/api/tickets/{ticket_id}/updates", headers=STAFF,
                      json={"status": "resolved", "note": "路灯已更换", "note_language": "zh"})
    return started


async def wait_until(fake: FakeTelegram, tickets: dict[int, str], count: int, timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    arrived = notice_arrivals(fake, tickets)
    while len(arrived) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        arrived = notice_arrivals(fake, tickets)
    return arrived


async def measure(stack: Stack, fake: FakeTelegram) -> list[Result]:
    base = 10**8 + random.randrange(10**8)
    one_by_one, bulk = list(range(base, base + SEQUENTIAL)), list(range(base + SEQUENTIAL, base + SEQUENTIAL + BULK))
    log(f"{SEQUENTIAL + BULK} residents say hello through the webhook...")
    await greet(stack, one_by_one + bulk)
    log("filing a ticket for each...")
    seq_tickets, bulk_tickets = await file_tickets(stack, one_by_one), await file_tickets(stack, bulk)
    log("waiting until every greeting has reached Telegram (25 messages/s)...")
    everyone = {str(chat) for chat in one_by_one + bulk}
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        greeted = {str(c.params.get("chat_id")) for c in fake.calls_to(SEND) if c.status == 200}
        if everyone <= greeted:
            break
        await asyncio.sleep(1)
    await asyncio.sleep(3)
    async with httpx.AsyncClient(base_url=stack.backend_url, timeout=60) as client:
        started: dict[str, float] = {}
        for n, chat in enumerate(one_by_one):
            await asyncio.sleep(random.uniform(0, 0.5))
            started[seq_tickets[chat]] = await resolve(client, seq_tickets[chat])
            await wait_until(fake, {chat: seq_tickets[chat]}, 1, 30)
            if (n + 1) % 10 == 0:
                log(f"  one at a time: {n + 1}/{SEQUENTIAL}")
        single_arrived = notice_arrivals(fake, seq_tickets)
        single = [(single_arrived[t] - started[t]) * 1000 for t in seq_tickets.values() if t in single_arrived]
        log(f"resolving {BULK} at once...")
        first = time.monotonic()
        semaphore = asyncio.Semaphore(16)

        async def one(ticket_id: str) -> None:
            async with semaphore:
                started[ticket_id] = await resolve(client, ticket_id)

        await asyncio.gather(*(one(t) for t in bulk_tickets.values()))
        arrived = await wait_until(fake, bulk_tickets, BULK, timeout=600)
    many = [(arrived[t] - started[t]) * 1000 for t in bulk_tickets.values() if t in arrived]
    last = max(arrived.values()) if arrived else time.monotonic()
    return [Result("one resolution at a time: update -> notice at Telegram", len(single), sum(single) / 1000,
                   single, SEQUENTIAL - len(single)),
            Result(f"{BULK} resolutions at once: update -> notice at Telegram", len(many), last - first, many,
                   BULK - len(many))]


def main() -> int:
    model = model_path()
    model = model if model.exists() else train()
    with TemporaryDirectory() as folder, redis_server() as redis_url, FakeTelegram().running() as fake:
        rasa_port = free_port()
        os.environ.update(TELEGRAM_BOT_TOKEN=BOT_TOKEN, TELEGRAM_SECRET_TOKEN=SECRET, TELEGRAM_API_BASE_URL=fake.url,
                          TELEGRAM_PUBLIC_URL=f"http://127.0.0.1:{rasa_port}")
        os.environ.pop("TELEGRAM_WEBHOOK_URL", None)
        log("starting the whole system...")
        with running_stack(model, log_dir=Path(folder) / "log", redis_url=redis_url, rasa_port=rasa_port,
                           database_url=f"sqlite:///{Path(folder) / 'hotline.db'}") as stack:
            results = asyncio.run(measure(stack, fake))
    single, bulk = results
    floor = 2 * BULK / OVERALL_LIMIT
    body = "\n".join([
        "## Resolution to the resident's phone (bench/bench_notifications_e2e.py)",
        "",
        "The whole system on this machine (2 cores, SQLite, one Rasa process) with the Telegram channel against "
        "the fake Bot API; each time runs from just before the operator's status update to the fake Telegram "
        "receiving the notice that names the ticket (Rasa's turn, NLG and the channel's pacing included).",
        "",
        table(results, unit="resolutions"),
        "",
        f"Goal p95 under 2 s for a single resolution: **{'met' if single.percentile(95) < 2000 else 'NOT met'}** "
        f"(p95 {single.percentile(95):.0f} ms). {bulk.count} of {BULK} notices for resolutions made at once arrived "
        f"within {bulk.seconds:.0f} s. The channel sends at most {OVERALL_LIMIT:.0f} messages a second (Telegram's "
        f"limit) and each notice is followed by its survey question, so {BULK} notices need at least "
        f"{BULK / OVERALL_LIMIT:.0f} s, and up to {floor:.0f} s when the questions take their turns.",
        "",
        f"Run {time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}.",
    ])
    print(body)
    write_section("notifications-e2e", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
