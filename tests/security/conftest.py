"""One real stack for the whole attack suite (issue 13): Rasa, the action server, the backend, the
workers and a throwaway Redis, started once (about a minute) and shared by every module.

The REST channel's per-address burst is raised for the suite (``SUITE_ENV``: 150 at once, then 2 a second,
instead of 20 and 1): most tests speak from 127.0.0.1, and the fairness flood must reach the message gate
instead of stopping at the address limit. The refill stays slow so that test_rest_channel.py, which checks
the limit itself from an address of its own, sees it bite however slowly the machine answers. Everything
else runs with the defaults a deployment gets.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.doubles.local_servers import redis_server
from tools.stack import Stack, running_stack

SUITE_ENV = {"REST_ADDRESS_PER_MINUTE": "120", "REST_ADDRESS_BURST": "150"}


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
