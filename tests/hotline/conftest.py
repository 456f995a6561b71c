"""Shared fixtures: fresh databases (SQLite and a real PostgreSQL), a real Redis, apps."""

import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from tools.local_servers import postgres_server, redis_server

_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hotline.db'}"


def fresh_postgres_database(server_url: str) -> str:
    name = f"hotline_test_{next(_database_numbers)}"
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hotline.db'}"
    return fresh_postgres_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return replace(Settings(), database_url=database_url, redis_url="redis://127.0.0.1:1/0")


@pytest.fixture
def app_factory() -> Callable[..., FastAPI]:
    def build(database_url: str, **overrides: object) -> FastAPI:
        return create_app(replace(Settings(), database_url=database_url, **overrides), run_relay=False)

    return build


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A test client on SQLite and PostgreSQL in turn (no outbox relay; tests drive it)."""
    app = create_app(settings, run_relay=False)
    with TestClient(app) as test_client:
        yield test_client
