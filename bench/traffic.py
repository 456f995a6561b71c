"""A realistic mix of residents for the load benchmarks (bench/bench_deployed.py, bench/bench_day.py).

Residents write in Chinese, English or Japanese (70 / 20 / 10 of 100) and come for one of three
things: policy questions (half of them), an appeal taken through the whole form and filed as a
ticket in the backend (three in ten), or the status of their appeals (two in ten). One resident in
five is returning: their conversation already holds a long history (``RETURNING_SESSIONS`` sessions
of ``RETURNING_TURNS`` turns, the turns of a real conversation repeated), written into Redis through
the deployed tracker store before the run, as months of WeChat use would leave it.

``drive`` plays residents against the REST channel with a fixed number of conversations at a time
and records every turn's latency.
"""

import asyncio
import json
import os
import random
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.load import Latencies

ROOT = Path(__file__).resolve().parent.parent
ASSISTANT_PY = ROOT / ".venv-assistant" / "bin" / "python"
REST_HEADERS = {"Authorization": "Bearer dev-rest-key"}
RETURNING_SESSIONS, RETURNING_TURNS = 25, 20  # 500 turns: about a year of a regular's WeChat use
CATEGORY = '/choose_category{"appeal_category": "street_light_out"}'

SCRIPTS: dict[str, dict[str, list[str]]] = {
    "faq": {
        "zh": ["你好", "签证快到期了，怎么延期？", "是的", "公积金怎么提取？", "谢谢", "再见"],
        "en": ["hello", "How do I extend my visa before it expires?", "yes", "how can I withdraw my housing fund?",
               "thanks", "bye"],
        "ja": ["こんにちは", "ビザの延長はどうすればいいですか", "はい", "住宅積立金はどうやって引き出せますか",
               "ありがとう", "さようなら"],
    },
    "appeal": {
        "zh": ["我要投诉：小区门口的路灯坏了一个星期，晚上很黑", "朝阳区三里屯街道工体北路8号", CATEGORY, "1", "不用",
               "/affirm"],
        "en": ["The street light outside my building has been broken for a week",
               "Gongti North Road 8, Sanlitun, Chaoyang", CATEGORY, "1", "no", "/affirm"],
        "ja": ["家の前の街灯が一週間も消えたままで、夜はとても暗くて危ないです", "北京市朝陽区三里屯路19号",
               CATEGORY, "1", "いいえ", "/affirm"],
    },
    "status": {
        "zh": ["我的诉求到哪了", "谢谢"],
        "en": ["where is my complaint now", "thanks"],
        "ja": ["私の申告はどうなっていますか", "ありがとう"],
    },
}
KINDS = [("faq", 50), ("appeal", 30), ("status", 20)]
LANGUAGES = [("zh", 70), ("en", 20), ("ja", 10)]
RETURNING_SHARE = 0.2


@dataclass(frozen=True)
class Resident:
    sender: str
    kind: str
    language: str
    returning: bool

    @property
    def messages(self) -> list[str]:
        return SCRIPTS[self.kind][self.language]


def _pick(choices: list[tuple[str, int]], rng: random.Random) -> str:
    return rng.choices([name for name, _ in choices], weights=[weight for _, weight in choices])[0]


def residents(count: int, run_id: str, *, seed: int = 12345) -> list[Resident]:
    rng = random.Random(seed)
    return [Resident(f"{run_id}-{number}", _pick(KINDS, rng), _pick(LANGUAGES, rng), rng.random() < RETURNING_SHARE)
            for number in range(count)]


# ---- returning residents: a long history written through the deployed tracker store ----

_SEED_MANY = r"""
import asyncio, json, sys
from rasa.core.tracker_store import create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config
spec = json.load(sys.stdin)
domain = Domain.load("domain.yml")
store = create_tracker_store(read_endpoint_config("endpoints.yml", "tracker_store"), domain)
async def seed():
    for sender in spec["senders"]:
        await store.save(DialogueStateTracker.from_dict(sender, spec["events"], domain.slots))
asyncio.run(seed())
"""


def template_history(rasa_url: str) -> list[dict[str, Any]]:
    """A real conversation run once on the stack (development JWT secret), its turns repeated into
    ``RETURNING_SESSIONS`` sessions."""
    from bench.bench_turn_history import history, template_turns

    with httpx.Client(timeout=120, trust_env=False) as client:
        start, turns = template_turns(client, {"rasa": rasa_url})
    return history(start, turns, RETURNING_SESSIONS, RETURNING_TURNS)


def rest_conversations(people: list[Resident]) -> list[str]:
    """The REST channel's conversation ids of the returning residents."""
    return [f"rest:dev:{person.sender}" for person in people if person.returning]


def seed_returning(redis_url: str, senders: list[str], events: list[dict[str, Any]]) -> None:
    """Write ``events`` as the past of each conversation in ``senders``, through endpoints.yml's tracker store."""
    if not senders:
        return
    parts = redis_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REDIS_HOST": parts[0], "REDIS_PORT": parts[1], "REDIS_DB": "0",
           "REDIS_PASSWORD": "", "TRACKER_RETENTION_DAYS": "90", "ACTION_SERVER_URL": "http://127.0.0.1:1/webhook",
           "ACTION_SERVER_TOKEN": "unused-here-0123456789ab"}
    subprocess.run([str(ASSISTANT_PY), "-c", _SEED_MANY], cwd=ROOT, env=env, check=True, text=True,
                   input=json.dumps({"senders": senders, "events": events}), stdout=subprocess.DEVNULL)


# ---- driving them ----

async def drive(rasa_url: str, people: list[Resident], concurrency: int, *,
                progress: Callable[[int, int], Awaitable[None] | None] | None = None) -> Latencies:
    """Play every resident's script, ``concurrency`` conversations at a time; a resident's turns one
    after another, as a person types."""
    result = Latencies()
    queue: asyncio.Queue[Resident] = asyncio.Queue()
    for person in people:
        queue.put_nowait(person)
    url = f"{rasa_url}/webhooks/rest/webhook"
    finished = 0
    began = time.perf_counter()

    async with httpx.AsyncClient(timeout=120, trust_env=False,
                                 limits=httpx.Limits(max_connections=concurrency + 4)) as client:
        async def worker() -> None:
            nonlocal finished
            while not queue.empty():
                person = queue.get_nowait()
                for text in person.messages:
                    started = time.perf_counter()
                    try:
                        answer = await client.post(url, json={"sender": person.sender, "message": text},
                                                   headers=REST_HEADERS)
                    except httpx.HTTPError:
                        result.errors += 1
                        continue
                    now = time.perf_counter()
                    if answer.status_code != 200:
                        result.errors += 1
                        continue
                    result.seconds.append(now - started)
                    if not answer.json():
                        result.empty += 1
                finished += 1
                if progress is not None:
                    maybe = progress(finished, len(people))
                    if maybe is not None:
                        await maybe

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.wall = time.perf_counter() - began
    return result
