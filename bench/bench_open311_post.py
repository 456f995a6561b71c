"""POST /open311/v2/requests throughput and latency on SQLite and PostgreSQL.

Run: ``make bench`` (or ``.venv-services/bin/python -m bench.bench_open311_post``).
The backend runs as its own uvicorn process (one worker); the load comes from this process
with a fixed number of concurrent clients. The baseline in the same run is ``GET /health``
on the same server: the framework's floor, so the gap is our parsing, routing and storage.
Prints a table and writes it to docs/benchmarks.md.
"""

import asyncio
import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
import psycopg

from bench.load import Result, load, serving, table
from bench.report import write_section
from bot.taxonomy import Category, load_taxonomy
from hotline.config import DEV_API_KEY, ROOT
from tests.doubles.local_servers import postgres_server
from tests.doubles.samples import required_answers
from tools.ports import free_port

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
DESCRIPTIONS = ["小区门口路灯坏了一个星期，晚上很黑", "The street light outside building 3 is broken",
                "マンションの前の街灯が壊れています", "楼道里堆满杂物，电动车在楼道充电"]
ADDRESSES = ["北京市朝阳区三里屯街道工体北路8号", "海淀区中关村街道", "Sanlitun, Chaoyang District", "西城区金融街"]


@contextmanager
def backend_server(database_url: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "HOTLINE_PORT": str(port),
           "REDIS_URL": "redis://127.0.0.1:1/0", "PYTHONPATH": str(ROOT)}
    with serving([sys.executable, "-m", "uvicorn", "--factory", "hotline.app:app_from_env", "--port", str(port),
                  "--log-level", "warning", "--no-access-log"], port, cwd=ROOT, env=env) as url:
        yield url


async def measure(base_url: str, database: str, categories: list[Category]) -> list[Result]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        async def health(_: int) -> bool:
            return (await client.get("/health")).status_code == 200

        async def post(n: int) -> bool:
            category = categories[n % len(categories)]
            response = await client.post("/open311/v2/requests.json", data={
                **required_answers(category), "api_key": DEV_API_KEY, "service_code": category.code,
                "description": DESCRIPTIONS[n % len(DESCRIPTIONS)], "address_string": ADDRESSES[n % len(ADDRESSES)],
                "channel": "webchat", "channel_user_id": f"bench-{n % 500}",
            }, headers={"Idempotency-Key": f"bench-{database}-{n}"})
            return response.status_code == 201

        await load(f"{database} warm-up", 100, health, concurrency=CONCURRENCY, progress=True)
        baseline = await load(f"{database} GET /health", REQUESTS, health, concurrency=CONCURRENCY, progress=True)
        posts = await load(f"{database} POST requests.json", REQUESTS, post, concurrency=CONCURRENCY, progress=True)
    baseline.label, posts.label = f"{database}: GET /health (baseline)", f"{database}: POST /requests.json"
    return [baseline, posts]


def main() -> int:
    codes = load_taxonomy().leaves
    results: list[Result] = []
    with TemporaryDirectory() as folder:
        print("SQLite: starting the backend", flush=True)
        with backend_server(f"sqlite:///{Path(folder) / 'bench.db'}") as url:
            results += asyncio.run(measure(url, "SQLite", codes))
    print("PostgreSQL: starting a throwaway cluster and the backend", flush=True)
    with postgres_server() as server_url:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE hotline_bench")
        with backend_server(f"{server_url}/hotline_bench") as url:
            results += asyncio.run(measure(url, "PostgreSQL", codes))
    report = table(results)
    print(report)
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    write_section("open311-post", "\n".join([
        "## Open311 POST /requests.json (bench/bench_open311_post.py)",
        "",
        f"One uvicorn worker; {CONCURRENCY} concurrent clients in a second process on the same machine "
        f"({machine}); every POST carries a fresh Idempotency-Key, an address to route and a resident id. "
        "The baseline is GET /health on the same server in the same run.",
        "",
        report,
    ]))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
