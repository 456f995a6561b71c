"""The web chat's per-address limits: generous defaults (carrier NAT), each one set from the environment."""

import pytest

from channels.kit.rate_limit import Limit
from channels.webchat.connector import MESSAGES_PER_ADDRESS, SESSIONS_PER_ADDRESS


def test_defaults_leave_room_for_many_residents_behind_one_address() -> None:
    assert SESSIONS_PER_ADDRESS.from_env({}, "WEBCHAT_SESSIONS") == Limit(60, 30)
    assert MESSAGES_PER_ADDRESS.from_env({}, "WEBCHAT_ADDRESS") == Limit(600, 120)


def test_every_limit_comes_from_its_own_setting() -> None:
    env = {"WEBCHAT_SESSIONS_PER_MINUTE": "5", "WEBCHAT_SESSIONS_BURST": "2", "WEBCHAT_ADDRESS_PER_MINUTE": "90",
           "WEBCHAT_ADDRESS_BURST": "9"}
    assert SESSIONS_PER_ADDRESS.from_env(env, "WEBCHAT_SESSIONS") == Limit(5, 2)
    assert MESSAGES_PER_ADDRESS.from_env(env, "WEBCHAT_ADDRESS") == Limit(90, 9)


@pytest.mark.parametrize("name, value", [("WEBCHAT_SESSIONS_BURST", "0"), ("WEBCHAT_SESSIONS_PER_MINUTE", "-1")])
def test_a_limit_that_would_refuse_everyone_stops_the_start(name: str, value: str) -> None:
    with pytest.raises(ValueError):
        SESSIONS_PER_ADDRESS.from_env({name: value}, "WEBCHAT_SESSIONS")
