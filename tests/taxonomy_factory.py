"""Generate large, well-formed taxonomies for loader and routing tests (Beijing has ~2,000 leaves)."""

from typing import Any

from bot.taxonomy import TOP_LEVEL_CODES


def _names(label: str) -> dict[str, str]:
    return {"zh": f"{label}（中）", "en": label, "ja": f"{label}（日）"}


def generated_taxonomy(leaves_per_group: int = 24, groups_per_top: int = 7) -> dict[str, Any]:
    """A taxonomy dict with 12 x ``groups_per_top`` x ``leaves_per_group`` leaves (2,016 by default)."""
    departments = {f"dept_{top}": _names(f"Department of {top}") for top in TOP_LEVEL_CODES}
    categories = []
    for top in TOP_LEVEL_CODES:
        groups = []
        for g in range(groups_per_top):
            leaves = []
            for n in range(leaves_per_group):
                code = f"{top}_g{g}_leaf{n}"
                urgent = top == "emergency_safety"
                leaves.append({
                    "code": code,
                    "name": _names(f"{top} group {g} leaf {n}"),
                    "description": _names(f"Appeals about {code}"),
                    "department": f"dept_{top}",
                    "response_hours": 1 if urgent else 24,
                    "resolution_hours": 12 if urgent else 24 * (1 + n % 15),
                    "keywords": {"zh": [f"词{g}{n}"], "en": [f"word{g}x{n}"], "ja": [f"語{g}{n}"]},
                    "examples": {"zh": [f"例子{code}"], "en": [f"example {code}"], "ja": [f"例 {code}"]},
                })
            groups.append({"code": f"{top}_g{g}", "name": _names(f"{top} group {g}"), "children": leaves})
        categories.append({"code": top, "name": _names(top), "children": groups})
    return {"schema_version": 1, "source": "generated for tests", "departments": departments,
            "attributes": {}, "categories": categories}
