"""The action server's start command: loopback and a token by default, refusals that would expose it,
and the real server over HTTP (``/health`` open, everything else behind the bearer token)."""

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.server import DEV_ACTION_TOKEN, StartRefused, authorised, loopback, server_settings
from tools.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "a-token-of-24-characters"

# ---------- settings ----------


def test_the_default_is_loopback_with_the_dev_token_in_development() -> None:
    assert server_settings({}) == ("127.0.0.1", DEV_ACTION_TOKEN)
    assert server_settings({"HOTLINE_ENV": " Development "}) == ("127.0.0.1", DEV_ACTION_TOKEN)
    assert server_settings({"ACTION_SERVER_HOST": "::1"}) == ("::1", DEV_ACTION_TOKEN)
    assert server_settings({"ACTION_SERVER_HOST": "localhost"}) == ("localhost", DEV_ACTION_TOKEN)


@pytest.mark.parametrize("env", [
    {"ACTION_SERVER_HOST": "0.0.0.0"},  # a network address without a token
    {"ACTION_SERVER_HOST": "192.0.2.7"},
    {"ACTION_SERVER_HOST": "::"},
    {"ACTION_SERVER_TOKEN": "fifteen-chars.."},  # too short, even on loopback
    {"ACTION_SERVER_HOST": "0.0.0.0", "ACTION_SERVER_TOKEN": "fifteen-chars.."},
    {"ACTION_SERVER_HOST": "0.0.0.0", "ACTION_SERVER_TOKEN": DEV_ACTION_TOKEN},  # the dev token on the network
    {"HOTLINE_ENV": "production"},  # no token outside development
    {"HOTLINE_ENV": "production", "ACTION_SERVER_TOKEN": DEV_ACTION_TOKEN},  # the dev token outside development
    {"HOTLINE_ENV": "", "ACTION_SERVER_TOKEN": DEV_ACTION_TOKEN},
])
def test_settings_that_would_expose_the_server_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(StartRefused, match="ACTION_SERVER_TOKEN must be a secret of 16\\+ characters"):
        server_settings(env)


@pytest.mark.parametrize("env, expected", [
    ({"ACTION_SERVER_HOST": "0.0.0.0", "ACTION_SERVER_TOKEN": "sixteen-chars..."}, ("0.0.0.0", "sixteen-chars...")),
    ({"ACTION_SERVER_HOST": "0.0.0.0", "ACTION_SERVER_TOKEN": TOKEN, "HOTLINE_ENV": "production"}, ("0.0.0.0", TOKEN)),
    ({"ACTION_SERVER_TOKEN": TOKEN, "HOTLINE_ENV": "production"}, ("127.0.0.1", TOKEN)),
])
def test_a_real_token_is_accepted_anywhere(env: dict[str, str], expected: tuple[str, str]) -> None:
    assert server_settings(env) == expected


@pytest.mark.parametrize("host, is_loopback", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.0.2.7", False), ("10.0.0.1", False), ("fd00::2", False),
    ("example.org", False), ("", False), ("127.0.0.1.example.org", False),
])
def test_loopback(host: str, is_loopback: bool) -> None:
    assert loopback(host) is is_loopback


@pytest.mark.parametrize("authorization, ok", [
    (f"Bearer {TOKEN}", True), (f"bearer {TOKEN}", True), (f"Bearer {TOKEN} ", True),
    (f"Token {TOKEN}", False), (TOKEN, False), ("Bearer", False), ("Bearer ", False), ("", False), (None, False),
    (f"Bearer {TOKEN[:-1]}", False), (f"Bearer {TOKEN}x", False), (f"Bearer {DEV_ACTION_TOKEN}", False),
    ("Bearer 令牌令牌令牌令牌", False),
])
def test_authorised(authorization: str | None, ok: bool) -> None:
    assert authorised(authorization, TOKEN) is ok


# ---------- the real server ----------

def server_env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTION_SERVER_") and k != "HOTLINE_ENV"}
    return {**env, "PYTHONPATH": str(ROOT), **changes}


def start(port: int, env: dict[str, str], *, stderr: Any = subprocess.PIPE) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "actions.server", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=stderr)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    process = start(port, server_env(ACTION_SERVER_TOKEN=TOKEN), stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def call(url: str, *, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


REPEAT = {
    "next_action": "action_repeat_last",
    "sender_id": "123456789",
    "tracker": {"sender_id": "123456789", "slots": {"appeal_description": "路灯坏了"}, "latest_message": {},
                "events": [], "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None},
    "domain": {},
    "version": "3.6.2",
}


@pytest.mark.integration
def test_health_needs_no_token(server: str) -> None:
    assert call(f"{server}/health") == (200, {"status": "ok"})


@pytest.mark.integration
@pytest.mark.parametrize("token", [None, "a-wrong-token-of-24-chars", DEV_ACTION_TOKEN])
def test_actions_need_the_token(server: str, token: str | None) -> None:
    status, answer = call(f"{server}/webhook", token=token, body=REPEAT)
    assert status == 401 and "ACTION_SERVER_TOKEN" in answer["error"]
    assert call(f"{server}/actions", token=token)[0] == 401


@pytest.mark.integration
def test_with_the_token_an_action_runs(server: str) -> None:
    status, answer = call(f"{server}/webhook", token=TOKEN, body=REPEAT)
    assert status == 200
    assert answer["responses"][0]["response"] == "utter_what_else"  # nothing said before: what can I do?
    status, actions = call(f"{server}/actions", token=TOKEN)
    assert status == 200 and {"name": "action_repeat_last"} in actions


def network_address() -> str | None:
    """An IPv4 address of this machine other than loopback, if it has one."""
    candidates = [socket.gethostbyname(socket.gethostname())]
    try:
        candidates += subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout.split()
    except (OSError, subprocess.SubprocessError):
        pass
    for address in candidates:
        if "." in address and not address.startswith("127."):
            return address
    return None


@pytest.mark.integration
def test_it_listens_on_loopback_only(server: str) -> None:
    address = network_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    with socket.create_server(("0.0.0.0", 0)) as control:  # the address is reachable from here at all
        socket.create_connection((address, control.getsockname()[1]), timeout=5).close()
    port = int(server.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection((address, port), timeout=5).close()


@pytest.mark.integration
@pytest.mark.parametrize("env", [
    {"ACTION_SERVER_HOST": "0.0.0.0"},
    {"HOTLINE_ENV": "production", "ACTION_SERVER_TOKEN": DEV_ACTION_TOKEN},
])
def test_an_exposed_start_exits_with_2(env: dict[str, str]) -> None:
    port = free_port()
    process = start(port, server_env(**env))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "refusing to start" in stderr.decode()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
