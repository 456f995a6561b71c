"""What a connector or the gate says itself, without a Rasa turn: "slow down", with the emergency numbers."""

from functools import lru_cache
from typing import Any

FALLBACK = "Please slow down. Emergency: 110, 119, 120, 122."


@lru_cache(maxsize=1)
def _catalog() -> Any:
    from translations.catalog import load_catalog

    return load_catalog()


def slow_down_notice(text: str | None) -> str:
    """"Slow down" in the language ``text`` is written in; every refused person still gets the emergency numbers."""
    from translations.detect import detect_language

    catalog = _catalog()
    lang = detect_language((text or "")[:500]).language.value
    numbers = catalog.render("msg_emergency_numbers_all", lang, {})
    variant = catalog.render("msg_slow_down", lang, {"numbers": numbers["text"] if numbers else ""})
    return str(variant["text"]) if variant else FALLBACK
