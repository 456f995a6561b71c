"""HAProxy (Debian's ``haproxy``) in front of several copies of a process, on loopback.

``tools/stack.py`` starts one HAProxy when ``instances`` > 1: the Rasa servers, the action servers
and the backends each behind their own front port (the port a single copy would have had), so
callers and configuration do not change with the number of copies.

- Round robin; a copy whose health check fails three times (one check a second, 5 s to answer) is
  taken out, at once when a request cannot connect to it, and such a request is sent to another copy
  (``retry-on conn-failure``). A request
  whose copy died while answering is not retried: a turn is not safe to run twice.
- Sticky sessions by cookie where a page holds a connection (``sticky``): socket.io's long polling
  needs every request of one connection on the same copy until it upgrades to a WebSocket, and a
  WebSocket stays on the copy that accepted it (``timeout tunnel``). Clients without the cookie
  (the REST channel, webhooks, the actions) are spread over all copies.
- The stats page on ``stats_port`` (loopback) shows each copy's state.
"""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tools.ports import wait_for_port


@dataclass(frozen=True)
class Pool:
    """Copies of one process behind one front port."""

    name: str
    front_port: int
    ports: tuple[int, ...]
    health_path: str
    sticky: bool = False


def haproxy_config(pools: list[Pool], stats_port: int | None = None) -> str:
    lines = [
        "global",
        "    maxconn 4096",  # two descriptors a connection, within the usual open-file limit
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 120s",
        "    timeout server 120s",
        "    timeout http-keep-alive 10s",
        "    timeout tunnel 1h",
        "    timeout check 5s",  # a busy server answers its probe late; it is not down
        "    option redispatch",
        "    retries 2",
        "    retry-on conn-failure",
    ]
    if stats_port:
        lines += ["frontend stats", f"    bind 127.0.0.1:{stats_port}", "    stats enable", "    stats uri /"]
    for pool in pools:
        lines += [f"frontend {pool.name}", f"    bind 127.0.0.1:{pool.front_port}", f"    default_backend {pool.name}",
                  f"backend {pool.name}", "    balance roundrobin",
                  f"    option httpchk GET {pool.health_path}", "    http-check expect status 200",
                  # down after 3 failed probes, or at once when real traffic cannot connect (killed, stopping)
                  "    default-server inter 1s fall 3 rise 2 observe layer4 error-limit 1 on-error mark-down"]
        if pool.sticky:
            lines.append(f"    cookie HOTLINE_{pool.name.upper()} insert indirect nocache httponly")
        for number, port in enumerate(pool.ports, start=1):
            cookie = f" cookie {number}" if pool.sticky else ""
            lines.append(f"    server {pool.name}-{number} 127.0.0.1:{port} check{cookie}")
    return "\n".join(lines) + "\n"


def haproxy_command(config: Path) -> list[str]:
    binary = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if binary is None:
        raise RuntimeError("haproxy is not installed: run `make setup` (Debian package haproxy)")
    return [binary, "-db", "-f", str(config)]  # -db: stay in the foreground


def check_config(config: Path) -> None:
    """``haproxy -c``: refuse to start on a configuration HAProxy rejects."""
    result = subprocess.run([*haproxy_command(config)[:1], "-c", "-q", "-f", str(config)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"haproxy rejected {config}: {result.stdout}{result.stderr}")


def write_config(folder: Path, pools: list[Pool], stats_port: int | None = None) -> Path:
    config = folder / "haproxy.cfg"
    config.write_text(haproxy_config(pools, stats_port), encoding="utf-8")
    check_config(config)
    return config


def wait_for_fronts(pools: list[Pool], timeout: float = 30.0) -> None:
    for pool in pools:
        wait_for_port(pool.front_port, timeout=timeout)
