"""Cached look-ups: the backend's category names and required questions, and short texts.

Category names and service definitions change rarely; they are cached for ten minutes per
language so a form turn does not cost a backend round trip each time.
"""

import time
from functools import lru_cache
from typing import Any

from actions import deps
from translations.catalog import Catalog, load_catalog

TTL_SECONDS = 600.0
_names: dict[str, tuple[float, dict[str, str]]] = {}
_attributes: dict[tuple[str, str], tuple[float, list[dict[str, Any]]]] = {}


async def service_names(language: str) -> dict[str, str]:
    cached = _names.get(language)
    if cached and time.monotonic() - cached[0] < TTL_SECONDS:
        return cached[1]
    names = await deps.hotline().service_names(language)
    _names[language] = (time.monotonic(), names)
    return names


async def required_attributes(service_code: str, language: str) -> list[dict[str, Any]]:
    """The category's required Open311 attributes, in order."""
    key = (service_code, language)
    cached = _attributes.get(key)
    if cached and time.monotonic() - cached[0] < TTL_SECONDS:
        return cached[1]
    definition = await deps.hotline().service_definition(service_code, language)
    wanted = sorted((a for a in definition.get("attributes", []) if a.get("required")), key=lambda a: a["order"])
    _attributes[key] = (time.monotonic(), wanted)
    return wanted


def clear() -> None:
    _names.clear()
    _attributes.clear()


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_catalog()


def fragment(name: str, language: str, **params: Any) -> str:
    """A short text (a label, a number list) in ``language`` from the response catalogue."""
    rendered = catalog().render(name, language, params)
    return str(rendered["text"]) if rendered else ""
