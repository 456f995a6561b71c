import subprocess
import sys

import pytest

from hotline.config import ROOT, SettingsError, load_settings

STRONG = "s3cret-value-0123456789"


def test_development_defaults_and_banner() -> None:
    settings = load_settings({})
    settings.check()
    assert settings.port == 8000 and settings.database_url.startswith("sqlite:///")
    banner = settings.describe()
    assert "HOTLINE_OPERATOR_TOKEN=dev-operator-token" in banner and "HOTLINE_PORT=8000" in banner


def test_environment_overrides() -> None:
    settings = load_settings({"HOTLINE_PORT": "9000", "HOTLINE_API_KEYS": "a, b ,", "REDIS_URL": "redis://r:1/2",
                              "DATABASE_URL": "postgresql://u:pw@db/hotline"})
    assert settings.port == 9000 and settings.api_keys == frozenset({"a", "b"})
    assert "pw" not in settings.describe() and "u:***@db" in settings.describe()


@pytest.mark.parametrize("missing", ["HOTLINE_API_KEYS", "HOTLINE_OPERATOR_TOKEN", "HOTLINE_SERVICE_KEY",
                                     "HOTLINE_MEDIA_KEY"])
def test_placeholder_secrets_refuse_production(missing: str) -> None:
    env = {"HOTLINE_ENV": "production", "HOTLINE_API_KEYS": STRONG, "HOTLINE_OPERATOR_TOKEN": STRONG + "1",
           "HOTLINE_SERVICE_KEY": STRONG + "2", "HOTLINE_MEDIA_KEY": STRONG + "3"}
    load_settings(env).check()
    env.pop(missing)
    with pytest.raises(SettingsError, match=missing):
        load_settings(env).check()
    with pytest.raises(SettingsError, match=missing):
        load_settings({**env, missing: "short"}).check()


def test_the_server_refuses_to_start_with_placeholders_outside_development() -> None:
    result = subprocess.run([sys.executable, "-m", "hotline"], cwd=ROOT, capture_output=True, text=True,
                            env={"HOTLINE_ENV": "production", "PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 2 and "refusing to start" in result.stderr
    assert "HOTLINE_OPERATOR_TOKEN" in result.stderr


def test_media_settings() -> None:
    development = load_settings({})
    assert development.media_hosts == frozenset({"127.0.0.1", "localhost"}) and development.media_link_seconds == 3600
    assert load_settings({"HOTLINE_ENV": "production"}).media_hosts == frozenset()
    chosen = load_settings({"HOTLINE_MEDIA_HOSTS": "Media.Example.org, 10.0.0.5:8080,",
                            "HOTLINE_MEDIA_LINK_SECONDS": "60"})
    assert chosen.media_hosts == frozenset({"media.example.org", "10.0.0.5:8080"})
    assert chosen.media_link_seconds == 60
    env = {"HOTLINE_ENV": "production", "HOTLINE_API_KEYS": STRONG, "HOTLINE_OPERATOR_TOKEN": STRONG + "1",
           "HOTLINE_SERVICE_KEY": STRONG + "2", "HOTLINE_MEDIA_KEY": "dev-media-key"}
    with pytest.raises(SettingsError, match="HOTLINE_MEDIA_KEY"):
        load_settings(env).check()
    assert "HOTLINE_MEDIA_KEY=<set>" in load_settings({**env, "HOTLINE_MEDIA_KEY": STRONG + "3"}).describe()
