"""Start the hotline backend: ``python -m hotline`` (settings from the environment)."""

import logging
import sys

import uvicorn

from hotline.app import create_app
from hotline.config import SettingsError, load_settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = load_settings()
    try:
        settings.check()
    except SettingsError as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 2
    print(settings.describe(), flush=True)
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    shown = f"[{shown}]" if ":" in shown else shown
    print(f"  Open311:  http://{shown}:{settings.port}/open311/v2/services.json", flush=True)
    print(f"  console:  http://{shown}:{settings.port}/console/", flush=True)
    print(f"  API docs: http://{shown}:{settings.port}/docs", flush=True)
    # Client addresses come from the socket, or from X-Forwarded-For of HOTLINE_TRUSTED_PROXIES only
    # (hotline.rate_limits): uvicorn must not rewrite them from the header itself.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info", proxy_headers=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
