"""Real Redis and PostgreSQL servers for the integration tests, started in temporary folders.

Uses the Debian binaries (redis-server, /usr/lib/postgresql/*/bin); PostgreSQL refuses to run
as root, so under root the cluster is created and run as the ``postgres`` system user.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.ports import free_port, wait_for_port


class RedisProcess:
    """A redis-server that a test can stop and start again on the same port (outage tests)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="hotline-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run `make setup` (Debian package redis-server)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server; yields its URL."""
    process = RedisProcess()
    process.start()
    try:
        yield process.url
    finally:
        process.close()


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    binary = shutil.which(name)
    if binary is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: run `make setup` (Debian package postgresql)")
    return binary


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster with trust auth on loopback; yields the server URL (no database)."""
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    data = folder / "data"
    prefix: list[str] = []
    user = pwd.getpwuid(os.geteuid()).pw_name
    if as_root:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        prefix, user = ["runuser", "-u", "postgres", "--"], "postgres"
    port = free_port()
    subprocess.run([*prefix, _pg_bin("initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8",
                    "--no-locale"], check=True, stdout=subprocess.DEVNULL)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run([*prefix, _pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                    "-w", "start"], check=True, stdout=subprocess.DEVNULL)
    try:
        yield f"postgresql://{user}@127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, _pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)
