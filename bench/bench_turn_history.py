"""One resident's turn latency against the length of their history (issue 15), on the tree before the
session store and on this one, each tree's whole stack as `make run` starts it (Redis tracker and lock
stores), in the same run.

Run: ``make bench`` (or ``.venv-services/bin/python -m bench.bench_turn_history``).

A real conversation of a few turns (greeting, policy questions, thanks, an appeal begun and cancelled)
is run first; its turns, repeated, make the histories: 1, 100, 500 and 2,000 turns in one session, and
100 sessions of 20 turns. Each history is written by the tree's own tracker store class (from its
endpoints.yml, in its runtime) as the conversation's past, with recent timestamps, and then read and
saved once as a turn would. Each resident then asks policy questions through the REST channel:
``WARM_UP`` turns to warm up, ``MEASURED`` timed (wall clock of the webhook's answer), the residents
taking turns (one question each, round after round) so that drift in the machine's speed is shared.
Reported: median and p90 per history and the ratio to the 1-turn history; the stored size of the
conversation in Redis. Writes the "turn-history" section of docs/benchmarks.md.
"""

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from urllib.parse import quote

import httpx
import redis

from bench.baseline import baseline_tree, log, remove_tree, stack_of
from bench.report import write_section
from bot.rasa_jwt import DEV_RASA_JWT_SECRET, admin_token
from channels.kit.notices import slow_down_notice

ROOT = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = os.environ.get("BENCH_BASELINE_COMMIT", "8a98bf1")  # the tree before the session store
REST_KEY = "dev-rest-key"
# Histories: (label, sessions, turns per session).
HISTORIES = [("1 turn", 1, 1), ("100 turns", 1, 100), ("500 turns", 1, 500), ("2,000 turns", 1, 2000),
             ("100th session (20 turns each)", 100, 20)]
WARM_UP, MEASURED = 3, 21
# One resident's 24 quick turns pass the message gate's per-conversation limit (10 at once, then 30 a
# minute): the gate answers a refusal in a millisecond, which is not a turn. Measured here: the turn.
GATE_ENV = {"CHAT_SENDER_PER_MINUTE": "6000", "CHAT_SENDER_BURST": "1000"}
TEMPLATE = ["hello", "how do I extend my visa?", "how can I withdraw my housing fund?", "thanks",
            "The street light outside my building has been broken for a week", "cancel", "yes",
            "what do I need for a residence permit?"]
QUESTIONS = ["how do I extend my visa?", "how can I withdraw my housing fund?",
             "what do I need for a residence permit?", "how do I register my e-bike?"]
# Written in the tree's assistant runtime: the history through the tree's own tracker store class.
SEED_SCRIPT = r"""
import asyncio, json, sys
from rasa.core.tracker_store import create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config
spec = json.load(sys.stdin)
domain = Domain.load("domain.yml")
store = create_tracker_store(read_endpoint_config("endpoints.yml", "tracker_store"), domain)
async def seed():
    tracker = DialogueStateTracker.from_dict(spec["sender"], spec["events"], domain.slots)
    await store.save(tracker)
    again = await store.retrieve(spec["sender"])  # read and saved once, as a turn would
    await store.save(again)
asyncio.run(seed())
"""


