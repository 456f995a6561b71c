"""``make run``: start what the system needs on development defaults, then the backend.

Starts a local redis-server (data in var/redis) when nothing answers on REDIS_URL's port,
then runs the hotline backend in the foreground. Later services join here.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


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
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                                "--appendonly", "yes"], stdout=subprocess.DEVNULL)
    for _ in range(100):
        if listening(host, port):
            print(f"redis: started redis-server on {host}:{port} (data in var/redis)")
            return process
        time.sleep(0.05)
    print("redis: redis-server did not start; events wait in the outbox")
    return process


def main() -> int:
    redis_process = ensure_redis(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        return subprocess.call([sys.executable, "-m", "hotline"], cwd=ROOT)
    except KeyboardInterrupt:
        return 0
    finally:
        if redis_process is not None:
            redis_process.terminate()


if __name__ == "__main__":
    raise SystemExit(main())
