"""The deployed configuration under load, against Rasa's default config deployed the same way, and one
copy of the stack against two behind HAProxy, in one run (issue 15).

Run: ``make bench`` (or ``.venv-assistant/bin/python -m bench.bench_deployed``; the first run trains
Rasa's default config, about 25 minutes, cached in var/bench/ afterwards: bench/default_model.py).

Every stack is what ``make run`` starts (tools/stack.py): backend on SQLite, action server, outbox
worker, notifier, translation worker and Rasa with endpoints.yml (Redis tracker and lock stores),
each on its own fresh Redis. Only the model differs between "default" and "ours": Rasa 3.6's
``default_config.yml`` pipeline and policies trained on our data, or our config.yml.

The load is bench/traffic.py's mix (policy questions, appeals filed through the whole form, status
checks; zh/en/ja; one resident in five returning with a 500-turn history) at 1, 10 and 50
conversations at a time, through the REST channel. Reported per configuration: turns/s, p50 and p95
of a turn, errors, and the Rasa servers' CPU time per turn (utime + stime from /proc). Two instances
run the same mix at 10 and 50 conversations; on 2 cores they cannot be faster in wall-clock time,
so their CPU per turn against one instance's is what predicts scaling.

The stacks compared are up at the same time and driven in turn, round after round (default, ours,
default, ours, ...; each round a different half of the residents), after a warm-up of each: a
machine whose speed drifts during the run (other tenants of the host) then slows both alike,
where running one configuration after the other would charge the drift to one of them.
Writes the "deployed" section of docs/benchmarks.md.
"""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.load import Latencies
from bench.report import write_section
from bench.traffic import Resident, drive, residents, rest_conversations, seed_returning, template_history
from tests.doubles.local_servers import redis_server
from tools.stack import Stack, running_stack
from tools.train_model import model_path

