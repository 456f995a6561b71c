"""A compressed day of Beijing's hotline through the real stack, on every channel (issue 15).

Run: ``make bench`` (or ``.venv-assistant/bin/python -m bench.bench_day``; about 12 minutes).

Beijing's 12345 takes about 520,000 contacts a day. Our 2 cores take ``1 / SCALE`` of them, and a day
is compressed into 24 "hours" of ``HOUR_SECONDS`` each, shaped by ``HOURLY`` (an assumed daily curve of
a city hotline: quiet at night, peaks mid-morning and mid-afternoon; no published hourly figure for
Beijing was found). Residents arrive at random within each hour and play bench/traffic.py's mix
(policy questions, appeals filed through the form, status checks; zh/en/ja; one in five returning
with a long history), typed as a person types on a phone (a number for a category, "yes" for the
summary), with a pause of 0.5-2 s between their messages:

- WeChat (70%): signed, encrypted webhook calls as WeChat sends them; the answer is the passive reply,
  or the first customer-service message sent to the fake WeChat API when the turn outlived 4 s;
- Telegram (10%): webhook updates with the secret token; the answer is the first ``sendMessage`` to
  the chat that the fake Bot API records (Telegram's pacing of 1 message/s per chat included);
- web chat (20%): a socket.io connection per resident; the answer is the first ``bot_uttered``.

The stack is what ``make run`` starts (tools/stack.py), with Redis started with make run's own
arguments (tools/run_all.py: loopback, AOF, ``maxmemory`` and ``volatile-lru``). Reported: messages,
errors and unanswered messages (goal: zero), latency per compressed hour (median and p95), Redis
memory and the Rasa server's RSS over the run. Writes docs/day.png and the "day" section of
docs/benchmarks.md.

"The end within 10% of the start" is measured with a probe: the same ``PROBE_RESIDENTS`` scripts,
one conversation at a time through the REST channel, on the warmed-up stack just before the day
(after one uncounted pass of the same probe) and again just after it. Same work, same load, only the
day in between, so what it shows is what the day left behind (Redis, the ticket store, the
processes' memory). The goal is read as "no more than 10% slower at the end": a faster end is
reported with its sign, not counted as a miss. The first two compressed hours against the last two
are reported as well, but those carry different traffic (the night's start is quieter than its
end), so they do not isolate what the day left.
"""

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis
import socketio

from bench.load import Latencies
from bench.report import write_section
from bench.traffic import Resident, drive, residents, seed_returning, template_history
from tests.doubles.fake_telegram import BOT_TOKEN, SEND, FakeTelegram, text_update
from tests.doubles.fake_wechat import CUSTOM, FakeWeChat, message_xml, webhook_call
from tools.ports import free_port
from tools.run_all import make_run_redis
from tools.stack import Stack, running_stack
from tools.train_model import model_path

ROOT = Path(__file__).resolve().parent.parent
DAILY_MESSAGES = 520_000
SCALE = int(os.environ.get("BENCH_DAY_SCALE", "60"))
HOUR_SECONDS = float(os.environ.get("BENCH_DAY_HOUR_SECONDS", "25"))
# Share of the day's messages per hour, 0:00-23:00 (an assumption, see the module doc); sums to 100.
PROBE_RESIDENTS = int(os.environ.get("BENCH_DAY_PROBE_RESIDENTS", "60"))
HOURLY = [0.8, 0.5, 0.4, 0.3, 0.3, 0.5, 1.5, 3.5, 6.5, 7.5, 7.5, 6.5, 5.0, 6.0, 7.0, 7.0, 6.5, 5.5, 4.5,
          4.0, 3.5, 3.0, 2.0, 1.7]
