"""Killing the notifier (kill -9) or Rasa mid-work loses no notification and doubles none.

The notifier runs as ``python -m hotline.notifier`` subprocesses; Rasa is the fake, in this process.
"Doubles none" is checked twice: the fake (like the bot) shows each event once, and the notifier
itself re-sends only what was in flight when it was killed.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from hotline.config import ROOT
from hotline.domain.models import Status
from tests.doubles.fake_rasa import SECRET, FakeRasa, fake_rasa
from tests.hotline.notifier.notifier_kit import Backend, backend, clean_redis, pending_count
from tools.ports import free_port

pytestmark = pytest.mark.integration
CLAIM_IDLE_MS = 500
__all__ = ["backend", "clean_redis"]  # fixtures


def start_notifier(redis_url: str, rasa_url: str, name: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hotline.notifier"], cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "REDIS_URL": redis_url, "RASA_URL": rasa_url,
             "RASA_JWT_SECRET": SECRET, "NOTIFIER_CONSUMER": name, "NOTIFIER_CLAIM_IDLE_MS": str(CLAIM_IDLE_MS),
             "NOTIFIER_BACKOFF_SECONDS": "0.1", "NOTIFIER_BACKOFF_CAP_SECONDS": "0.5", **env})


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def wait_until(check: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise TimeoutError("condition not met")


def repeated_calls(rasa: FakeRasa) -> int:
    """Calls for an event Rasa had already accepted (the bot's dedupe is what keeps them silent)."""
    accepted: set[tuple[str, str]] = set()
    repeats = 0
    for call in rasa.calls:
        key = (call["sender"], call["entities"]["event_id"])
        repeats += key in accepted
        if call["status"] < 300:
            accepted.add(key)
    return repeats


def test_kill_9_mid_work_then_another_notifier_finishes_everything_once(
        backend: Backend, clean_redis: str, tmp_path: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    residents = [f"web-{n}" for n in range(120)]
    for user in residents:
        backend.move(backend.file("webchat", user), Status.ACCEPTED)
    backend.publish()
    with fake_rasa() as rasa:
        rasa.fail(delay=0.01)
        processes.append(start_notifier(clean_redis, rasa.url, "first", tmp_path / "n.log",
                                        NOTIFIER_MAX_IN_FLIGHT="4"))
        rasa.wait_for(30)
        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait(timeout=10)
        at_kill = len(rasa.messages)
        assert at_kill < len(residents)
        processes.append(start_notifier(clean_redis, rasa.url, "second", tmp_path / "n.log"))
        rasa.wait_for(len(residents), timeout=30)
        wait_until(lambda: pending_count(clean_redis) == 0)
    assert sorted(m["sender"] for m in rasa.messages) == sorted(residents)
    assert Counter(c["sender"] for c in rasa.calls if c["status"] < 300).most_common(1)[0][1] <= 2
    assert repeated_calls(rasa) <= 4  # at most what the killed one had in flight


def test_killed_after_rasa_spoke_but_before_the_ack_the_resident_hears_it_once(
        backend: Backend, clean_redis: str, tmp_path: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    backend.move(backend.file("telegram", "tg-once"), Status.RESOLVED)
    backend.publish()
    with fake_rasa() as rasa:
        rasa.fail(delay=3.0)  # Rasa speaks, then answers slowly: the notifier dies waiting
        processes.append(start_notifier(clean_redis, rasa.url, "first", tmp_path / "n.log"))
        rasa.wait_for(1, what="calls")
        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait(timeout=10)
        rasa.fail()
        processes.append(start_notifier(clean_redis, rasa.url, "second", tmp_path / "n.log"))
        rasa.wait_for(2, what="calls")
        wait_until(lambda: pending_count(clean_redis) == 0)
    assert len(rasa.messages) == 1 and repeated_calls(rasa) == 1
    assert redis.Redis.from_url(clean_redis).zcard("hotline:reminders:due") == 1  # and one reminder


def test_rasa_down_then_back_delivers_everything_once(
        backend: Backend, clean_redis: str, tmp_path: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    port = free_port()
    processes.append(start_notifier(clean_redis, f"http://127.0.0.1:{port}", "patient", tmp_path / "n.log"))
    residents = [f"o-{n}" for n in range(20)]
    for user in residents:
        backend.move(backend.file("wechat", user), Status.ACCEPTED)
    backend.publish()
    time.sleep(1.5)  # nothing listens: connection refused, retries back off
    with fake_rasa(port=port) as rasa:
        rasa.wait_for(len(residents), timeout=20)
        wait_until(lambda: pending_count(clean_redis) == 0)
        assert sorted(m["sender"] for m in rasa.messages) == sorted(residents)
        assert repeated_calls(rasa) == 0