ROOT = Path(__file__).resolve().parent.parent
ASSISTANT_PY = ROOT / ".venv-assistant" / "bin" / "python"
LEVELS = [(1, 30), (10, 150), (50, 300)]  # (conversations at a time, residents)
INSTANCE_LEVELS = [(10, 150), (50, 300)]
WARM_UP_RESIDENTS = 30  # at 10 at a time: caches, connections and allocator settle before timing
ROUNDS = 2  # each level's residents split into this many rounds, the configurations taking turns
GOAL_RATIO, GOAL_P95_MS = 3.0, 150.0
# One REST key stands for many integrations here; its own limit would measure itself.
LOAD_ENV = {"REST_KEY_PER_MINUTE": "1000000", "REST_KEY_BURST": "100000"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CPU_KINDS = ["rasa", "actions", "backend", "outbox-worker", "notifier", "translation-worker", "load-balancer", "client"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Level:
    config: str
    instances: int
    concurrency: int
    turns: Latencies
    cpu_seconds: float
    cpu_split: dict[str, float]  # seconds of CPU per kind of process during the level

    @property
    def cpu_ms_per_turn(self) -> float:
        return self.cpu_seconds * 1000 / len(self.turns.seconds) if self.turns.seconds else float("nan")


def default_model() -> Path:
    """Rasa's default config trained on our data (trained once, then cached: bench/default_model.py)."""
    result = subprocess.run([str(ASSISTANT_PY), "-m", "bench.default_model"], cwd=ROOT, check=True, text=True,
                            capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return Path(result.stdout.strip().splitlines()[-1])


def cpu_by_process(stack: Stack) -> dict[str, float]:
    """utime + stime (seconds) of each kind of process of the stack ("rasa", "actions", "backend", ...),
    copies summed, and of this process (the load generator, "client")."""
    assert stack.processes is not None
    totals: dict[str, float] = {}
    pids = [(name, process.pid) for name, process in stack.processes.running.items()] + [("client", os.getpid())]
    for name, pid in pids:
        kind = name.rsplit("-", 1)[0] if name[-1].isdigit() else name
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        totals[kind] = totals.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return totals



@contextmanager
def deployed(model: Path, workdir: Path, label: str, instances: int = 1) -> Iterator[tuple[Stack, str]]:
    with redis_server() as redis_url, running_stack(
            model, log_dir=workdir / f"{label}-logs", redis_url=redis_url,
            database_url=f"sqlite:///{workdir / (label + '-hotline.db')}", instances=instances, env=LOAD_ENV) as stack:
        yield stack, redis_url


Deployed = tuple[Stack, str]  # a running stack and its Redis URL


def measure(deployments: dict[tuple[str, int], Deployed], levels: list[tuple[int, int]], run_id: str) -> list[Level]:
    """Each level for every (config, instances) deployment, the deployments taking turns round by round."""
    for (config, instances), (stack, _) in deployments.items():
        warm = residents(WARM_UP_RESIDENTS, f"{run_id}-warm-{config}-{instances}")
        asyncio.run(drive(stack.rasa_url, warm, 10))
    histories = {key: template_history(stack.rasa_url) for key, (stack, _) in deployments.items()}
    results = []
    for concurrency, count in levels:
        totals: dict[tuple[str, int], tuple[Latencies, dict[str, float]]] = {
            key: (Latencies(), {}) for key in deployments}
        for round_number in range(ROUNDS):
            for key, (stack, redis_url) in deployments.items():
                people: list[Resident] = residents(count // ROUNDS, f"{run_id}-{key[0]}-{key[1]}-{concurrency}-"
                                                                    f"{round_number}")
                seed_returning(redis_url, rest_conversations(people), histories[key])
                before = cpu_by_process(stack)
                turns = asyncio.run(drive(stack.rasa_url, people, concurrency))
                after = cpu_by_process(stack)
                latencies, split = totals[key]
                latencies.add(turns)
                for kind in after:
                    split[kind] = split.get(kind, 0.0) + after[kind] - before.get(kind, 0.0)
        for (config, instances), (turns, split) in totals.items():
            level = Level(config, instances, concurrency, turns, split.get("rasa", 0.0), split)
            log(f"[{config}, {instances} instance(s)] {concurrency} at a time: {turns.text()}, "
                f"Rasa CPU {level.cpu_ms_per_turn:.1f} ms/turn")
            results.append(level)
    return results


def find(levels: list[Level], config: str, instances: int, concurrency: int) -> Level:
    return next(level for level in levels
                if (level.config, level.instances, level.concurrency) == (config, instances, concurrency))


def report(versus_default: list[Level], versus_two: list[Level], seconds: float) -> str:

    lines = ["## The deployed configuration under load (bench/bench_deployed.py)", "",
             "Both configurations deployed as `make run` deploys them (Redis tracker and lock stores, backend, "
             "action server and every worker); \"default\" is Rasa 3.6's default_config.yml trained on our data. "
             "Load: bench/traffic.py's mix (policy questions 50%, appeals filed through the form 30%, status 20%; "
             "zh 70%, en 20%, ja 10%; 20% returning residents with a 500-turn history) through the REST channel.",
             "", "| conversations at a time | default: turns/s | p50 / p95 ms | Rasa CPU ms/turn "
             "| ours: turns/s | p50 / p95 ms | Rasa CPU ms/turn | turns/s ours / default |",
             "|---|---|---|---|---|---|---|---|"]
    for concurrency, _ in LEVELS:
        d, o = find(versus_default, "default", 1, concurrency), find(versus_default, "ours", 1, concurrency)
        lines.append(
            f"| {concurrency} | {d.turns.rate:.1f} | {d.turns.pct(0.5):.0f} / {d.turns.pct(0.95):.0f} "
            f"| {d.cpu_ms_per_turn:.1f} | {o.turns.rate:.1f} | {o.turns.pct(0.5):.0f} / "
            f"{o.turns.pct(0.95):.0f} | {o.cpu_ms_per_turn:.1f} | {o.turns.rate / d.turns.rate:.2f}x |")
    errors = sum(level.turns.errors for level in versus_default + versus_two)
    ten_d, ten_o = find(versus_default, "default", 1, 10), find(versus_default, "ours", 1, 10)
    ratio, p95 = ten_o.turns.rate / ten_d.turns.rate, ten_o.turns.pct(0.95)
    lines += ["", f"Goal at 10 conversations: at least {GOAL_RATIO:.0f}x the default's turns/s "
              f"({'met' if ratio >= GOAL_RATIO else 'not met'}: {ratio:.2f}x) and p95 under {GOAL_P95_MS:.0f} ms "
              f"({'met' if p95 < GOAL_P95_MS else 'not met'}: {p95:.0f} ms). Errors in all runs: {errors}.", "",
              "Two instances behind HAProxy against one (ours; each instance a whole copy of the stack's "
              "processes, one Redis and one database; measured in turn with one instance, as above):", "",
              "| conversations at a time | 1 instance: turns/s | p95 ms | Rasa CPU ms/turn | 2 instances: turns/s "
              "| p95 ms | Rasa CPU ms/turn | CPU per turn 2 / 1 | throughput 2 / 1 |",
              "|---|---|---|---|---|---|---|---|---|"]
    for concurrency, _ in INSTANCE_LEVELS:
        one, two = find(versus_two, "ours", 1, concurrency), find(versus_two, "ours", 2, concurrency)
        lines.append(f"| {concurrency} | {one.turns.rate:.1f} | {one.turns.pct(0.95):.0f} | "
                     f"{one.cpu_ms_per_turn:.1f} | {two.turns.rate:.1f} | {two.turns.pct(0.95):.0f} | "
                     f"{two.cpu_ms_per_turn:.1f} | {two.cpu_ms_per_turn / one.cpu_ms_per_turn:.2f} | "
                     f"{two.turns.rate / one.turns.rate:.2f} |")
    lines += ["", "On our 2 cores two instances share the same two CPUs, so their throughput cannot rise; Rasa's CPU "
              "time per turn (goal: at most 1.15x one instance's) is what a second machine would add.", "",
              "Where a turn's CPU goes at 10 conversations (ms of CPU per turn, each kind of process; \"client\" is "
              "this benchmark's own load generator on the same 2 cores):", "",
              "| configuration | " + " | ".join(CPU_KINDS) + " | all |", "|---|" + "---|" * (len(CPU_KINDS) + 1)]
    for config, instances, among in (("default", 1, versus_default), ("ours", 1, versus_default),
                                     ("ours", 2, versus_two)):
        level = find(among, config, instances, 10)
        count = len(level.turns.seconds) or 1
        cells = [f"{level.cpu_split.get(kind, 0.0) * 1000 / count:.1f}" for kind in CPU_KINDS]
        lines.append(f"| {config}, {instances} instance(s) | " + " | ".join(cells)
                     + f" | {sum(level.cpu_split.values()) * 1000 / count:.1f} |")
    lines += ["",
              f"Run {time.strftime('%Y-%m-%d')}, {seconds:.0f} s in all, {os.cpu_count()} cores, load average at the "
              f"end {Path('/proc/loadavg').read_text().split()[0]}."]
    return "\n".join(lines)


def main() -> int:
    started = time.monotonic()
    run_id = uuid.uuid4().hex[:6]
    log("Rasa's default config trained on our data (cached in var/bench/; 25 minutes when it is not)...")
    baseline = default_model()
    ours = model_path()
    with TemporaryDirectory(prefix="bench-deployed-") as folder:
        workdir = Path(folder)
        log("starting Rasa's default config and ours, each as make run does...")
        with deployed(baseline, workdir, "default") as default, deployed(ours, workdir, "ours") as one:
            versus_default = measure({("default", 1): default, ("ours", 1): one}, LEVELS, run_id)
        log("[ours] one instance and two behind HAProxy...")
        with deployed(ours, workdir, "ours-1") as one, deployed(ours, workdir, "ours-2", instances=2) as two:
            versus_two = measure({("ours", 1): one, ("ours", 2): two}, INSTANCE_LEVELS, run_id)
    text = report(versus_default, versus_two, time.monotonic() - started)
    print(text)
    write_section("deployed", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
