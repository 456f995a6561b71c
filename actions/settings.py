"""Action-server settings from the environment, read once."""

import os
from dataclasses import dataclass

from bot.rasa_jwt import DEV_RASA_JWT_SECRET

DEV_API_KEY = "dev-open311-key"
DEV_SERVICE_KEY = "dev-service-key"


@dataclass(frozen=True)
class ActionSettings:
    hotline_url: str = "http://127.0.0.1:8000"
    hotline_api_key: str = DEV_API_KEY
    hotline_service_key: str = DEV_SERVICE_KEY
    redis_url: str | None = None
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_jwt_secret: str = DEV_RASA_JWT_SECRET
    timeout_seconds: float = 5.0


def load_action_settings() -> ActionSettings:
    env = os.environ
    defaults = ActionSettings()
    return ActionSettings(
        hotline_url=env.get("HOTLINE_URL", defaults.hotline_url).rstrip("/"),
        hotline_api_key=env.get("HOTLINE_API_KEY", defaults.hotline_api_key),
        hotline_service_key=env.get("HOTLINE_SERVICE_KEY", defaults.hotline_service_key),
        redis_url=env.get("REDIS_URL") or None,
        rasa_url=env.get("RASA_URL", defaults.rasa_url).rstrip("/"),
        rasa_jwt_secret=env.get("RASA_JWT_SECRET", defaults.rasa_jwt_secret),
    )
