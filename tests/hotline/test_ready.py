"""GET /health (liveness, no I/O) and GET /ready (the database answers; Redis and the relay's role reported)."""

import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from tests.doubles.local_servers import postgres_server
from tests.hotline.conftest import fresh_postgres_database

REDIS_DOWN = "redis://127.0.0.1:1/0"


def eventually(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()


def test_ready_without_relay_and_without_redis(sqlite_url: str) -> None:
    app = create_app(replace(Settings(), database_url=sqlite_url, redis_url=REDIS_DOWN), run_relay=False)
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok"}
        response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "down", "relay": "off"}


@pytest.mark.integration
def test_two_replicas_are_ready_one_leading_one_standing_by(postgres_url: str, redis_url: str) -> None:
    settings = replace(Settings(), database_url=fresh_postgres_database(postgres_url), redis_url=redis_url,
                       events_stream=f"test:ready:{uuid.uuid4().hex}", relay_interval_seconds=0.05)
    with ExitStack() as running:
        clients = [running.enter_context(TestClient(create_app(settings))) for _ in range(2)]

        def relays() -> list[str]:
            return sorted(client.get("/ready").json()["relay"] for client in clients)

        assert eventually(lambda: relays() == ["leader", "standby"])
        for client in clients:
            response = client.get("/ready")
            assert response.status_code == 200
            assert {k: v for k, v in response.json().items() if k != "relay"} == {"database": "ok", "redis": "ok"}


@pytest.mark.integration
def test_ready_is_503_not_500_when_postgres_stops(redis_url: str) -> None:
    with ExitStack() as running:
        with postgres_server() as server_url:
            settings = replace(Settings(), database_url=fresh_postgres_database(server_url), redis_url=redis_url,
                               events_stream=f"test:ready:{uuid.uuid4().hex}", relay_interval_seconds=0.05)
            client = running.enter_context(TestClient(create_app(settings), raise_server_exceptions=False))
            assert eventually(lambda: client.get("/ready").json()["relay"] == "leader")
        # the server is stopped; the app and its relay are still running
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json()["database"] == "down" and response.json()["redis"] == "ok"
        assert "postgres" not in response.text  # no URL, user or error text
        assert client.get("/health").status_code == 200


def test_ready_on_a_sqlite_file_leads_alone(tmp_path: Path) -> None:
    app = create_app(replace(Settings(), database_url=f"sqlite:///{tmp_path / 'hotline.db'}", redis_url=REDIS_DOWN,
                             relay_interval_seconds=0.05))
    with TestClient(app) as client:
        assert eventually(lambda: client.get("/ready").json()["relay"] == "leader")
        assert (tmp_path / "hotline.db.relay.lock").exists()
    assert app.state.relay is None
