"""The events stream report (hotline.stream_report) on a real Redis: lag, pending, memory, the alarm line,
the relay leader logging it, and GET /api/ops/redis for admins only."""

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import DEV_OPERATOR_TOKEN, Settings
from hotline.domain.tickets import NewRequest
from hotline.outbox import STREAM_MAXLEN
from hotline.stream_report import log_stream_report, stream_report
from tests.hotline.helpers import plain_leaf

pytestmark = pytest.mark.integration
ALARM = "ALARM events stream"
ADMIN = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}


def eventually(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()


@pytest.fixture
def stream() -> str:
    return f"test:report:{uuid.uuid4().hex}"


def fill(client: redis.Redis, stream: str, count: int) -> list[bytes | str]:
    return [client.xadd(stream, {"event_id": str(n)}) for n in range(count)]


def test_the_report_counts_each_groups_unread_and_pending_and_redis_memory(redis_url: str, stream: str) -> None:
    client = redis.Redis.from_url(redis_url)
    ids = fill(client, stream, 30)
    client.xgroup_create(stream, "idle", "0")  # has read nothing
    client.xgroup_create(stream, "reader", "0")
    client.xreadgroup("reader", "worker-1", {stream: ">"}, count=10)  # read 10, acknowledged none
    client.xgroup_create(stream, "placed", ids[4])  # started mid-stream: Redis 7.0 cannot tell its lag

    report = stream_report(client, stream, trim_length=40, alarm_fraction=0.5)
    groups = {group.name: group for group in report.groups}
    assert report.length == 30 and report.alarm_threshold == 20
    assert (groups["idle"].lag, groups["idle"].unread, groups["idle"].pending) == (30, 30, 0)
    assert (groups["reader"].unread, groups["reader"].pending, groups["reader"].consumers) == (20, 10, 1)
    placed = groups["placed"]  # 25 unread
    if placed.lag is None:  # counted after its last-delivered id instead, up to the threshold + 1
        assert placed.unread == 21
    else:
        assert placed.unread == placed.lag == 25
    assert {group.name for group in report.behind} == {"idle", "placed"}  # "reader" has exactly 20: not more
    assert report.used_memory > 0 and report.maxmemory_policy == "noeviction"
    assert report.as_dict()["behind"] == [group.name for group in report.behind]


def test_a_group_that_read_nothing_raises_the_alarm_line(redis_url: str, stream: str,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    client = redis.Redis.from_url(redis_url)
    fill(client, stream, 12)
    client.xgroup_create(stream, "notifier", "0")
    client.xgroup_create(stream, "up-to-date", "$")
    caplog.set_level(logging.INFO, logger="hotline.stream_report")
    log_stream_report(stream_report(client, stream, trim_length=20, alarm_fraction=0.5))
    alarms = [r for r in caplog.records if r.levelno == logging.WARNING and ALARM in r.getMessage()]
    assert len(alarms) == 1 and "consumer group notifier has 12 unread events, more than 10" in alarms[0].getMessage()
    assert any("12 entries" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


def test_no_stream_yet_is_an_empty_report(redis_url: str, stream: str) -> None:
    report = stream_report(redis.Redis.from_url(redis_url), stream, trim_length=STREAM_MAXLEN, alarm_fraction=0.5)
    assert (report.length, report.groups, report.behind) == (0, (), ())


def test_the_relay_leader_logs_the_alarm(tmp_path: Path, redis_url: str, stream: str,
                                         caplog: pytest.LogCaptureFixture) -> None:
    """A threshold of 10 events through the settings (a tiny fraction of STREAM_MAXLEN); events from the domain."""
    redis.Redis.from_url(redis_url).xgroup_create(stream, "slow-reader", "0", mkstream=True)
    caplog.set_level(logging.INFO, logger="hotline.stream_report")
    settings = replace(Settings(), database_url=f"sqlite:///{tmp_path / 'hotline.db'}", redis_url=redis_url,
                       events_stream=stream, relay_interval_seconds=0.05, stream_report_seconds=0.1,
                       stream_alarm_fraction=10 / STREAM_MAXLEN)
    app = create_app(settings)
    backend = app.state.backend
    with TestClient(app):
        for n in range(11):
            backend.desk.file(NewRequest(service_code=plain_leaf(backend.taxonomy).code, description=f"噪音 {n}",
                                         language="zh", address_string="朝阳区三里屯", channel="wechat",
                                         channel_user_id=f"resident-{n}"))
        assert eventually(lambda: any(ALARM in r.getMessage() and "slow-reader has 11 unread" in r.getMessage()
                                      for r in caplog.records))


def test_only_admins_read_the_redis_report(sqlite_url: str, redis_url: str, stream: str) -> None:
    client_redis = redis.Redis.from_url(redis_url)
    fill(client_redis, stream, 3)
    client_redis.xgroup_create(stream, "notifier", "0")
    app = create_app(replace(Settings(), database_url=sqlite_url, redis_url=redis_url, events_stream=stream),
                     run_relay=False)
    with TestClient(app) as client:
        assert client.get("/api/ops/redis").status_code == 401
        operator = client.post("/api/staff", json={"name": "li.op", "role": "operator"}, headers=ADMIN).json()
        assert client.get("/api/ops/redis", headers={"Authorization": f"Bearer {operator['token']}"}).status_code == 403
        response = client.get("/api/ops/redis", headers=ADMIN)
    assert response.status_code == 200
    body = response.json()
    assert body["redis"] == "ok" and body["stream"] == stream and body["length"] == 3
    assert body["trim_length"] == STREAM_MAXLEN and body["behind"] == []
    assert [(g["name"], g["lag"], g["pending"]) for g in body["groups"]] == [("notifier", 3, 0)]
    assert {"used_memory", "maxmemory", "maxmemory_policy"} <= set(body)


def test_the_redis_report_says_down_when_redis_is(sqlite_url: str) -> None:
    app = create_app(replace(Settings(), database_url=sqlite_url, redis_url="redis://127.0.0.1:1/0"), run_relay=False)
    with TestClient(app) as client:
        response = client.get("/api/ops/redis", headers=ADMIN)
    assert response.status_code == 200 and response.json() == {"redis": "down"}
