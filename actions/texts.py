"""Short texts (labels, number lists) in the resident's language, from the response catalogue."""

from functools import lru_cache
from typing import Any

from translations.catalog import Catalog, load_catalog


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_catalog()


def fragment(name: str, language: str, **params: Any) -> str:
    rendered = catalog().render(name, language, params)
    return str(rendered["text"]) if rendered else ""
