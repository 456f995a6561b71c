"""Shared fixtures of the channel tests: a real redis-server and the fake WeChat API."""

from collections.abc import Iterator

import pytest

from tests.channels.fake_wechat import FakeWeChat
from tools.local_servers import redis_server


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    with FakeWeChat().running() as fake:
        yield fake
