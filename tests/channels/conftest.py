"""Shared fixtures of the channel tests: a real redis-server, the fake WeChat API, the trained model."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.doubles.fake_wechat import FakeWeChat
from tests.doubles.local_servers import redis_server
from tools.train_model import model_path, train


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    with FakeWeChat().running() as fake:
        yield fake


@pytest.fixture(scope="module")
def model() -> Path:
    """The model for the current training data (trained first when the data changed)."""
    path = model_path()
    return path if path.exists() else train()
