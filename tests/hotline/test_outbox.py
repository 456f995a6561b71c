"""Events: written with the change in one transaction, relayed to a real Redis Stream at least once."""

import json
from collections.abc import Iterator

import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import select

from hotline.domain.errors import Conflict
from hotline.domain.models import OutboxEvent, Status
from hotline.domain.tickets import NewRequest
from hotline.outbox import OutboxRelay
from tests.doubles.local_servers import RedisProcess
from tests.hotline.helpers import plain_leaf

STREAM = "hotline:events"


@pytest.fixture
def app(database_url: str, app_factory) -> FastAPI:  # type: ignore[no-untyped-def]
    built: FastAPI = app_factory(database_url)
    return built


@pytest.fixture
def redis_process() -> Iterator[RedisProcess]:
    process = RedisProcess()
    process.start()
    yield process
    process.close()


def file_ticket(app: FastAPI, user: str = "o-1") -> str:
    backend = app.state.backend
    ticket, _ = backend.desk.file(NewRequest(
        service_code=plain_leaf(backend.taxonomy).code, description="噪音扰民，电话13812345678",
        language="zh", address_string="朝阳区三里屯", channel="wechat", channel_user_id=user,
    ))
    return str(ticket.service_request_id)


def outbox(app: FastAPI) -> list[OutboxEvent]:
    with app.state.backend.db.read() as session:
        return list(session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


def stream_events(url: str) -> list[dict[str, str]]:
    client = redis.Redis.from_url(url, decode_responses=True)
    return [fields for _, fields in client.xrange(STREAM)]


def test_each_change_writes_one_event_with_what_the_notifier_needs(app: FastAPI) -> None:
    request_id = file_ticket(app)
    app.state.backend.lifecycle.update(request_id, status=Status.RESOLVED, note="已处理，回电13812345678",
                                       note_language="zh", actor="operator:li")
    events = outbox(app)
    assert [e.event_type for e in events] == ["ticket.created", "ticket.status_changed"]
    changed = events[1].payload
    assert changed["service_request_id"] == request_id and changed["status"] == "resolved"
    assert changed["previous_status"] == "open" and changed["language"] == "zh"
    assert changed["channel"] == "wechat" and changed["channel_user_id"] == "o-1"
    assert changed["note"] == "已处理，回电13812345678"  # for the resident, as written: the stream is not public
    assert len({e.event_id for e in events}) == 2


def test_a_refused_change_writes_no_event(app: FastAPI) -> None:
    request_id = file_ticket(app)
    with pytest.raises(Conflict):
        app.state.backend.lifecycle.update(request_id, status=Status.REOPENED, note="", note_language="zh",
                                           actor="operator:li")
    assert [e.event_type for e in outbox(app)] == ["ticket.created"]


@pytest.mark.integration
def test_relay_publishes_in_order_with_event_ids(app: FastAPI, redis_process: RedisProcess) -> None:
    ids = [file_ticket(app, user=f"o-{n}") for n in range(3)]
    relay = OutboxRelay(app.state.backend.db, redis.Redis.from_url(redis_process.url), stream=STREAM)
    assert relay.publish_pending() == 3
    assert relay.publish_pending() == 0 and relay.pending_count() == 0
    published = stream_events(redis_process.url)
    assert [json.loads(e["payload"])["service_request_id"] for e in published] == ids
    assert [e["event_id"] for e in published] == [e.event_id for e in outbox(app)]


@pytest.mark.integration
def test_redis_outage_delays_events_and_loses_none(app: FastAPI, redis_process: RedisProcess) -> None:
    client = redis.Redis.from_url(redis_process.url, socket_timeout=1, socket_connect_timeout=1)
    relay = OutboxRelay(app.state.backend.db, client, stream=STREAM)
    first = file_ticket(app, user="o-before")
    assert relay.publish_pending() == 1
    redis_process.stop()
    during = [file_ticket(app, user=f"o-during-{n}") for n in range(2)]
    app.state.backend.lifecycle.update(during[0], status=Status.ACCEPTED, note="", note_language="zh",
                                       actor="operator:li")
    assert relay.publish_pending() == 0
    assert relay.pending_count() == 3
    waiting = [e for e in outbox(app) if e.published_at is None]
    assert waiting[0].attempts == 1 and "ConnectionError" in (waiting[0].last_error or "")
    redis_process.start()  # same port, empty server (no persistence)
    assert relay.publish_pending() == 3
    after = stream_events(redis_process.url)
    assert [json.loads(e["payload"])["service_request_id"] for e in after] == [during[0], during[1], during[0]]
    assert [e["event_type"] for e in after] == ["ticket.created", "ticket.created", "ticket.status_changed"]
    assert relay.pending_count() == 0 and first not in [json.loads(e["payload"])["service_request_id"] for e in after]


@pytest.mark.integration
def test_relay_thread_runs_with_the_app(database_url: str, app_factory, redis_process: RedisProcess) -> None:  # type: ignore[no-untyped-def]
    import time
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from hotline.app import create_app
    from hotline.config import Settings
    from tests.hotline.helpers import file_request

    app = create_app(replace(Settings(), database_url=database_url, redis_url=redis_process.url,
                             relay_interval_seconds=0.05))
    with TestClient(app) as client:
        request_id = file_request(client).json()[0]["service_request_id"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not stream_events(redis_process.url):
            time.sleep(0.05)
    events = stream_events(redis_process.url)
    assert [json.loads(e["payload"])["service_request_id"] for e in events] == [request_id]