def say(client: httpx.Client, urls: dict[str, str], sender: str, text: str) -> float:
    started = time.perf_counter()
    answer = client.post(f"{urls['rasa']}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                         headers={"Authorization": f"Bearer {REST_KEY}"})
    answer.raise_for_status()
    elapsed = time.perf_counter() - started
    if any(slow_down_notice(text) == message.get("text") for message in answer.json()):
        raise RuntimeError("the message gate refused a turn: the bench would time the refusal (GATE_ENV)")
    return elapsed


Events = list[dict[str, Any]]


def template_turns(client: httpx.Client, urls: dict[str, str]) -> tuple[Events, list[Events]]:
    """A real conversation's session start and its turns (events from each user message to the next)."""
    sender = f"template-{uuid.uuid4().hex[:6]}"
    for text in TEMPLATE:
        say(client, urls, sender, text)
    token = admin_token(DEV_RASA_JWT_SECRET, subject="bench")
    conversation = quote(f"rest:dev:{sender}", safe=":@")
    events = client.get(f"{urls['rasa']}/conversations/{conversation}/tracker",
                        headers={"Authorization": f"Bearer {token}"}).json()["events"]
    first_user = next(i for i, e in enumerate(events) if e["event"] == "user")
    start = [e for e in events[:first_user] if e["event"] in ("action", "session_started")
             and e.get("name") in (None, "action_session_start", "action_listen")]
    turns: list[Events] = []
    for event in events[first_user:]:
        if event["event"] == "user":
            turns.append([])
        turns[-1].append(event)
    return start, turns


def history(start: list[dict[str, Any]], turns: list[list[dict[str, Any]]], sessions: int,
            per_session: int) -> list[dict[str, Any]]:
    """``sessions`` sessions of ``per_session`` template turns, timestamps ending a few seconds ago."""
    events: list[dict[str, Any]] = []
    for _ in range(sessions):
        events += [dict(e) for e in start]
        for number in range(per_session):
            events += [dict(e) for e in turns[number % len(turns)]]
    now = time.time() - 5
    for index, event in enumerate(events):
        event["timestamp"] = now - (len(events) - index) * 0.001
    return events


def seed(tree: Path, redis_url: str, sender: str, events: list[dict[str, Any]]) -> None:
    parts = redis_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    env = {**os.environ, "PYTHONPATH": str(tree), "REDIS_HOST": parts[0], "REDIS_PORT": parts[1], "REDIS_DB": "0",
           "REDIS_PASSWORD": "", "TRACKER_RETENTION_DAYS": "90", "ACTION_SERVER_URL": "http://127.0.0.1:1/webhook",
           "ACTION_SERVER_TOKEN": "unused-here-0123456789ab"}
    subprocess.run([str(ROOT / ".venv-assistant" / "bin" / "python"), "-c", SEED_SCRIPT], cwd=tree, env=env,
                   input=json.dumps({"sender": f"rest:dev:{sender}", "events": events}), text=True, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stored_bytes(redis_url: str, sender: str) -> int:
    client = redis.Redis.from_url(redis_url)
    try:
        return sum(int(client.memory_usage(key) or 0) for key in client.scan_iter(match=f"*rest:dev:{sender}*"))
    finally:
        client.close()


def measure(tree: Path, label: str, workdir: Path) -> dict[str, dict[str, float]]:
    """Every history seeded first, then their turns taken in turn (one turn of each history, round after
    round), so a machine whose speed drifts during the run slows every history alike."""
    results: dict[str, dict[str, float]] = {}
    with stack_of(tree, workdir, GATE_ENV) as urls, httpx.Client(timeout=120, trust_env=False) as client:
        start, turns = template_turns(client, urls)
        log(f"[{label}] template: {len(turns)} turns, {sum(map(len, turns))} events")
        senders = {}
        for name, sessions, per_session in HISTORIES:
            senders[name] = f"history-{uuid.uuid4().hex[:8]}"
            seed(tree, urls["redis"], senders[name], history(start, turns, sessions, per_session))
        times: dict[str, list[float]] = {name: [] for name in senders}
        for turn in range(WARM_UP + MEASURED):
            for name, sender in senders.items():
                times[name].append(say(client, urls, sender, QUESTIONS[turn % len(QUESTIONS)]))
        for name, sender in senders.items():
            timed = sorted(times[name][WARM_UP:])
            results[name] = {"median": statistics.median(timed) * 1000,
                             "p90": timed[int(0.9 * (len(timed) - 1))] * 1000,
                             "kib": stored_bytes(urls["redis"], sender) / 1024}
            log(f"[{label}] {name}: median {results[name]['median']:.0f} ms, p90 {results[name]['p90']:.0f} ms, "
                f"{results[name]['kib']:.0f} KiB in Redis")
    return results


def report(before: dict[str, dict[str, float]], now: dict[str, dict[str, float]], seconds: float) -> str:
    lines = ["## Turn latency against a resident's history (bench/bench_turn_history.py)", "",
             f"One resident's history written by each tree's own tracker store (the tree before the session store, "
             f"{BASELINE_COMMIT}: Rasa's whole-value Redis store and Rasa's Redis lock store; this tree: "
             "assistant/session_store.py and assistant/lock_store.py), then policy questions through the REST "
             f"channel of the whole stack as `make run` starts it: {WARM_UP} turns to warm up, {MEASURED} timed, "
             "the histories' residents taking turns. "
             "Histories are the turns of a real 8-turn conversation repeated; \"ratio\" is the median against the "
             "1-turn history of the same tree.", "",
             "| history | before: median / p90 ms | ratio | stored KiB | now: median / p90 ms | ratio | stored KiB |",
             "|---|---|---|---|---|---|---|"]
    for name, *_ in HISTORIES:
        b, n = before[name], now[name]
        lines.append(f"| {name} | {b['median']:.0f} / {b['p90']:.0f} | {b['median'] / before['1 turn']['median']:.2f} "
                     f"| {b['kib']:.0f} | {n['median']:.0f} / {n['p90']:.0f} "
                     f"| {n['median'] / now['1 turn']['median']:.2f} | {n['kib']:.0f} |")
    lines += ["", f"Run {time.strftime('%Y-%m-%d')}, {seconds:.0f} s in all, {os.cpu_count()} cores."]
    return "\n".join(lines)


def main() -> int:
    started = time.monotonic()
    with TemporaryDirectory(prefix="bench-history-") as folder:
        workdir = Path(folder)
        tree = baseline_tree(workdir, BASELINE_COMMIT)
        try:
            before = measure(tree, "before", workdir)
        finally:
            remove_tree(tree)
        now = measure(ROOT, "now", workdir)
    text = report(before, now, time.monotonic() - started)
    print(text)
    write_section("turn-history", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
