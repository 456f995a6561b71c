"""Flood one conversation over the REST channel from a process of its own (its own GIL and CPU share):
``python -m tests.security.flood --url RASA --sender ID --in-flight 200 --sources 127.0.1.1,127.0.1.2``.

Keeps ``--in-flight`` messages to ``--sender`` open at all times, spread over the source addresses (as
a flood from many machines would be), prints
``ready`` once the first wave has come back (every connection is open and the flood is at full strength),
stops when its standard input closes, and prints a JSON summary:
how many messages were answered, refused in silence, refused with the "slow down" notice, or stopped by
the REST channel's own limits.
"""

import argparse
import asyncio
import json
import sys
from collections import Counter
from itertools import cycle

import httpx

NUMBERS = ("110", "119", "120")


def outcome(response: httpx.Response) -> str:
    if response.status_code != 200:
        return f"http {response.status_code}"
    said = " ".join(str(m.get("text") or "") for m in response.json())
    if not said:
        return "refused silently"
    return "told to slow down" if all(n in said for n in NUMBERS) else "answered"


async def flood(url: str, sender: str, in_flight: int, sources: list[str], key: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    clients = [httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=s), timeout=60, trust_env=False,
                                 limits=httpx.Limits(max_connections=in_flight)) for s in sources]
    stop = asyncio.Event()
    pick = cycle(clients)

    async def one() -> None:
        try:
            response = await next(pick).post(url, json={"sender": sender, "message": "/greet"},
                                             headers={"Authorization": f"Bearer {key}"})
            counts[outcome(response)] += 1
        except httpx.HTTPError as error:
            counts[f"error {type(error).__name__}"] += 1

    async def worker() -> None:
        while not stop.is_set():
            await one()

    async def until_stdin_closes() -> None:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        stop.set()

    workers = [asyncio.create_task(worker()) for _ in range(in_flight)]
    watcher = asyncio.create_task(until_stdin_closes())
    while sum(counts.values()) < in_flight:
        await asyncio.sleep(0.01)
    print("ready", flush=True)
    await watcher
    await asyncio.gather(*workers)
    for client in clients:
        await client.aclose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the REST webhook URL")
    parser.add_argument("--sender", required=True)
    parser.add_argument("--in-flight", type=int, default=200)
    parser.add_argument("--sources", default="127.0.0.1")
    parser.add_argument("--key", default="dev-rest-key")
    args = parser.parse_args()
    counts = asyncio.run(flood(args.url, args.sender, args.in_flight, args.sources.split(","), args.key))
    print(json.dumps(dict(counts)), flush=True)


if __name__ == "__main__":
    main()
