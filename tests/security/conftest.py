"""One real stack for the whole attack suite (issue 13): Rasa, the action server, the backend, the
workers and a throwaway Redis, started once (about a minute) and shared by every module.

The REST channel's per-key burst is raised for the suite (``SUITE_ENV``: 1000 at once instead of 200): every
test speaks with the one development key, and the fairness flood must reach the message gate instead of
stopping at the key's limit (tests/channels/rest/test_keys.py checks that limit). Everything else runs with
the defaults a deployment gets.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.doubles.local_servers import redis_server
from tools.stack import Stack, running_stack

SUITE_ENV = {"REST_KEY_BURST": "1000"}


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def stack(model: Path, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("security")
    print(f"\nattack suite: stack logs in {folder / 'log'}")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SUITE_ENV.items():
            patch.setenv(name, value)  # the children copy os.environ when they start
        with running_stack(model, log_dir=folder / "log", redis_url=redis_url,
                           database_url=f"sqlite:///{folder / 'hotline.db'}") as running:
            yield running
