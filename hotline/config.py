"""One settings object per process, read from the environment (twelve-factor)."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_API_KEY = "dev-open311-key"
DEV_OPERATOR_TOKEN = "dev-operator-token"
DEV_SERVICE_KEY = "dev-service-key"
DEV_MEDIA_KEY = "dev-media-key"
DEV_MEDIA_HOSTS = frozenset({"127.0.0.1", "localhost"})  # any port; outside development no host unless set
PLACEHOLDERS = frozenset({DEV_API_KEY, DEV_OPERATOR_TOKEN, DEV_SERVICE_KEY, "", "changeme", "change-me"})
MIN_SECRET_CHARS = 16


class SettingsError(RuntimeError):
    """The configuration cannot be used (for example placeholder secrets in production)."""


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    host: str = "127.0.0.1"  # HOTLINE_HOST: where `python -m hotline` listens (0.0.0.0: every interface)
    port: int = 8000
    database_url: str = f"sqlite:///{ROOT / 'var' / 'hotline.db'}"
    redis_url: str = "redis://127.0.0.1:6379/0"
    api_keys: frozenset[str] = frozenset({DEV_API_KEY})
    operator_token: str = DEV_OPERATOR_TOKEN
    service_key: str = DEV_SERVICE_KEY
    # Public media links (hotline/open311/media.py): HMAC key, hosts the backend fetches media from, link lifetime.
    media_key: str = DEV_MEDIA_KEY
    media_hosts: frozenset[str] = DEV_MEDIA_HOSTS
    media_link_seconds: int = 3600
    events_stream: str = "hotline:events"
    # Open311 POST rate limits (hotline/rate_limits.py), per minute: per client address, per assistant key
    # (HOTLINE_ASSISTANT_API_KEYS, default every HOTLINE_API_KEYS key) and per other key.
    address_rate_per_minute: int = 30
    key_rate_per_minute: int = 6000
    other_key_rate_per_minute: int = 600
    assistant_api_keys: frozenset[str] = frozenset()
    trusted_proxies: tuple[str, ...] = ()  # addresses/CIDRs whose X-Forwarded-For is believed
    urgent_merge_minutes: int = 10  # an urgent report joins the same source's open urgent ticket this recent
    relay_interval_seconds: float = 0.5
    # The relay leader logs the events stream report this often, with an alarm line when a consumer group's
    # unread events pass this fraction of the stream's trim length (hotline/stream_report.py).
    stream_report_seconds: float = 60.0
    stream_alarm_fraction: float = 0.5
    escalation_sweep_seconds: float = 30.0  # how often the relay leader fires due deadline steps
    max_body_bytes: int = 64 * 1024
    console_idle_minutes: int = 30  # a console session ends after this long without a request
    console_session_hours: int = 12  # and this long after sign-in, whatever happens
    login_max_failures: int = 5  # failed sign-ins from one address within the window before 429
    login_window_minutes: int = 15
    audit_retention_days: int = 365
    data_dir: Path = field(default=ROOT / "bot" / "data")
    argos_packages_dir: Path = field(default=ROOT / "var" / "argos-packages")

    @property
    def assistant_keys(self) -> frozenset[str]:
        """The API keys the assistant files with: HOTLINE_ASSISTANT_API_KEYS, else every key."""
        return self.assistant_api_keys & self.api_keys or self.api_keys

    @property
    def development(self) -> bool:
        return self.environment == "development"

    def check(self) -> None:
        """Refuse placeholder or short secrets outside development.

        Raises:
            SettingsError: naming every variable that must be set.
        """
        if self.development:
            return
        bad = []
        if not self.api_keys or any(_weak(k) for k in self.api_keys):
            bad.append("HOTLINE_API_KEYS")
        if _weak(self.operator_token):
            bad.append("HOTLINE_OPERATOR_TOKEN")
        if _weak(self.service_key):
            bad.append("HOTLINE_SERVICE_KEY")
        if _weak(self.media_key) or self.media_key == DEV_MEDIA_KEY:
            bad.append("HOTLINE_MEDIA_KEY")
        if bad:
            raise SettingsError(
                f"{', '.join(bad)} must be set to real secrets (at least {MIN_SECRET_CHARS} characters) "
                f"when HOTLINE_ENV={self.environment}"
            )

    def describe(self) -> str:
        """A start-up banner; secrets are shown only when they are the public development defaults."""
        def show(secret: str) -> str:
            return secret if secret in PLACEHOLDERS else "<set>"

        return "\n".join([
            f"hotline backend ({self.environment})",
            f"  HOTLINE_HOST={self.host} (127.0.0.1: this machine only; 0.0.0.0: every interface)",
            f"  HOTLINE_PORT={self.port}",
            f"  DATABASE_URL={_hide_password(self.database_url)}",
            f"  REDIS_URL={_hide_password(self.redis_url)}",
            f"  HOTLINE_API_KEYS={','.join(sorted(show(k) for k in self.api_keys))}",
            f"  HOTLINE_OPERATOR_TOKEN={show(self.operator_token)}",
            f"  HOTLINE_SERVICE_KEY={show(self.service_key)}",
            f"  HOTLINE_MEDIA_KEY={self.media_key if self.media_key == DEV_MEDIA_KEY else show(self.media_key)}",
            f"  HOTLINE_MEDIA_HOSTS={','.join(sorted(self.media_hosts)) or '(none)'} "
            f"HOTLINE_MEDIA_LINK_SECONDS={self.media_link_seconds}",
            f"  ARGOS_PACKAGES_DIR={self.argos_packages_dir}",
            f"  Open311 POSTs per minute: {self.address_rate_per_minute} per client address "
            f"(HOTLINE_ADDRESS_RATE_PER_MINUTE), {self.key_rate_per_minute} per assistant key "
            f"(HOTLINE_KEY_RATE_PER_MINUTE), {self.other_key_rate_per_minute} per other key; "
            f"HOTLINE_TRUSTED_PROXIES={','.join(self.trusted_proxies) or '(none)'}",
            f"  HOTLINE_URGENT_MERGE_MINUTES={self.urgent_merge_minutes}",
        ])


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    keys = frozenset(k.strip() for k in env.get("HOTLINE_API_KEYS", "").split(",") if k.strip())
    return Settings(
        environment=env.get("HOTLINE_ENV", defaults.environment).strip().lower(),
        port=int(env.get("HOTLINE_PORT", defaults.port)),
        database_url=env.get("DATABASE_URL", defaults.database_url),
        redis_url=env.get("REDIS_URL", defaults.redis_url),
        host=env.get("HOTLINE_HOST", defaults.host).strip() or defaults.host,
        address_rate_per_minute=int(env.get("HOTLINE_ADDRESS_RATE_PER_MINUTE", defaults.address_rate_per_minute)),
        key_rate_per_minute=int(env.get("HOTLINE_KEY_RATE_PER_MINUTE", defaults.key_rate_per_minute)),
        other_key_rate_per_minute=int(env.get("HOTLINE_OTHER_KEY_RATE_PER_MINUTE",
                                              defaults.other_key_rate_per_minute)),
        assistant_api_keys=_csv_set(env.get("HOTLINE_ASSISTANT_API_KEYS", "")),
        trusted_proxies=tuple(sorted(_csv_set(env.get("HOTLINE_TRUSTED_PROXIES", "")))),
        urgent_merge_minutes=int(env.get("HOTLINE_URGENT_MERGE_MINUTES", defaults.urgent_merge_minutes)),
        api_keys=keys or defaults.api_keys,
        operator_token=env.get("HOTLINE_OPERATOR_TOKEN", defaults.operator_token),
        service_key=env.get("HOTLINE_SERVICE_KEY", defaults.service_key),
        media_key=env.get("HOTLINE_MEDIA_KEY", defaults.media_key),
        media_hosts=_media_hosts(env),
        media_link_seconds=int(env.get("HOTLINE_MEDIA_LINK_SECONDS", defaults.media_link_seconds)),
        console_idle_minutes=int(env.get("HOTLINE_CONSOLE_IDLE_MINUTES", defaults.console_idle_minutes)),
        console_session_hours=int(env.get("HOTLINE_CONSOLE_SESSION_HOURS", defaults.console_session_hours)),
        login_max_failures=int(env.get("HOTLINE_LOGIN_MAX_FAILURES", defaults.login_max_failures)),
        login_window_minutes=int(env.get("HOTLINE_LOGIN_WINDOW_MINUTES", defaults.login_window_minutes)),
        audit_retention_days=int(env.get("HOTLINE_AUDIT_RETENTION_DAYS", defaults.audit_retention_days)),
        stream_report_seconds=float(env.get("HOTLINE_STREAM_REPORT_SECONDS", defaults.stream_report_seconds)),
        stream_alarm_fraction=float(env.get("HOTLINE_STREAM_ALARM_FRACTION", defaults.stream_alarm_fraction)),
        escalation_sweep_seconds=float(env.get("HOTLINE_ESCALATION_SWEEP_SECONDS",
                                               defaults.escalation_sweep_seconds)),
        argos_packages_dir=Path(env.get("ARGOS_PACKAGES_DIR") or defaults.argos_packages_dir),
    )


def _csv_set(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def _media_hosts(env: Mapping[str, str]) -> frozenset[str]:
    """HOTLINE_MEDIA_HOSTS (host or host:port, comma separated); unset: the loopback names in development only."""
    hosts = frozenset(h.strip().lower() for h in env.get("HOTLINE_MEDIA_HOSTS", "").split(",") if h.strip())
    development = env.get("HOTLINE_ENV", "development").strip().lower() == "development"
    return hosts or (DEV_MEDIA_HOSTS if development else frozenset())


def _weak(secret: str) -> bool:
    return secret in PLACEHOLDERS or len(secret) < MIN_SECRET_CHARS


def _hide_password(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
