"""Start the whole system as child processes: backend, action server, outbox worker, notifier, Rasa.

Used by ``make run`` (tools/run_all.py) and by integration tests. Each process gets its
settings through the environment; logs go to files in ``log_dir``. With ``instances`` > 1, every
process runs that many times behind HAProxy (tools/load_balancer.py), as on separate machines.
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
from tools.load_balancer import Pool, haproxy_command, wait_for_fronts, write_config
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
    # each process's own address: one per copy ("rasa": the Rasa servers behind rasa_url)
    instance_urls: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def kill(self, name: str) -> None:
        """kill -9 one process ("backend", "rasa", "notifier", ...)."""
        assert self.processes is not None
        self.processes.kill(name)

    def restart(self, name: str) -> None:
        """Start a killed process again and wait until it serves."""
        assert self.processes is not None
        self.processes.start(name)
        kind, _, number = name.rpartition("-") if name[-1].isdigit() else (name, "", "1")
        urls = self.instance_urls.get(kind) or ()
        if not urls:
            return
        url = urls[int(number) - 1]
        if kind == "backend":
            wait_for_port(int(urlparse(url).port or 0), timeout=60)
        elif kind == "rasa":
            wait_for_rasa(url, self.rasa_jwt_secret)

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


def instance_names(name: str, instances: int) -> list[str]:
    """The process names of ``name``'s copies: ``rasa`` alone, or ``rasa-1`` .. ``rasa-N``."""
    return [name] if instances == 1 else [f"{name}-{number}" for number in range(1, instances + 1)]


@contextmanager
def running_stack(model: Path, *, log_dir: Path, database_url: str | None = None, redis_url: str | None = None,
                  backend_port: int | None = None, actions_port: int | None = None, rasa_port: int | None = None,
                  rasa_jwt_secret: str = DEV_RASA_JWT_SECRET, backend_env: dict[str, str] | None = None,
                  start_backend: bool = True, instances: int = 1, env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Start everything; ``start_backend=False`` leaves the backend's port empty (an outage); ``env``
    adds settings to every process's environment (limits a load test lifts, say).

    ``instances`` > 1 starts that many copies of every process (backend, action server, Rasa server
    and the workers) and HAProxy in front of the servers, on the ports one copy would have had
    (tools/load_balancer.py). The copies share Redis and the database, as on separate machines.
    """
    if instances < 1:
        raise ValueError("instances must be at least 1")
    if instances > 1 and not redis_url:
        raise ValueError("several instances share their conversations through Redis: give a redis_url")
    log_dir.mkdir(parents=True, exist_ok=True)
    backend_port = backend_port or free_port()
    actions_port = actions_port or free_port()
    rasa_port = rasa_port or free_port()
    # One copy listens on the front port itself; several listen on their own and HAProxy on the front.
    ports = {name: [front] if instances == 1 else [free_port() for _ in range(instances)]
             for name, front in (("backend", backend_port), ("actions", actions_port), ("rasa", rasa_port))}
    processes = Processes(log_dir)
    stack = Stack(f"http://127.0.0.1:{backend_port}", f"http://127.0.0.1:{actions_port}",
                  f"http://127.0.0.1:{rasa_port}", rasa_jwt_secret, redis_url, processes,
                  instance_urls={name: tuple(f"http://127.0.0.1:{port}" for port in found)
                                 for name, found in ports.items()})
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONHOME"))}
    base.update(env or {})
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
    database = {"DATABASE_URL": database_url} if database_url else {}
    commands: list[tuple[str, list[str], dict[str, str]]] = []
    for number, name in enumerate(instance_names("backend", instances)):
        if start_backend:
            commands.append((name, [str(SERVICES_PY), "-m", "hotline"],
                             {"HOTLINE_PORT": str(ports["backend"][number]), **database,
                              **({"REDIS_URL": redis_url} if redis_url else {"REDIS_URL": "redis://127.0.0.1:1/0"}),
                              **(backend_env or {})}))
    for number, name in enumerate(instance_names("actions", instances)):
        # loopback only, and every call needs ACTION_SERVER_TOKEN (actions/server.py)
        commands.append((name, [str(ASSISTANT_PY), "-m", "actions.server", "--port", str(ports["actions"][number])],
                         {}))
    for number, name in enumerate(instance_names("rasa", instances)):
        # the documented start command: channels from the environment, the HTTP API behind a JWT
        commands.append((name, [str(ASSISTANT_PY), "-m", "assistant", "run", "--model", str(model), "--enable-api",
                                "--port", str(ports["rasa"][number]),
                                "--endpoints", "endpoints.yml" if redis_url else "endpoints.memory.yml"], {}))
    if redis_url:
        for name in instance_names("outbox-worker", instances):
            commands.append((name, [str(ASSISTANT_PY), "-m", "actions.outbox_worker"], {}))
        # resolution notifications and survey reminders (DATABASE_URL: the note translation cache)
        for name in instance_names("notifier", instances):
            commands.append((name, [str(SERVICES_PY), "-m", "hotline.notifier"], database))
        # Machine translation for operators, off the request path (hotline/machine_translation/worker.py).
        for name in instance_names("translation-worker", instances):
            commands.append((name, [str(SERVICES_PY), "-m", "hotline.machine_translation.worker"], database))
    pools = [Pool("backend", backend_port, tuple(ports["backend"]), "/ready"),
             Pool("actions", actions_port, tuple(ports["actions"]), "/health"),
             Pool("rasa", rasa_port, tuple(ports["rasa"]), "/webhooks/health/ready", sticky=True)]
    if not start_backend:
        pools.pop(0)
    try:
        if instances > 1:
            config = write_config(log_dir, pools, stats_port=free_port())
            processes.start("load-balancer", haproxy_command(config), {**base})
            wait_for_fronts(pools)
        for name, command, extra in commands:
            processes.start(name, command, {**base, **shared, **extra})
            if name.startswith("backend"):  # it migrates the database before it listens: the workers read it
                wait_for_port(ports["backend"][0], timeout=60)
        for port in ports["backend"] if start_backend else []:
            wait_for_port(port, timeout=60)
        for port in ports["actions"]:
            wait_for_port(port, timeout=120)
        for url in stack.instance_urls["rasa"]:
            wait_for_rasa(url, rasa_jwt_secret)
        if instances > 1:  # and until the load balancer's checks have seen one up
            wait_for_rasa(stack.rasa_url, rasa_jwt_secret)
        yield stack
    finally:
        processes.stop_all()
