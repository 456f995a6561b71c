"""What connectors write for Rasa: intent payloads only they may send, and residents' typed text.

A shared location, a photo and content the bot cannot read reach Rasa as payloads
(``/share_location{...}``, ``/share_media{...}``, ``/unsupported_message``). Typed text loses any
leading ``/``, so a resident cannot forge one.
"""

import json
from typing import Any

UNSUPPORTED = "/unsupported_message"
MAX_LABEL_CHARS = 200


def payload(intent: str, entities: dict[str, Any]) -> str:
    """A Rasa intent payload: ``/intent{"entity": value}`` (JSON keeps Chinese as it is)."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(', ', ': '))}"


def typed(text: Any) -> str:
    """What a resident typed, unable to start with ``/`` ("" when nothing is left)."""
    return text.strip().lstrip("/").strip() if isinstance(text, str) else ""


def share_location(latitude: float, longitude: float, label: str = "") -> str:
    """A shared place, with its label (a venue's name or address) when there is one."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return UNSUPPORTED
    entities: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if label.strip():
        entities["location_label"] = label.strip()[:MAX_LABEL_CHARS]
    return payload("share_location", entities)


def share_media(url: str) -> str:
    """A photo's http(s) link for the appeal."""
    return payload("share_media", {"media_url": url}) if url.startswith(("https://", "http://")) else UNSUPPORTED
