"""Closed-loop HTTP load for the benchmarks: a fixed number of concurrent clients, latencies and rate.

Standard library only (and tools.ports), so the scripts of both runtimes share it.
"""

import asyncio
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tools.ports import wait_for_port


@dataclass
class Result:
    label: str
    count: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


@dataclass
class Latencies:
    """Request latencies (seconds) of a run, its wall time, failed and empty answers."""

    seconds: list[float] = field(default_factory=list)
    wall: float = 0.0
    errors: int = 0
    empty: int = 0

    @property
    def rate(self) -> float:
        return len(self.seconds) / self.wall if self.wall else 0.0

    def pct(self, q: float) -> float:
        if not self.seconds:
            return float("nan")
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000

    def add(self, other: "Latencies") -> None:
        """Count another run of the same load as part of this one (its turns, time and failures)."""
        self.seconds += other.seconds
        self.wall += other.wall
        self.errors += other.errors
        self.empty += other.empty

    def text(self) -> str:
        extra = f", {self.errors} errors" if self.errors else ""
        return f"{self.rate:.1f}/s (p50 {self.pct(0.5):.0f} ms, p95 {self.pct(0.95):.0f} ms{extra})"


@contextmanager
def serving(command: list[str], port: int, *, cwd: Path, env: Mapping[str, str], timeout: float = 60) -> Iterator[str]:
    """Run a server process until the block ends; yields its base URL once ``port`` answers."""
    process = subprocess.Popen(command, cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=timeout)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


async def load(label: str, count: int, send: Callable[[int], Awaitable[bool]], *, concurrency: int,
               progress: bool = False) -> Result:
    """Call ``send(n)`` for n in 0..count-1 from ``concurrency`` workers; ``send`` says whether it succeeded."""
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)
    done = 0

    async def worker() -> None:
        nonlocal errors, done
        while not queue.empty():
            n = queue.get_nowait()
            started = time.perf_counter()
            ok = await send(n)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += 0 if ok else 1
            done += 1
            if progress and done % max(1, count // 10) == 0:
                print(f"  {label}: {done}/{count}", flush=True)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(label, count, time.perf_counter() - started, latencies, errors)


def table(results: list[Result], unit: str = "requests") -> str:
    """A markdown table: count, errors, rate, p50/p95/p99 in milliseconds."""
    lines = [f"| what | requests | errors | {unit}/s | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.label} | {r.count} | {r.errors} | {r.rate:.0f} | {statistics.median(r.latencies_ms):.1f} "
                     f"| {r.percentile(95):.1f} | {r.percentile(99):.1f} |")
    return "\n".join(lines)
