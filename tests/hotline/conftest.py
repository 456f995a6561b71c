"""Shared fixtures: fresh databases (SQLite and a real PostgreSQL), a real Redis, apps, a live server."""

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from tests.doubles.local_servers import postgres_server, redis_server
from tools.ports import free_port, wait_for_port

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


@pytest.fixture(scope="session")
def argos_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Throwaway XDG homes for argostranslate (it makes folders there when imported)."""
    import os

    home = tmp_path_factory.mktemp("argos-home")
    saved = {k: os.environ.get(k) for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "ARGOS_PACKAGES_DIR")}
    os.environ.update(XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
                      XDG_CACHE_HOME=str(home / "cache"))
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def argos_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny real .argosmodel files (en<->zh, ja<->en; no zh<->ja), built offline."""
    from tests.doubles.tiny_argos import build_packages

    folder = tmp_path_factory.mktemp("argos-models")
    build_packages(folder)
    return folder


@pytest.fixture(scope="session")
def argos_packages(argos_home: Path, argos_models: Path) -> Path:
    """ARGOS_PACKAGES_DIR with the tiny packages installed by argostranslate's own installer."""
    from hotline.machine_translation.engine import install_packages

    packages_dir = argos_home / "packages"
    assert len(install_packages(argos_models, packages_dir)) == 4
    return packages_dir


@pytest.fixture
def live_server(app_factory: Callable[..., FastAPI], sqlite_url: str) -> Iterator[tuple[str, FastAPI]]:
    app = app_factory(sqlite_url)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
