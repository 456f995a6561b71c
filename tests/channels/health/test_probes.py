"""The probe channel on a real Sanic server, with the real Redis stores: ready while the model is loaded
and Redis answers, 503 naming the missing part when it does not, live all along."""

import json
import urllib.error
import urllib.request
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from sanic import Sanic

from assistant.lock_store import QueueLockStore
from assistant.session_store import SessionRedisTrackerStore
from channels.health import HealthInput
from tests.doubles.local_servers import RedisProcess
from tests.doubles.sanic_thread import serving

pytestmark = pytest.mark.integration


def get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def app_with(agent: Any) -> Sanic:
    app = Sanic(f"probes_{uuid.uuid4().hex}")

    async def no_messages(_: Any) -> None:
        raise AssertionError("the probe channel takes no messages")

    app.blueprint(HealthInput().blueprint(no_messages), url_prefix="/webhooks/health")
    app.ctx.agent = agent
    return app


def test_ready_while_redis_answers_and_not_ready_when_it_stops() -> None:
    redis = RedisProcess()
    redis.start()
    try:
        tracker_store = SessionRedisTrackerStore(Domain.empty(), port=redis.port)
        agent = SimpleNamespace(is_ready=lambda: True,  # wrapped as Rasa's agent holds it
                                tracker_store=AwaitableTrackerStore(FailSafeTrackerStore(tracker_store)),
                                lock_store=QueueLockStore(port=redis.port))
        with serving(app_with(agent)) as base:
            assert get(f"{base}/webhooks/health/ready") == (200, {"status": "ready", "model": "ok",
                                                                 "tracker_store": "ok", "lock_store": "ok"})
            redis.stop()
            status, answer = get(f"{base}/webhooks/health/ready")
            assert status == 503 and answer["tracker_store"] == "down" and answer["lock_store"] == "down"
            assert get(f"{base}/webhooks/health/live") == (200, {"status": "ok"})
            redis.start()
            assert get(f"{base}/webhooks/health/ready")[0] == 200
    finally:
        redis.close()


def test_not_ready_before_the_model_is_loaded_and_memory_stores_are_named() -> None:
    agent = SimpleNamespace(is_ready=lambda: False, tracker_store=InMemoryTrackerStore(Domain.empty()),
                            lock_store=InMemoryLockStore())
    with serving(app_with(agent)) as base:
        assert get(f"{base}/webhooks/health/ready") == (503, {"status": "not ready", "model": "down",
                                                             "tracker_store": "memory", "lock_store": "memory"})
    with serving(app_with(None)) as base:  # Rasa still starting: no agent yet
        assert get(f"{base}/webhooks/health/ready")[0] == 503
