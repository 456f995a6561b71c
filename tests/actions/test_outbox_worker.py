"""Queued appeals are filed once the backend is back, exactly once, and the resident is told."""

import asyncio
import json
from collections.abc import Callable

import httpx
from redis.asyncio import Redis

from actions.appeal_outbox import AppealOutbox, QueuedAppeal, backoff
from actions.outbox_worker import OutboxWorker
from actions.settings import ActionSettings
from bot.rasa_jwt import verify
from tests.actions.fakes import FakeHotline


def appeal(key: str = "assistant:abc123def456") -> QueuedAppeal:
    return QueuedAppeal(idempotency_key=key, fields={"service_code": "street_light_out", "description": "路灯坏了",
                                                     "address_string": "三里屯", "language": "zh"},
                        sender_id="resident-1", output_channel="socketio", language="zh")


async def down_backend_worker(redis_url: str, rasa: Callable[[httpx.Request], httpx.Response]
                              ) -> tuple[Redis, AppealOutbox, FakeHotline, OutboxWorker]:
    """An empty outbox in real Redis, a backend that is down, and a worker speaking to ``rasa``."""
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    outbox, hotline = AppealOutbox(redis), FakeHotline(down=True)
    worker = OutboxWorker(outbox, hotline, ActionSettings(rasa_jwt_secret="outbox-test-secret"),  # type: ignore[arg-type]
                          rasa=httpx.AsyncClient(base_url="http://rasa", transport=httpx.MockTransport(rasa)))
    return redis, outbox, hotline, worker


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [5.0, 10.0, 20.0] and backoff(30) == 600.0


def test_waits_while_down_then_files_once_and_notifies(redis_url: str) -> None:
    told: list[dict] = []  # type: ignore[type-arg]

    def rasa(request: httpx.Request) -> httpx.Response:
        told.append({"path": request.url.path, "params": dict(request.url.params), "body": json.loads(request.content),
                     "authorization": request.headers.get("authorization", "")})
        return httpx.Response(200, json={})

    async def scenario() -> tuple[int, int, int, int, int]:
        redis, outbox, hotline, worker = await down_backend_worker(redis_url, rasa)
        await outbox.put(appeal())
        await outbox.put(appeal())  # the same appeal twice (a retry): still one entry
        down_pass = await worker.run_once()
        not_due_yet = len(await outbox.due())
        hotline.down = False
        await redis.zadd("assistant:appeal_queue", {appeal().idempotency_key: 0})  # make it due now
        up_pass = await worker.run_once()
        left = await outbox.size()
        await redis.close()
        return down_pass, not_due_yet, up_pass, left, len(hotline.filed)

    # Down: nothing filed, retry scheduled later. Up: filed once, nothing left in the queue.
    assert asyncio.run(scenario()) == (0, 0, 1, 0, 1)
    assert told[0]["path"] == "/conversations/resident-1/trigger_intent"
    assert told[0]["params"] == {"output_channel": "socketio"}  # no secret in the URL
    claims = verify(told[0]["authorization"].removeprefix("Bearer "), "outbox-test-secret")
    assert claims is not None and claims["user"]["role"] == "admin"
    assert told[0]["body"]["entities"]["ticket_id"] == "202611220000001"
    assert told[0]["body"]["entities"]["reference"] == "Q-ABC123DE"


def test_a_refused_appeal_is_kept_for_operators_not_retried(redis_url: str) -> None:
    async def scenario() -> tuple[int, bool]:
        redis = Redis.from_url(redis_url)
        await redis.flushdb()
        outbox = AppealOutbox(redis)
        worker = OutboxWorker(outbox, FakeHotline(reject_with="service_code not found"),  # type: ignore[arg-type]
                              ActionSettings(), rasa=httpx.AsyncClient(transport=httpx.MockTransport(
                                  lambda r: httpx.Response(200))))
        await outbox.put(appeal())
        await worker.run_once()
        size, kept = await outbox.size(), await redis.hexists("assistant:appeals:rejected", appeal().idempotency_key)
        await redis.close()
        return size, bool(kept)

    assert asyncio.run(scenario()) == (0, True)


def test_queued_survey_answers_are_submitted_once_without_a_message(redis_url: str) -> None:
    told: list[str] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        told.append(request.url.path)
        return httpx.Response(200, json={})

    rating = QueuedAppeal(idempotency_key="assistant-rating:202611220000001:resident-1",
                          fields={"ticket_id": "202611220000001", "resolved": "false", "rating": "2",
                                  "comment": "还是不亮", "language": "zh"},
                          sender_id="resident-1", output_channel="socketio", language="zh", kind="rating")

    async def scenario() -> tuple[int, int]:
        redis, outbox, hotline, worker = await down_backend_worker(redis_url, rasa)
        await outbox.put(rating)
        await worker.run_once()  # down: kept
        waiting = await outbox.size()
        hotline.down = False
        await redis.zadd("assistant:appeal_queue", {rating.idempotency_key: 0})
        await worker.run_once()
        left = await outbox.size()
        await redis.close()
        assert hotline.ratings == [("202611220000001", False, 2, "还是不亮")]
        return waiting, left

    assert asyncio.run(scenario()) == (1, 0)
    assert told == []
