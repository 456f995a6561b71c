"""Start the whole system as child processes: backend, action server, outbox worker, notifier, Rasa.

Used by ``make run`` (tools/run_all.py) and by integration tests. Each process gets its
settings through the environment; logs go to files in ``log_dir``.
"""

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bot.rasa_jwt import DEV_RASA_JWT_SECRET, admin_token
from tools.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
SERVICES_PY = ROOT / ".venv-services" / "bin" / "python"
ASSISTANT_PY = ROOT / ".venv-assistant" / "bin" / "python"
DEV_ACTION_TOKEN = "dev-action-server-token"
DEV_REST_KEY = "dev-rest-key"  # the REST integration "dev" (channels/rest/connector.py)
TRACKER_RETENTION_DAYS = "90"


class Processes:
    """The stack's child processes by name; tests kill one (-9) and start it again."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.specs: dict[str, tuple[list[str], dict[str, str]]] = {}
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        if command is not None and env is not None:
            self.specs[name] = (command, env)
        command, env = self.specs[name]
        log = open(self.log_dir / f"{name}.log", "ab")
        self.running[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up, as when a machine dies."""
        process = self.running.pop(name)
        process.kill()
        process.wait(timeout=20)

    def stop_all(self) -> None:
        for process in self.running.values():
            process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass(frozen=True)
class Stack:
    backend_url: str
    actions_url: str
    rasa_url: str
    rasa_jwt_secret: str
    redis_url: str | None
    processes: Processes | None = field(default=None, compare=False, repr=False)

    def kill(self, name: str) -> None:
        """kill -9 one process ("backend", "rasa", "notifier", ...)."""
        assert self.processes is not None
        self.processes.kill(name)

    def restart(self, name: str) -> None:
        """Start a killed process again and wait until it serves."""
        assert self.processes is not None
        self.processes.start(name)
        if name == "backend":
            wait_for_port(int(urlparse(self.backend_url).port or 0), timeout=60)
        elif name == "rasa":
            wait_for_rasa(self.rasa_url, self.rasa_jwt_secret)

    @property
    def webchat_url(self) -> str:
        return f"{self.rasa_url}/webhooks/socketio/chat"

    def rasa_headers(self) -> dict[str, str]:
        """Authorization for Rasa's HTTP API: a short-lived admin JWT."""
        return {"Authorization": f"Bearer {admin_token(self.rasa_jwt_secret, subject='tools')}"}

    @staticmethod
    def rest_headers(key: str = DEV_REST_KEY) -> dict[str, str]:
        """Authorization for the REST channel (the development integration "dev")."""
        return {"Authorization": f"Bearer {key}"}

    @staticmethod
    def rest_conversation(sender: str, integration: str = "dev") -> str:
        """The conversation id the REST channel gives ``sender`` (channels/kit/identity.py)."""
        return f"rest:{integration}:{sender}"


def wait_for_rasa(url: str, jwt_secret: str, timeout: float = 240.0) -> None:
    """Wait until Rasa answers /status with a loaded model."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request = urllib.request.Request(f"{url}/status", headers={
            "Authorization": f"Bearer {admin_token(jwt_secret, subject='tools')}"})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if json.load(response).get("model_file"):
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"Rasa at {url} did not load its model within {timeout:.0f} s")


@contextmanager
def running_stack(model: Path, *, log_dir: Path, database_url: str | None = None, redis_url: str | None = None,
                  backend_port: int | None = None, actions_port: int | None = None, rasa_port: int | None = None,
                  rasa_jwt_secret: str = DEV_RASA_JWT_SECRET, backend_env: dict[str, str] | None = None,
                  start_backend: bool = True) -> Iterator[Stack]:
    """Start everything; ``start_backend=False`` leaves the backend's port empty (an outage)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    backend_port = backend_port or free_port()
    actions_port = actions_port or free_port()
    rasa_port = rasa_port or free_port()
    processes = Processes(log_dir)
    stack = Stack(f"http://127.0.0.1:{backend_port}", f"http://127.0.0.1:{actions_port}",
                  f"http://127.0.0.1:{rasa_port}", rasa_jwt_secret, redis_url, processes)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONHOME"))}
    base["PYTHONPATH"] = str(ROOT)
    shared = {"HOTLINE_URL": stack.backend_url, "RASA_URL": stack.rasa_url, "RASA_JWT_SECRET": rasa_jwt_secret,
              "ACTION_SERVER_URL": f"{stack.actions_url}/webhook",
              "ACTION_SERVER_TOKEN": base.get("ACTION_SERVER_TOKEN", DEV_ACTION_TOKEN),
              "TRACKER_RETENTION_DAYS": base.get("TRACKER_RETENTION_DAYS", TRACKER_RETENTION_DAYS)}
    if redis_url:
        parsed = urlparse(redis_url)
        shared.update(REDIS_URL=redis_url, REDIS_HOST=parsed.hostname or "127.0.0.1",
                      REDIS_PORT=str(parsed.port or 6379), REDIS_DB=(parsed.path.strip("/") or "0"),
                      REDIS_PASSWORD=parsed.password or "")
    else:
        base.pop("REDIS_URL", None)
    commands = [
        ("backend", [str(SERVICES_PY), "-m", "hotline"],
         {"HOTLINE_PORT": str(backend_port), **({"DATABASE_URL": database_url} if database_url else {}),
          **({"REDIS_URL": redis_url} if redis_url else {"REDIS_URL": "redis://127.0.0.1:1/0"}),
          **(backend_env or {})}),
        # loopback only, and every call needs ACTION_SERVER_TOKEN (actions/server.py)
        ("actions", [str(ASSISTANT_PY), "-m", "actions.server", "--port", str(actions_port)], {}),
        # the documented start command: channels from the environment, the HTTP API behind a JWT
        ("rasa", [str(ASSISTANT_PY), "-m", "assistant", "run", "--model", str(model), "--enable-api",
                  "--port", str(rasa_port),
                  "--endpoints", "endpoints.yml" if redis_url else "endpoints.memory.yml"], {}),
    ]
    if not start_backend:
        commands.pop(0)
    if redis_url:
        commands.append(("outbox-worker", [str(ASSISTANT_PY), "-m", "actions.outbox_worker"], {}))
        # resolution notifications and survey reminders (DATABASE_URL: the note translation cache)
        commands.append(("notifier", [str(SERVICES_PY), "-m", "hotline.notifier"],
                         {"DATABASE_URL": database_url} if database_url else {}))
        # Machine translation for operators, off the request path (hotline/machine_translation/worker.py).
        commands.append(("translation-worker", [str(SERVICES_PY), "-m", "hotline.machine_translation.worker"],
                         {"DATABASE_URL": database_url} if database_url else {}))
    try:
        for name, command, extra in commands:
            processes.start(name, command, {**base, **shared, **extra})
            if name == "backend":  # it migrates the database before it listens: the workers read it
                wait_for_port(backend_port, timeout=60)
        wait_for_port(actions_port, timeout=120)
        wait_for_rasa(stack.rasa_url, rasa_jwt_secret)
        yield stack
    finally:
        processes.stop_all()
