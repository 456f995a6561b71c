"""The HAProxy configuration tools/stack.py writes for several copies: HAProxy itself accepts it
(``haproxy -c``), and it says what the stack relies on."""

from pathlib import Path

import pytest

from tools.load_balancer import Pool, check_config, haproxy_config, write_config


def pools() -> list[Pool]:
    return [Pool("backend", 18000, (18001, 18002), "/health"), Pool("actions", 18055, (18056, 18057), "/health"),
            Pool("rasa", 18005, (18006, 18007, 18008), "/", sticky=True)]


def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    config = write_config(tmp_path, pools(), stats_port=18100)  # runs `haproxy -c`, raises when rejected
    assert config.read_text() == haproxy_config(pools(), 18100)


def test_every_copy_is_health_checked_and_only_rasa_is_sticky() -> None:
    text = haproxy_config(pools())
    assert "bind 127.0.0.1:18005" in text and "bind 127.0.0.1:18000" in text  # loopback only
    for port in (18001, 18002, 18056, 18057, 18006, 18007, 18008):
        assert f"127.0.0.1:{port} check" in text
    assert text.count("cookie HOTLINE_") == 1 and "cookie HOTLINE_RASA insert" in text
    assert "retry-on conn-failure\n" in text  # never a turn the server may have run: no empty-response retry
    assert "timeout tunnel" in text  # web chat WebSockets outlive an HTTP timeout


def test_a_broken_configuration_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.cfg"
    broken.write_text("frontend x\n    bind 127.0.0.1:notaport\n")
    with pytest.raises(RuntimeError, match="haproxy rejected"):
        check_config(broken)
