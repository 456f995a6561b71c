"""``make run``'s Redis: loopback only, bounded memory that never evicts a queue, a password when the URL has one."""

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tools.ports import free_port, wait_for_port
from tools.run_all import redis_arguments

pytestmark = pytest.mark.integration


def started(arguments: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: run `make setup`"
    process = subprocess.Popen([binary, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def open_redis(tmp_path: Path) -> Iterator[redis.Redis]:
    port = free_port()
    for _ in started(redis_arguments(port, tmp_path, None), port):
        yield redis.Redis(port=port)


def test_memory_is_bounded_and_only_expiring_keys_can_go(open_redis: redis.Redis) -> None:
    config = open_redis.config_get("*")
    assert int(config["maxmemory"]) == 1024**3  # REDIS_MAXMEMORY, 1gb by default
    assert config["maxmemory-policy"] == "volatile-lru"  # queues and streams have no TTL: never evicted
    assert config["bind"].split() == ["127.0.0.1"] and config["appendonly"] == "yes"
    assert config["requirepass"] == ""  # development: no password in the URL, none asked


def test_a_password_in_the_url_is_required(tmp_path: Path) -> None:
    port = free_port()
    for _ in started(redis_arguments(port, tmp_path, "s3cret-redis-password"), port):
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port).ping()
        assert redis.Redis(port=port, password="s3cret-redis-password").ping()