CHANNELS = [("wechat", 70), ("webchat", 20), ("telegram", 10)]
TYPED = {"zh": "是的", "en": "yes", "ja": "はい"}  # the summary's answer, typed instead of pressed
ANSWER_TIMEOUT = 30.0
WECHAT = {"WECHAT_TOKEN": "benchdaytoken", "WECHAT_APP_ID": "wx0123456789abcdef",
          "WECHAT_APP_SECRET": "bench-day-app-secret", "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
TELEGRAM_SECRET = "bench-day-telegram-secret"
CHART = ROOT / "docs" / "day.png"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def typed(person: Resident) -> list[str]:
    """The script as typed on a phone: the first category offered is "1", the summary is confirmed in words."""
    return ["1" if text.startswith("/choose_category") else TYPED[person.language] if text == "/affirm" else text
            for text in person.messages]


@dataclass
class Answer:
    sent: float  # seconds since the run began
    seconds: float | None  # None: never answered
    channel: str


@dataclass
class Run:
    answers: list[Answer] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    memory: list[tuple[float, float, float]] = field(default_factory=list)  # (t, Redis MiB, Rasa RSS MiB)
    probes: dict[str, Latencies] = field(default_factory=dict)  # "before" / "after" the day
    began: float = field(default_factory=time.monotonic)

    def now(self) -> float:
        return time.monotonic() - self.began


# ---- the channels, as the platforms and a browser use them ----

class Channels:
    def __init__(self, stack: Stack, wechat: FakeWeChat, telegram: FakeTelegram, run: Run) -> None:
        self.stack, self.wechat, self.telegram, self.run = stack, wechat, telegram, run
        self.http = httpx.AsyncClient(timeout=ANSWER_TIMEOUT, trust_env=False,
                                      limits=httpx.Limits(max_connections=200))
        self.ids = iter(range(10**9, 2 * 10**9))

    async def converse(self, person: Resident, channel: str, number: int) -> None:
        try:
            if channel == "webchat":
                await self._webchat(person)
            else:
                for text in typed(person):
                    await (self._wechat if channel == "wechat" else self._telegram)(person, text, number)
                    await asyncio.sleep(random.uniform(0.5, 2.0))
        except Exception as error:  # noqa: BLE001 - every failure is counted, the day goes on
            self.run.errors.append(f"{channel} {person.sender}: {type(error).__name__} {error}"[:300])

    async def _answered(self, channel: str, sent: float, seconds: float | None) -> None:
        self.run.answers.append(Answer(sent, seconds, channel))

    async def _wechat(self, person: Resident, text: str, _: int) -> None:
        openid = wechat_openid(person)
        before = len(self.wechat.calls_to(CUSTOM, openid))
        xml = message_xml(FromUserName=openid, MsgType="text", Content=text, MsgId=next(self.ids))
        query, body = webhook_call(xml, token=WECHAT["WECHAT_TOKEN"], app_id=WECHAT["WECHAT_APP_ID"],
                                   aes_key=WECHAT["WECHAT_AES_KEY"])
        sent, started = self.run.now(), time.monotonic()
        answer = await self.http.post(f"{self.stack.rasa_url}/webhooks/wechat/webhook", params=query, content=body)
        if answer.status_code != 200:
            raise RuntimeError(f"webhook answered {answer.status_code}")
        if answer.content.strip() not in (b"success", b""):
            await self._answered("wechat", sent, time.monotonic() - started)
            return
        while time.monotonic() - started < ANSWER_TIMEOUT:  # the answer goes through the customer-service API
            if len(self.wechat.calls_to(CUSTOM, openid)) > before:
                await self._answered("wechat", sent, time.monotonic() - started)
                return
            await asyncio.sleep(0.01)
        await self._answered("wechat", sent, None)

    async def _telegram(self, person: Resident, text: str, number: int) -> None:
        chat = telegram_chat(number)
        before = len(self.telegram.calls_to(SEND, chat))
        update = text_update(next(self.ids), chat, text, language_code=person.language)
        sent, started = self.run.now(), time.monotonic()
        answer = await self.http.post(f"{self.stack.rasa_url}/webhooks/telegram/webhook", json=update,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
        if answer.status_code != 200:
            raise RuntimeError(f"webhook answered {answer.status_code}")
        while time.monotonic() - started < ANSWER_TIMEOUT:
            calls = self.telegram.calls_to(SEND, chat)
            if len(calls) > before:
                await self._answered("telegram", sent, calls[before].at - started)
                return
            await asyncio.sleep(0.01)
        await self._answered("telegram", sent, None)

    async def _webchat(self, person: Resident) -> None:
        client = socketio.AsyncClient()
        replies: asyncio.Queue[Any] = asyncio.Queue()
        confirmed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        client.on("bot_uttered", replies.put_nowait)

        def confirm(token: Any) -> None:
            if not confirmed.done():
                confirmed.set_result(token)

        client.on("session_confirm", confirm)
        await client.connect(self.stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
        try:
            await client.emit("session_request", {})
            token = await asyncio.wait_for(confirmed, ANSWER_TIMEOUT)
            token = token if isinstance(token, str) else token["session_id"]
            for text in person.messages:  # the page has buttons: payloads as pressed
                while not replies.empty():
                    replies.get_nowait()
                sent, started = self.run.now(), time.monotonic()
                await client.emit("user_uttered", {"message": text, "session_id": token})
                try:
                    await asyncio.wait_for(replies.get(), ANSWER_TIMEOUT)
                    await self._answered("webchat", sent, time.monotonic() - started)
                except asyncio.TimeoutError:
                    await self._answered("webchat", sent, None)
                await asyncio.sleep(random.uniform(0.5, 2.0))
        finally:
            await client.disconnect()


# ---- the day ----

def arrivals(rng: random.Random, people: list[Resident]) -> list[tuple[float, Resident, str]]:
    """When each resident arrives and on which channel, so that each hour holds its share of messages."""
    mean_messages = statistics.mean(len(person.messages) for person in people)
    plan: list[tuple[float, Resident, str]] = []
    pool = iter(people)
    for hour, share in enumerate(HOURLY):
        count = round(DAILY_MESSAGES * share / 100 / SCALE / mean_messages)
        for _ in range(count):
            channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
            plan.append(((hour + rng.random()) * HOUR_SECONDS, next(pool), channel))
    return sorted(plan, key=lambda item: item[0])


def wechat_openid(person: Resident) -> str:
    return f"o{person.sender}"


def telegram_chat(number: int) -> int:
    return 7_000_000 + number


def returning_conversations(plan: list[tuple[float, Resident, str]]) -> list[str]:
    """The conversation ids of returning residents on WeChat and Telegram (a web chat session is new)."""
    ids = []
    for number, (_, person, channel) in enumerate(plan):
        if person.returning and channel == "wechat":
            ids.append(wechat_openid(person))
        elif person.returning and channel == "telegram":
            ids.append(str(telegram_chat(number)))
    return ids


def rasa_rss_mib(stack: Stack) -> float:
    assert stack.processes is not None
    status = Path(f"/proc/{stack.processes.running['rasa'].pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024


async def sample_memory(stack: Stack, redis_url: str, run: Run, stop: asyncio.Event) -> None:
    client = redis.Redis.from_url(redis_url)
    while not stop.is_set():
        used = int(client.info("memory")["used_memory"]) / 2**20
        run.memory.append((run.now(), used, rasa_rss_mib(stack)))
        try:
            await asyncio.wait_for(stop.wait(), 5)
        except asyncio.TimeoutError:
            pass
    client.close()


async def play_day(stack: Stack, redis_url: str, channels: Channels, plan: list[tuple[float, Resident, str]],
                   run: Run) -> None:
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(stack, redis_url, run, stop))
    tasks = []
    next_report = HOUR_SECONDS
    for number, (at, person, channel) in enumerate(plan):
        await asyncio.sleep(max(0.0, at - run.now()))
        if run.now() >= next_report:
            answered = seconds_of(run.answers)
            log(f"  hour {int(next_report // HOUR_SECONDS):02d}: {len(run.answers)} messages answered so far, "
                f"median {statistics.median(answered) * 1000 if answered else 0:.0f} ms, {len(run.errors)} errors")
            next_report += HOUR_SECONDS
        tasks.append(asyncio.create_task(channels.converse(person, channel, number)))
    await asyncio.gather(*tasks)
    stop.set()
    await sampler
    await channels.http.aclose()




# ---- the report ----

def hourly(run: Run) -> list[tuple[int, int, float, float]]:
    """(hour, messages, median ms, p95 ms) of the answered messages sent in each compressed hour."""
    rows = []
    for hour in range(len(HOURLY)):
        times = sorted(seconds_of([a for a in run.answers if hour <= a.sent / HOUR_SECONDS < hour + 1]))
        if times:
            rows.append((hour, len(times), statistics.median(times) * 1000,
                         times[min(len(times) - 1, int(0.95 * (len(times) - 1)))] * 1000))
    return rows


def chart(run: Run, rows: list[tuple[int, int, float, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency, memory) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
    hours = [hour + 0.5 for hour, *_ in rows]
    latency.bar(hours, [count / HOUR_SECONDS for _, count, _, _ in rows], width=0.8, color="#dbe7f3")
    latency.set_ylabel("messages / s (bars)")
    turns = latency.twinx()
    turns.plot(hours, [median for *_, median, _ in rows], "o-", color="#1f77b4", label="median")
    turns.plot(hours, [p95 for *_, p95 in rows], "s--", color="#d62728", label="p95")
    turns.set_ylabel("answer latency (ms)")
    turns.set_ylim(bottom=0)
    turns.legend(loc="upper left")
    latency.set_title(f"A compressed day: 1/{SCALE} of Beijing's 520,000 messages, one hour = {HOUR_SECONDS:.0f} s")
    memory.plot([t / HOUR_SECONDS for t, _, _ in run.memory], [m for _, m, _ in run.memory], color="#2ca02c",
                label="Redis used_memory (MiB)")
    memory.plot([t / HOUR_SECONDS for t, _, _ in run.memory], [r for _, _, r in run.memory], color="#9467bd",
                label="Rasa server RSS (MiB)")
    memory.set_ylabel("MiB")
    memory.set_xlabel("hour of the compressed day")
    memory.set_ylim(bottom=0)
    memory.legend(loc="center right")
    memory.set_xticks(range(0, 25, 3))
    memory.set_xlim(0, max(24.5, run.memory[-1][0] / HOUR_SECONDS))
    figure.tight_layout()
    figure.savefig(CHART, dpi=110)


def seconds_of(answers: list[Answer]) -> list[float]:
    """The latencies of the answered ones."""
    return [answer.seconds for answer in answers if answer.seconds is not None]


def report(run: Run, rows: list[tuple[int, int, float, float]], seconds: float) -> str:
    lost = len(run.answers) - len(seconds_of(run.answers))
    start = seconds_of([a for a in run.answers if a.sent < 2 * HOUR_SECONDS])
    end = seconds_of([a for a in run.answers if a.sent >= (len(HOURLY) - 2) * HOUR_SECONDS])
    start_ms, end_ms = statistics.median(start) * 1000, statistics.median(end) * 1000
    before, after = run.probes["before"], run.probes["after"]
    drift = after.pct(0.5) / before.pct(0.5) - 1
    by_channel = {name: seconds_of([a for a in run.answers if a.channel == name]) for name, _ in CHANNELS}
    lines = ["## A compressed day through the real stack (bench/bench_day.py)", "",
             f"1/{SCALE} of Beijing's 520,000 daily messages ({len(run.answers)} sent), a day compressed into 24 "
             f"hours of {HOUR_SECONDS:.0f} s on an assumed hotline curve, the stack as `make run` starts it (Redis "
             "with make run's maxmemory and policy), WeChat (fake WeChat API, safe mode), Telegram (fake Bot API) "
             "and the web chat (socket.io). Chart: docs/day.png.", "",
             "| | messages | median ms | p95 ms |", "|---|---|---|---|"]
    for name, times in by_channel.items():
        if times:
            ordered = sorted(times)
            lines.append(f"| {name} | {len(times)} | {statistics.median(ordered) * 1000:.0f} | "
                         f"{ordered[int(0.95 * (len(ordered) - 1))] * 1000:.0f} |")
    peak = max(rows, key=lambda row: row[1])
    lines += ["", f"- errors: {len(run.errors)}; messages without an answer: {lost} (goal: 0 and 0)",
              f"- the probe ({PROBE_RESIDENTS} residents' scripts, one conversation at a time, REST), just before "
              f"the day: median {before.pct(0.5):.1f} ms, p95 {before.pct(0.95):.1f} ms; just after it: median "
              f"{after.pct(0.5):.1f} ms, p95 {after.pct(0.95):.1f} ms: {drift:+.1%} "
              f"({'met' if drift <= 0.10 else 'not met'}: goal at most 10% slower; probe errors "
              f"{before.errors + after.errors})",
              f"- median answer in the first two compressed hours {start_ms:.0f} ms ({len(start)} messages), in the "
              f"last two {end_ms:.0f} ms ({len(end)} messages; more traffic, so not the same load)",
              f"- busiest hour {peak[0]:02d}:00: {peak[1] / HOUR_SECONDS:.1f} messages/s, median {peak[2]:.0f} ms, "
              f"p95 {peak[3]:.0f} ms",
              f"- Redis used_memory {run.memory[0][1]:.1f} MiB at the start, {run.memory[-1][1]:.1f} MiB at the end; "
              f"Rasa server RSS {run.memory[0][2]:.0f} -> {run.memory[-1][2]:.0f} MiB"]
    if run.errors:
        lines.append(f"- first errors: {'; '.join(run.errors[:3])}")
    lines += ["", f"Run {time.strftime('%Y-%m-%d')}, {seconds:.0f} s in all, {os.cpu_count()} cores."]
    return "\n".join(lines)


def probe(stack: Stack, when: str) -> Latencies:
    """The probe's scripts (the same each time, new senders), one conversation at a time."""
    turns = asyncio.run(drive(stack.rasa_url, residents(PROBE_RESIDENTS, f"day-probe-{when}-{os.getpid()}"), 1))
    log(f"probe ({when}): {turns.text()}")
    return turns


def main() -> int:
    started = time.monotonic()
    rng = random.Random(2026)
    random.seed(2026)
    people = residents(4000, f"day-{os.getpid()}", seed=2026)
    plan = arrivals(rng, people)
    log(f"{len(plan)} residents over a day of {len(HOURLY) * HOUR_SECONDS / 60:.0f} minutes")
    with tempfile.TemporaryDirectory(prefix="bench-day-") as folder, make_run_redis("bench-day-redis-") as redis_url, \
            FakeWeChat().running() as wechat, FakeTelegram().running() as telegram:
        rasa_port = free_port()
        # The probe's one REST key stands for many integrations; its own limit would measure itself.
        platforms = {"REST_KEY_PER_MINUTE": "1000000", "REST_KEY_BURST": "100000",
                     **WECHAT, "WECHAT_API_BASE_URL": wechat.url, "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
                     "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET, "TELEGRAM_API_BASE_URL": telegram.url,
                     "TELEGRAM_PUBLIC_URL": f"http://127.0.0.1:{rasa_port}"}
        os.environ.pop("TELEGRAM_WEBHOOK_URL", None)  # the webhook is set from TELEGRAM_PUBLIC_URL
        with running_stack(model_path(), log_dir=Path(folder) / "log", redis_url=redis_url, rasa_port=rasa_port,
                           database_url=f"sqlite:///{Path(folder) / 'hotline.db'}", env=platforms) as stack:
            log("returning residents: writing their histories...")
            seed_returning(redis_url, returning_conversations(plan), template_history(stack.rasa_url))
            log("warming up (the day before left the stack warm)...")
            asyncio.run(drive(stack.rasa_url, residents(12, f"day-warm-{os.getpid()}"), 3))
            run = Run()
            probe(stack, "warming")  # the first pass warms what the short warm-up did not; not counted
            run.probes["before"] = probe(stack, "before")
            run.began = time.monotonic()
            channels = Channels(stack, wechat, telegram, run)
            asyncio.run(play_day(stack, redis_url, channels, plan, run))
            run.probes["after"] = probe(stack, "after")
    rows = hourly(run)
    chart(run, rows)
    text = report(run, rows, time.monotonic() - started)
    print(text)
    write_section("day", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
