"""What the defences of issue 13 cost: the same loads on the tree before them and on this one.

Run: ``make bench`` (or ``.venv-services/bin/python -m bench.bench_security_cost``).

The tree before the defences (``BASELINE_COMMIT``) is checked out as a git worktree beside this
one, sharing the virtual environments, and trains its own model. Each tree's whole stack
(backend, action server, outbox worker, notifier, translation worker, Rasa with Redis stores)
is started by that tree's own ``tools.stack.running_stack``, as ``make run`` does, with a fresh
Redis and SQLite database. The two are measured in alternation, ``ROUNDS`` times each, so that
drift of this shared machine falls on both alike; the report gives each round and the medians.

- Turns: ``CONVERSATIONS`` REST conversations (bench_assistant's zh/en/ja scripts, six turns each),
  ``CONCURRENCY`` at a time. On this tree every turn carries the REST key and passes the message
  gate (identity shape, text cap, per-conversation admission and rate in Redis), the action
  server checks its token, the backend checks ownership.
- Open311: ``POSTS`` service requests from ``CONCURRENCY`` clients. On this tree each passes the
  per-address and per-key limits in Redis, the deep-JSON guard and the emergency merge check.

One client process and one REST key stand for residents at many addresses, so the per-address and
per-key limits are set high enough not to refuse (their check still runs on every request); everything else is the
``make run`` configuration.
"""

import asyncio
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from contextlib import AbstractContextManager
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

from bench.baseline import baseline_tree as shared_baseline_tree
from bench.baseline import log, remove_tree
from bench.baseline import stack_of as shared_stack_of
from bench.bench_assistant import CONVERSATIONS
from bench.load import Result, load
from bench.report import write_section
from bot.taxonomy import load_taxonomy
from hotline.config import DEV_API_KEY
from tests.doubles.samples import required_answers

ROOT = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = os.environ.get("BENCH_BASELINE_COMMIT", "746779c")  # the tree before issue 13
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONVERSATIONS_PER_ROUND = int(os.environ.get("BENCH_CONVERSATIONS", "60"))
POSTS = int(os.environ.get("BENCH_POSTS", "1000"))
CONCURRENCY = 10
REST_KEY = "dev-rest-key"
FAILURES: Counter[str] = Counter()  # what each error was, for the report
GENEROUS_ADDRESS_LIMITS = {"REST_KEY_PER_MINUTE": "1000000", "REST_KEY_BURST": "100000",
                           "HOTLINE_ADDRESS_RATE_PER_MINUTE": "1000000", "HOTLINE_KEY_RATE_PER_MINUTE": "1000000"}


def baseline_tree(folder: Path) -> Path:
    return shared_baseline_tree(folder, BASELINE_COMMIT)


def stack_of(tree: Path, workdir: Path) -> AbstractContextManager[dict[str, str]]:
    return shared_stack_of(tree, workdir, GENEROUS_ADDRESS_LIMITS)


async def turns(rasa_url: str, label: str) -> Result:
    scripts = list(CONVERSATIONS.values())
    run = uuid.uuid4().hex[:6]
    headers = {"Authorization": f"Bearer {REST_KEY}"}  # the tree before ignores it
    async with httpx.AsyncClient(base_url=rasa_url, timeout=120,
                                 limits=httpx.Limits(max_connections=CONCURRENCY + 2)) as client:
        async def conversation(n: int) -> bool:
            ok = True
            for text, _ in scripts[n % len(scripts)]:
                answer = await client.post("/webhooks/rest/webhook", headers=headers,
                                           json={"sender": f"cost-{run}-{n}", "message": text})
                good = answer.status_code == 200 and bool(answer.json())
                if not good:
                    FAILURES[f"turn {text!r}: HTTP {answer.status_code} {answer.text[:80]}"] += 1
                ok = ok and good
            return ok

        await load(f"{label} warm-up", 6, conversation, concurrency=3)
        result = await load(label, CONVERSATIONS_PER_ROUND, conversation, concurrency=CONCURRENCY)
    turns_per_conversation = len(scripts[0])
    result.count *= turns_per_conversation  # a rate of turns; latencies stay per conversation
    return result


