"""The JSON of ``GET /api/rates``: each group with its name, counts and rates, and the total."""

from dataclasses import asdict
from typing import Any

from hotline.deps import Backend
from hotline.domain.rates import Counts, GroupBy


def group_name(key: str | None, group_by: GroupBy, backend: Backend, lang: str) -> str | None:
    """A sub-district's or department's name in ``lang`` (sub-districts: Chinese or English)."""
    if key is None:
        return None
    if group_by is GroupBy.DEPARTMENT and key in backend.taxonomy.departments:
        return backend.taxonomy.departments[key][lang]
    if group_by is GroupBy.SUBDISTRICT and key in backend.gazetteer.subdistricts:
        place = backend.gazetteer.subdistricts[key]
        return place.name_zh if lang == "zh" else place.name_en
    return key


def rates_view(groups: dict[str | None, Counts], group_by: GroupBy, backend: Backend, lang: str) -> dict[str, Any]:
    total = sum(groups.values(), Counts())
    return {
        "group_by": group_by.value,
        "groups": [{"key": key, "name": group_name(key, group_by, backend, lang), **counts.rates(),
                    "counts": asdict(counts)} for key, counts in groups.items()],
        "total": {**total.rates(), "counts": asdict(total)},
    }
