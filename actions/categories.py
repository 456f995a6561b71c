"""Categories for the appeal form: suggestions, names and required questions.

Asked of the backend (its taxonomy is the one that counts) and cached for ten minutes per
language. When the backend cannot be reached, the same shipped taxonomy (bot/data) answers
locally, so a resident can finish an appeal that then waits in the outbox.
"""

import time
from functools import lru_cache
from typing import Any

from actions import deps
from actions.hotline_client import CategorySuggestion
from bot.errors import HotlineError
from bot.suggest import CategorySuggester
from bot.taxonomy import Taxonomy, load_taxonomy

TTL_SECONDS = 600.0
_names: dict[str, tuple[float, dict[str, str]]] = {}
_attributes: dict[tuple[str, str], tuple[float, list[dict[str, Any]]]] = {}


@lru_cache(maxsize=1)
def local_taxonomy() -> Taxonomy:
    return load_taxonomy()


@lru_cache(maxsize=1)
def local_suggester() -> CategorySuggester:
    return CategorySuggester(local_taxonomy())


def clear() -> None:
    _names.clear()
    _attributes.clear()


async def suggest(text: str, language: str, limit: int = 3) -> list[CategorySuggestion]:
    try:
        return await deps.hotline().suggest(text, language, limit=limit)
    except HotlineError:
        return [CategorySuggestion(s.category.code, s.category.name[language], s.confidence)
                for s in local_suggester().suggest(text, language, limit=limit)]


async def service_names(language: str) -> dict[str, str]:
    cached = _names.get(language)
    if cached and time.monotonic() - cached[0] < TTL_SECONDS:
        return cached[1]
    try:
        names = await deps.hotline().service_names(language)
    except HotlineError:
        return {leaf.code: leaf.name[language] for leaf in local_taxonomy().leaves}
    _names[language] = (time.monotonic(), names)
    return names


async def required_attributes(service_code: str, language: str) -> list[dict[str, Any]]:
    """The category's required Open311 attributes, in order, as the service definition gives them."""
    key = (service_code, language)
    cached = _attributes.get(key)
    if cached and time.monotonic() - cached[0] < TTL_SECONDS:
        return cached[1]
    try:
        definition = await deps.hotline().service_definition(service_code, language)
    except HotlineError:
        return _local_required(service_code, language)
    wanted = sorted((a for a in definition.get("attributes", []) if a.get("required")), key=lambda a: a["order"])
    _attributes[key] = (time.monotonic(), wanted)
    return wanted


def _local_required(service_code: str, language: str) -> list[dict[str, Any]]:
    leaf = local_taxonomy().leaf(service_code)
    if leaf is None:
        return []
    return [
        {"code": a.code, "required": True, "order": a.order, "datatype": a.datatype,
         "description": a.description[language],
         "values": [{"key": v.key, "name": v.name[language]} for v in a.values]}
        for a in sorted(leaf.attributes, key=lambda a: a.order) if a.required
    ]
