"""Start the assistant: ``python -m assistant run --model models/... [any other rasa run option]``.

The one start command for development (``make run``) and every deployment: it refuses a Rasa
version the patches were not checked against, applies the speed fixes, adds the channels the
environment switches on to the credentials (``--credentials``, default ``credentials.yml``),
then hands over to Rasa's own command line.
"""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

from assistant.version import UnsupportedRasaVersion, check_rasa_version

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
