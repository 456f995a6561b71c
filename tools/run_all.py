"""``make run``: start the whole system on development defaults.

Starts a local redis-server (data in var/redis) when nothing answers on REDIS_URL's port,
then the hotline backend (8000), the action server (5055), the appeal outbox worker, the
translation worker (models from ``make models``) and the Rasa server (5005) with the model
``make model`` trained. Logs go to var/log/. Ctrl-C stops all.
``INSTANCES=N`` (``make run INSTANCES=2``) starts N copies of every process, with HAProxy in front of
the Rasa servers, the action servers and the backends on the same ports (tools/load_balancer.py).
Without Redis, Rasa keeps conversations in memory and appeals cannot be queued (a warning says so).
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from bot.rasa_jwt import DEV_RASA_JWT_SECRET
from tools.ports import free_port, wait_for_port
from tools.stack import DEV_REST_KEY, running_stack
from tools.train_model import model_path

ROOT = Path(__file__).resolve().parent.parent


def listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


REDIS_MAXMEMORY = os.environ.get("REDIS_MAXMEMORY", "1gb")


def redis_arguments(port: int, folder: Path, password: str | None) -> list[str]:
    """Loopback only, durable, and bounded: at most REDIS_MAXMEMORY, evicting only keys that expire.

    ``volatile-lru`` evicts only keys with a TTL (conversations, dedupe records, rate buckets); the
    outboxes and streams have none, so Redis refuses new writes rather than lose a queued appeal.
    A password (from REDIS_URL) is required when the URL carries one.
    """
    arguments = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--appendonly", "yes",
                 "--maxmemory", REDIS_MAXMEMORY, "--maxmemory-policy", "volatile-lru"]
    return arguments + (["--requirepass", password] if password else [])



@contextmanager
def make_run_redis(prefix: str) -> Iterator[str]:
    """A redis-server with the arguments ``make run`` gives it, in a temporary folder (for benchmarks)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    port = free_port()
    process = subprocess.Popen([shutil.which("redis-server") or "redis-server", *redis_arguments(port, folder, None)],
                               stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def ensure_redis(url: str) -> subprocess.Popen[bytes] | None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if listening(host, port):
        print(f"redis: using the server on {host}:{port}")
        return None
    if host not in ("127.0.0.1", "localhost"):
        print(f"redis: nothing answers on {host}:{port}; events wait in the outbox until it does")
        return None
    binary = shutil.which("redis-server")
    if binary is None:
        print("redis: redis-server is not installed; events wait in the outbox (run `make setup`)")
        return None
    folder = ROOT / "var" / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([binary, *redis_arguments(port, folder, parsed.password)], stdout=subprocess.DEVNULL)
    for _ in range(100):
        if listening(host, port):
            print(f"redis: started redis-server on {host}:{port} (data in var/redis)")
            return process
        time.sleep(0.05)
    print("redis: redis-server did not start; events wait in the outbox")
    return process


def main() -> int:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    redis_process = ensure_redis(redis_url)
    parsed = urlparse(redis_url)
    redis_up = listening(parsed.hostname or "127.0.0.1", parsed.port or 6379)
    if not redis_up:
        print("WARNING: no Redis: conversations are kept in memory and lost on restart, and appeals "
              "cannot wait in the outbox while the backend is down.")
    model = model_path()
    if not model.exists():
        print("no trained model: run `make model` (make run does this for you)")
        return 2
    jwt_secret = os.environ.get("RASA_JWT_SECRET", DEV_RASA_JWT_SECRET)
    if os.environ.get("HOTLINE_ENV", "development") != "development" and not urlparse(redis_url).password:
        print("refusing to start: outside development REDIS_URL must carry a password (redis://:<password>@host)")
        return 2
    instances = int(os.environ.get("INSTANCES", "1") or 1)
    if instances > 1 and not redis_up:
        print("refusing to start: INSTANCES > 1 needs Redis (the copies share conversations and queues)")
        return 2
    print(f"starting backend, action server, outbox worker and Rasa ({instances} of each; Rasa needs about a "
          "minute)...", flush=True)
    try:
        with running_stack(model, log_dir=ROOT / "var" / "log", redis_url=redis_url if redis_up else None,
                           database_url=os.environ.get("DATABASE_URL"),
                           backend_port=int(os.environ.get("HOTLINE_PORT", 8000)),
                           actions_port=5055, rasa_port=5005, rasa_jwt_secret=jwt_secret,
                           instances=instances) as stack:
            print(f"""
ready:
  web chat         {stack.webchat_url}
  Rasa HTTP API    {stack.rasa_url}  (Authorization: Bearer <HS256 JWT signed with RASA_JWT_SECRET>)
  REST channel     {stack.rasa_url}/webhooks/rest/webhook  (Authorization: Bearer {DEV_REST_KEY})
  backend          {stack.backend_url}/open311/v2/services.json
  operator console {stack.backend_url}/console/  (token: dev-operator-token)
  logs             var/log/
Ctrl-C stops everything.""", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        if redis_process is not None:
            redis_process.terminate()


if __name__ == "__main__":
    raise SystemExit(main())
