"""Action tests: a fake backend behind actions.deps, and helpers to run actions."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import categories, deps
from tests.actions.fakes import FakeHotline


@pytest.fixture
def hotline(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHotline]:
    fake = FakeHotline()
    monkeypatch.setattr(deps, "hotline", lambda: fake)
    monkeypatch.setattr(deps, "appeal_outbox", lambda: None)
    categories.clear()
    yield fake
    categories.clear()


def run(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run an action; returns (messages the dispatcher collected, events)."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, {})
    events = asyncio.run(result) if asyncio.iscoroutine(result) else result
    return dispatcher.messages, events


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real, throwaway redis-server."""
    from tests.doubles.local_servers import redis_server

    with redis_server() as url:
        yield url
