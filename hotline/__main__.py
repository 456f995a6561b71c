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
    print(f"  Open311:  http://127.0.0.1:{settings.port}/open311/v2/services.json", flush=True)
    print(f"  console:  http://127.0.0.1:{settings.port}/console/", flush=True)
    print(f"  API docs: http://127.0.0.1:{settings.port}/docs", flush=True)
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.port, log_level="info")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
