"""WeChat webhook acknowledgement: latency and messages/s in safe mode, beside plaintext mode and a bare GET.

Run: ``.venv-assistant/bin/python -m bench.bench_wechat`` (assistant runtime).
Each mode runs its own Sanic server process (one worker) with the WeChat blueprint, a real
redis-server for dedupe, and a stub bot that answers at once instead of Rasa: the figures are
the connector's own cost (signature checks, AES, XML, the Redis claim/finish/settle, the
encrypted passive reply), not a Rasa turn's. The baseline in the same run is ``GET /webhooks/wechat/``
on the safe-mode server: the framework's floor. Every POST is a new message (its own MsgId),
signed and encrypted beforehand, so the client's work is outside the timings.
Prints a table and writes it to docs/benchmarks.md.
"""

import asyncio
import os
import platform
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from bench.load import Result, load, serving, table
from bench.report import write_section
from tests.doubles.fake_wechat import message_xml, webhook_call
from tests.doubles.local_servers import redis_server
from tools.ports import free_port
from tools.stack import ROOT

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
TOKEN, APP_ID, AES_KEY = "bench-wechat-token", "wxbench000000001", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SERVER_CPU_MS: dict[str, float] = {}  # label -> the server process's CPU milliseconds per request
TEXTS = ["小区门口路灯坏了一个星期，晚上很黑", "The street light outside building 3 is broken",
         "マンションの前の街灯が壊れています", "楼道里堆满杂物，电动车在楼道充电"]


def serve(port: int, redis_url: str, safe: bool) -> None:
    """The server process: the WeChat blueprint on Sanic with a stub bot that answers at once."""
    from rasa.core.channels.channel import UserMessage
    from sanic import Sanic, response
    from sanic.request import Request
    from sanic.response import HTTPResponse

    from channels.wechat.connector import WeChatInput
    from channels.wechat.settings import WeChatSettings

    async def bot(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")

    settings = WeChatSettings(token=TOKEN, app_id=APP_ID, app_secret="bench-secret", aes_key=AES_KEY if safe else None,
                              api_base_url="http://127.0.0.1:1", redis_url=redis_url)
    app = Sanic("bench_wechat", configure_logging=False)
    app.blueprint(WeChatInput(settings).blueprint(bot), url_prefix="/webhooks/wechat")

    async def cpu(_: Request) -> HTTPResponse:  # this process's CPU seconds so far (the client cannot skew it)
        return response.text(repr(time.process_time()))

    app.add_route(cpu, "/bench/cpu")
    app.run(host="127.0.0.1", port=port, workers=1, access_log=False, debug=False)


@contextmanager
def server(redis_url: str, safe: bool) -> Iterator[str]:
    port = free_port()
    with serving([sys.executable, "-m", "bench.bench_wechat", "serve", str(port), redis_url,
                  "safe" if safe else "plain"],
                 port, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120) as url:
        yield url


def calls(count: int, safe: bool) -> list[tuple[dict[str, str], bytes]]:
    """Signed (and encrypted) message posts, each a new message from one of 500 residents."""
    run = uuid.uuid4().int % 10**6
    return [webhook_call(message_xml(FromUserName=f"o-bench-{n % 500}", MsgType="text", Content=TEXTS[n % len(TEXTS)],
                                     MsgId=run * 10**7 + n),
                         token=TOKEN, app_id=APP_ID, aes_key=AES_KEY if safe else None) for n in range(count)]


async def measure(base_url: str, safe: bool, with_baseline: bool) -> list[Result]:
    mode = "safe mode (AES)" if safe else "plaintext mode"
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    prepared = calls(REQUESTS + 100, safe)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        async def bare(_: int) -> bool:
            return (await client.get("/webhooks/wechat/")).status_code == 200

        async def post(n: int) -> bool:
            query, body = prepared[n]
            answer = await client.post("/webhooks/wechat/webhook", params=query, content=body)
            expected = "<Encrypt>" if safe else "<Content>"
            return answer.status_code == 200 and expected in answer.text

        async def cpu_seconds() -> float:
            return float((await client.get("/bench/cpu")).text)

        async def timed(label: str, send: Callable[[int], Awaitable[bool]]) -> Result:
            before = await cpu_seconds()
            result = await load(label, REQUESTS, send, concurrency=CONCURRENCY)
            SERVER_CPU_MS[label] = (await cpu_seconds() - before) * 1000 / REQUESTS
            return result

        await load("warm-up", 100, lambda n: post(REQUESTS + n), concurrency=CONCURRENCY)
        results = [await timed("GET /webhooks/wechat/ (baseline)", bare)] if with_baseline else []
        results.append(await timed(f"POST webhook, {mode}", post))
    return results


def main() -> int:
    results: list[Result] = []
    with redis_server() as redis_url:
        for safe in (True, False):
            print(f"{'safe' if safe else 'plaintext'} mode: starting the server", flush=True)
            with server(redis_url, safe) as url:
                results += asyncio.run(measure(url, safe, with_baseline=safe))
    report = table(results, unit="messages") + "\n\n" + "\n".join(
        ["| what | server CPU ms per request |", "|---|---|"]
        + [f"| {label} | {ms:.2f} |" for label, ms in SERVER_CPU_MS.items()])
    print(report)
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    write_section("wechat", "\n".join([
        "## WeChat webhook acknowledgement (bench/bench_wechat.py)",
        "",
        f"One Sanic worker per mode with the WeChat blueprint, a real redis-server for dedupe and a stub bot "
        f"that answers at once (not a Rasa turn: this is the connector's own cost); {CONCURRENCY} concurrent "
        f"clients in a second process on the same machine ({machine}). Every POST is a new message answered "
        "passively (encrypted in safe mode). The baseline is a bare GET on the same safe-mode server in the "
        "same run. On 2 cores the client process is near its own limit, so the rates say more about the client "
        "than the server; the server's CPU time per request (read from the server process before and after each "
        "run) is its cost. WeChat's limit is 5 s; the connector answers by 4 s whatever the turn takes.",
        "",
        report,
    ]))
    return 1 if any(r.errors for r in results) else 0


def _cli(argv: list[str]) -> Any:
    if argv[:1] == ["serve"]:
        return serve(int(argv[1]), argv[2], argv[3] == "safe")
    return main()


if __name__ == "__main__":
    raise SystemExit(_cli(sys.argv[1:]))
