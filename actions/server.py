"""The action server, reachable only by Rasa: ``python -m actions.server [--port 5055]``.

rasa-sdk's own ``python -m rasa_sdk`` listens on 0.0.0.0 with no authentication and allows any
CORS origin: anyone who reaches port 5055 could run ``action_submit_survey`` on a conversation
they made up. This start command:

- listens on ``ACTION_SERVER_HOST`` (default 127.0.0.1);
- requires ``Authorization: Bearer <ACTION_SERVER_TOKEN>`` on every call but ``/health``,
  compared in constant time; Rasa sends it (endpoints.yml, ``action_endpoint.headers``);
- refuses to start on a non-loopback address without a real token (16+ characters), and
  outside development (``HOTLINE_ENV``) with the development token;
- allows no CORS origin (a browser has no business here).
"""

import argparse
import hmac
import ipaddress
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any, cast

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

DEV_ACTION_TOKEN = "dev-action-server-token"
MIN_TOKEN_CHARS = 16
MAX_BODY_BYTES = 1024 * 1024  # a tracker with its events; Rasa sends the whole conversation
logger = logging.getLogger(__name__)


class StartRefused(RuntimeError):
    """The settings would expose the action server."""


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_settings(env: Mapping[str, str]) -> tuple[str, str]:
    """(host, token) from the environment.

    Raises:
        StartRefused: a network address without a real token, or the development token outside development.
    """
    host = env.get("ACTION_SERVER_HOST", "127.0.0.1")
    token = env.get("ACTION_SERVER_TOKEN", "")
    development = env.get("HOTLINE_ENV", "development").strip().lower() == "development"
    if not token and development and loopback(host):
        token = DEV_ACTION_TOKEN
    weak = len(token) < MIN_TOKEN_CHARS or (token == DEV_ACTION_TOKEN and not development)
    if weak or (token == DEV_ACTION_TOKEN and not loopback(host)):
        raise StartRefused(f"ACTION_SERVER_TOKEN must be a secret of {MIN_TOKEN_CHARS}+ characters "
                           f"(host {host}, HOTLINE_ENV={env.get('HOTLINE_ENV', 'development')})")
    return host, token


def authorised(authorization: str | None, token: str) -> bool:
    scheme, _, sent = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


def build_app(token: str, package: str = "actions") -> Sanic:
    app: Any = create_app(package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path == "/health":
            return None
        if not authorised(request.headers.get("authorization"), token):
            return response.json({"error": "send Authorization: Bearer <ACTION_SERVER_TOKEN>"}, status=401)
        return None

    return cast(Sanic, app)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT", 5055)))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        host, token = server_settings(os.environ)
    except StartRefused as error:
        print(f"refusing to start: {error}", file=sys.stderr)
        return 2
    logger.info("action server on %s:%d (token required)", host, args.port)
    build_app(token).run(host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
