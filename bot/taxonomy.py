"""The appeal category taxonomy: 12 top-level areas, groups, and leaf categories.

Loaded from ``bot/data/taxonomy.json`` at start. Only leaves are Open311 services:
a leaf's ``code`` is its ``service_code``.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import DataFileError
from bot.lang import LANGS

DEFAULT_TAXONOMY_PATH = Path(__file__).parent / "data" / "taxonomy.json"

TOP_LEVEL_CODES: tuple[str, ...] = (
    "urban_management", "housing_property", "utilities", "transport", "environment",
    "market_regulation", "labor_social_security", "public_security", "education",
    "health", "civil_affairs", "emergency_safety",
)
URGENT_TOP_LEVELS = frozenset({"emergency_safety"})
URGENT_RESPONSE_HOURS = 2
ATTRIBUTE_DATATYPES = frozenset({"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"})
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")

Names = Mapping[str, str]


@dataclass(frozen=True)
class AttributeValue:
    key: str
    name: Names


@dataclass(frozen=True)
class Attribute:
    """An Open311 service attribute (an extra question asked for a category)."""

    code: str
    datatype: str
    required: bool
    order: int
    description: Names
    values: tuple[AttributeValue, ...] = ()


@dataclass(frozen=True)
class Category:
    """One node of the taxonomy. Leaves (level 3) carry routing and SLA data."""

    code: str
    name: Names
    level: int
    parent: str | None
    top: str
    description: Names = field(default_factory=dict)
    department: str = ""
    response_hours: int = 0
    resolution_hours: int = 0
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    attributes: tuple[Attribute, ...] = ()
    needs_location: bool = True  # False for requests about the resident, not a place (an operator call-back)

    @property
    def is_leaf(self) -> bool:
        return self.level == 3

    @property
    def urgent(self) -> bool:
        """Everything under emergency_safety, and any leaf that must be answered within 2 hours."""
        return self.top in URGENT_TOP_LEVELS or (self.is_leaf and self.response_hours <= URGENT_RESPONSE_HOURS)


@dataclass(frozen=True)
class Taxonomy:
    categories: Mapping[str, Category]
    departments: Mapping[str, Names]

    @property
    def leaves(self) -> list[Category]:
        return [c for c in self.categories.values() if c.is_leaf]

    @property
    def top_levels(self) -> list[Category]:
        return [c for c in self.categories.values() if c.level == 1]

    def leaf(self, code: str) -> Category | None:
        """The leaf category with this service code, or None."""
        category = self.categories.get(code)
        return category if category is not None and category.is_leaf else None

    def path(self, code: str) -> list[Category]:
        """The chain from the top level down to ``code``."""
        chain: list[Category] = []
        current: str | None = code
        while current is not None:
            node = self.categories[current]
            chain.append(node)
            current = node.parent
        return chain[::-1]


def load_taxonomy(path: Path = DEFAULT_TAXONOMY_PATH) -> Taxonomy:
    """Read and validate the taxonomy file.

    Raises:
        DataFileError: the file is missing, not JSON, or breaks the schema.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(f"cannot read taxonomy {path}: {exc}") from exc
    return taxonomy_from_dict(data)


def taxonomy_from_dict(data: Mapping[str, Any]) -> Taxonomy:
    """Build a validated taxonomy from its decoded JSON form."""
    departments = {code: _names(names, f"department {code}") for code, names in data["departments"].items()}
    attributes = {top: tuple(_attribute(a) for a in attrs) for top, attrs in data.get("attributes", {}).items()}
    categories: dict[str, Category] = {}

    def add(node: Mapping[str, Any], level: int, parent: str | None, top: str) -> None:
        code = node.get("code", "")
        if not isinstance(code, str) or not _CODE.match(code):
            raise DataFileError(f"bad category code {code!r}")
        if code in categories:
            raise DataFileError(f"duplicate category code {code!r}")
        name = _names(node.get("name"), code)
        children = node.get("children", [])
        if level < 3:
            categories[code] = Category(code=code, name=name, level=level, parent=parent, top=top)
            if not children:
                raise DataFileError(f"{code}: level {level} needs children")
            for child in children:
                add(child, level + 1, code, top)
            return
        if children:
            raise DataFileError(f"{code}: the taxonomy has exactly 3 levels")
        department = node.get("department", "")
        if department not in departments:
            raise DataFileError(f"{code}: unknown department {department!r}")
        response_hours, resolution_hours = int(node["response_hours"]), int(node["resolution_hours"])
        if not 0 < response_hours <= resolution_hours:
            raise DataFileError(f"{code}: need 0 < response_hours <= resolution_hours")
        categories[code] = Category(
            code=code, name=name, level=3, parent=parent, top=top,
            description=_names(node.get("description", name), code),
            department=department,
            response_hours=response_hours,
            resolution_hours=resolution_hours,
            keywords={lang: tuple(words) for lang, words in node.get("keywords", {}).items()},
            examples={lang: tuple(texts) for lang, texts in node.get("examples", {}).items()},
            attributes=attributes.get(top, ()),
            needs_location=bool(node.get("needs_location", True)),
        )

    for top_node in data["categories"]:
        add(top_node, 1, None, top_node.get("code", ""))
    found = tuple(c.code for c in categories.values() if c.level == 1)
    if sorted(found) != sorted(TOP_LEVEL_CODES):
        raise DataFileError(f"top-level categories must be exactly {TOP_LEVEL_CODES}, got {found}")
    return Taxonomy(categories=categories, departments=departments)


def _names(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or any(not value.get(lang.value) for lang in LANGS):
        raise DataFileError(f"{where}: needs names in {[lang.value for lang in LANGS]}")
    return {lang.value: str(value[lang.value]) for lang in LANGS}


def _attribute(raw: Mapping[str, Any]) -> Attribute:
    datatype = raw.get("datatype")
    if datatype not in ATTRIBUTE_DATATYPES:
        raise DataFileError(f"attribute {raw.get('code')}: bad datatype {datatype!r}")
    values = tuple(AttributeValue(key=str(v["key"]), name=_names(v["name"], str(v["key"])))
                   for v in raw.get("values", []))
    if datatype.endswith("valuelist") and not values:
        raise DataFileError(f"attribute {raw.get('code')}: a list needs values")
    return Attribute(
        code=str(raw["code"]), datatype=datatype, required=bool(raw.get("required", False)),
        order=int(raw.get("order", 0)), description=_names(raw["description"], str(raw["code"])), values=values,
    )
