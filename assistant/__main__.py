"""Start the assistant: ``python -m assistant run --model models/... [any other rasa run option]``.

The one start command for development (``make run``) and every deployment: it refuses a Rasa
version the patches were not checked against, applies the speed fixes, adds the channels the
environment switches on to the credentials (``--credentials``, default ``credentials.yml``),
closes what Rasa leaves open (JWT instead of ``--auth-token``, no ``--cors *``, the message gate
of assistant/gate.py, a 1 MB body limit), then hands over to Rasa's own command line.
"""

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.version import UnsupportedRasaVersion, check_rasa_version
from bot.rasa_jwt import DEV_RASA_JWT_SECRET

MAX_REQUEST_BYTES = 1024 * 1024


class StartRefused(RuntimeError):
    """The options would open the server to anyone."""


USAGE = "usage: python -m assistant run [rasa run options]  (e.g. --model models/hotline-<hash>.tar.gz --enable-api)"


def _credentials_argument(argv: list[str]) -> tuple[Path, list[str]]:
    """The base credentials file from ``argv`` (default credentials.yml) and argv without that option."""
    rest, base = [], Path("credentials.yml")
    skip = False
    for index, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg == "--credentials" and index + 1 < len(argv):
            base, skip = Path(argv[index + 1]), True
        elif arg.startswith("--credentials="):
            base = Path(arg.split("=", 1)[1])
        else:
            rest.append(arg)
    return base, rest


def _rasa_run_options(argv: list[str]) -> Any:
    """``argv`` as ``rasa run`` itself parses it (short forms and abbreviations included)."""
    from rasa.__main__ import create_argument_parser

    return create_argument_parser().parse_args(["run", *argv])


def _wildcard(origins: list[str]) -> bool:
    """An origin list that admits every page ("*", or a regular expression sanic-cors would match widely)."""
    return any(origin.strip() in ("*", ".*", ".+", "^.*$") or "*" in origin.strip() for origin in origins)


def _security_arguments(argv: list[str], environ: Mapping[str, str]) -> list[str]:
    """Rasa options that keep the HTTP API and CORS closed (docs/security.md).

    The options are judged as Rasa's own parser reads them, so ``-t``, ``--auth``, ``--cor`` and
    wildcards anywhere in a list count as what they mean.

    Raises:
        StartRefused: an auth token (Rasa reads it from the URL, where it lands in logs), a CORS
            wildcard, or the HTTP API without a real JWT secret outside development.
    """
    options = _rasa_run_options(argv)
    if options.auth_token is not None:
        raise StartRefused("--auth-token travels in URLs; set RASA_JWT_SECRET instead (callers send a JWT header)")
    origins = [o.strip() for o in environ.get("WEBCHAT_ORIGINS", "").split(",") if o.strip()]
    if _wildcard(list(options.cors or [])) or _wildcard(origins):
        raise StartRefused("--cors * lets any web page use the API; name the web chat's origins (WEBCHAT_ORIGINS)")
    extra: list[str] = []
    if origins and not options.cors:
        extra += ["--cors", *origins]
    development = environ.get("HOTLINE_ENV", "development").strip().lower() == "development"
    if options.enable_api:
        secret = options.jwt_secret or environ.get("RASA_JWT_SECRET", "")
        if not secret and development:
            secret = DEV_RASA_JWT_SECRET
        if len(secret) < 16 or (secret == DEV_RASA_JWT_SECRET and not development):
            raise StartRefused("RASA_JWT_SECRET must be a secret of 16+ characters for --enable-api")
        if not options.jwt_secret:
            extra += ["--jwt-secret", secret]
        extra += ["--jwt-method", "HS256"]  # our callers sign HS256 (bot/rasa_jwt.py); last one wins
    return extra


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "run":
        print(USAGE, file=sys.stderr)
        return 2
    import rasa

    try:
        check_rasa_version(rasa.__version__)
    except UnsupportedRasaVersion as error:
        print(f"refusing to start: {error}", file=sys.stderr)
        return 3
    from assistant.credentials import environment_channels, write_credentials
    from assistant.speedups import apply_speedups

    apply_speedups()
    base, rest = _credentials_argument(args[1:])
    try:
        rest += _security_arguments(rest, os.environ)
    except StartRefused as error:
        print(f"refusing to start: {error}", file=sys.stderr)
        return 2
    from assistant.gate import install_gate
    from assistant.jwt_guard import apply_jwt_guard

    install_gate()
    apply_jwt_guard()
    # Sanic's own body limit (100 MB by default) for every route; the connectors check tighter ones.
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(MAX_REQUEST_BYTES))
    if not base.is_file():
        print(f"refusing to start: no credentials file at {base}", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="assistant-credentials-"))
    atexit.register(shutil.rmtree, folder, True)
    credentials = write_credentials(base, os.environ, folder)
    for key, why in environment_channels(os.environ):
        print(f"assistant: channel {key} on ({why})", file=sys.stderr)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "run", *rest, "--credentials", str(credentials)]
    rasa_main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
