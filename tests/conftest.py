"""Shared by the assistant runtime's tests: the trained model (`make model` trains it; a test run trains it
if missing), loaded once per session as a Rasa agent."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.train_model import model_path, train


@pytest.fixture(scope="session")
def model() -> Path:
    path = model_path()
    return path if path.exists() else train()


@pytest.fixture(scope="session")
def agent(model: Path) -> Iterator[Any]:
    from rasa.core.agent import load_agent

    loop = asyncio.new_event_loop()
    loaded = loop.run_until_complete(load_agent(model_path=str(model)))
    loaded.loop = loop
    yield loaded
    loop.close()


def parse(agent: Any, text: str) -> dict[str, Any]:
    result: dict[str, Any] = agent.loop.run_until_complete(agent.parse_message(text))
    return result