async def posts(backend_url: str, label: str) -> Result:
    categories = load_taxonomy().leaves
    run = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=backend_url, timeout=60,
                                 limits=httpx.Limits(max_connections=CONCURRENCY)) as client:
        async def post(n: int) -> bool:
            category = categories[n % len(categories)]
            response = await client.post("/open311/v2/requests.json", data={
                **required_answers(category), "api_key": DEV_API_KEY, "service_code": category.code,
                "description": "小区门口路灯坏了一个星期，晚上很黑",
                "address_string": "北京市朝阳区三里屯街道工体北路8号",
                "channel": "webchat", "channel_user_id": f"cost-{run}-{n}",
            }, headers={"Idempotency-Key": f"cost-{run}-{n}"})
            if response.status_code not in (200, 201):
                FAILURES[f"POST {category.code}: HTTP {response.status_code} {response.text[:80]}"] += 1
            return response.status_code in (200, 201)

        await load(f"{label} warm-up", 50, post, concurrency=CONCURRENCY)
        return await load(label, POSTS, post, concurrency=CONCURRENCY)


def measure(tree: Path, workdir: Path, name: str) -> tuple[Result, Result]:
    log(f"[{name}] starting the whole stack")
    with stack_of(tree, workdir) as urls:
        turn = asyncio.run(turns(urls["rasa"], f"{name}: turns"))
        post = asyncio.run(posts(urls["backend"], f"{name}: Open311 POST"))
    log(f"[{name}] {turn.rate:.1f} turns/s, {post.rate:.0f} POSTs/s ({turn.errors + post.errors} errors)")
    return turn, post


def change(new: float, old: float) -> str:
    return f"{(new - old) / old * 100:+.1f}%"


def report(rounds: dict[str, list[tuple[Result, Result]]]) -> str:
    lines = ["| round | tree | turns/s | conversation p50 ms | conversation p95 ms | Open311 POST/s | POST p95 ms "
             "| errors |", "|---|---|---|---|---|---|---|---|"]
    for index in range(ROUNDS):
        for name in ("before", "now"):
            turn, post = rounds[name][index]
            lines.append(f"| {index + 1} | {name} | {turn.rate:.1f} | {statistics.median(turn.latencies_ms):.0f} "
                         f"| {turn.percentile(95):.0f} | {post.rate:.0f} | {post.percentile(95):.1f} "
                         f"| {turn.errors + post.errors} |")
    if FAILURES:
        lines += ["", "Errors: " + "; ".join(f"{what} (x{n})" for what, n in FAILURES.most_common(10)) + "."]
    median_turns = {n: statistics.median(t.rate for t, _ in rounds[n]) for n in rounds}
    median_posts = {n: statistics.median(p.rate for _, p in rounds[n]) for n in rounds}
    lines += ["", f"Medians: turns {median_turns['before']:.1f} before, {median_turns['now']:.1f} now "
              f"({change(median_turns['now'], median_turns['before'])}); Open311 POST {median_posts['before']:.0f} "
              f"before, {median_posts['now']:.0f} now ({change(median_posts['now'], median_posts['before'])})."]
    return "\n".join(lines)


def main() -> int:
    with TemporaryDirectory(prefix="bench-security-") as folder:
        workdir = Path(folder)
        tree = baseline_tree(workdir)
        try:
            rounds: dict[str, list[tuple[Result, Result]]] = {"before": [], "now": []}
            for _ in range(ROUNDS):
                rounds["before"].append(measure(tree, workdir, "before"))
                rounds["now"].append(measure(ROOT, workdir, "now"))
        finally:
            remove_tree(tree)
    text = report(rounds)
    print(text)
    write_section("security-cost", "\n".join([
        "## What the defences cost (bench/bench_security_cost.py)",
        "",
        f"The whole stack as `make run` starts it (Redis stores), before issue 13 ({BASELINE_COMMIT}) and now, "
        f"measured in alternation on this machine ({os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}), "
        f"{ROUNDS} rounds each. Turns: {CONVERSATIONS_PER_ROUND} REST conversations of six turns, {CONCURRENCY} "
        f"at a time. Open311: {POSTS} POSTs from {CONCURRENCY} clients. Per-address and per-key limits are set "
        "high enough not to refuse one benchmark client (their checks still run).",
        "",
        text,
    ]))
    errors = sum(t.errors + p.errors for results in rounds.values() for t, p in results)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
