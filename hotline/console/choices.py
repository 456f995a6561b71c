"""What the dispatch forms offer: units, categories (the taxonomy's leaves) and sub-districts, grouped for a person.

Departments come first, then each district's sub-district offices; categories are grouped by their top level.
The option values are exactly what the dispatcher takes (unit ids, service codes, 12-digit sub-district codes),
so a form sends nothing the console has to translate back.
"""

from dataclasses import dataclass

from bot.gazetteer import Gazetteer
from bot.taxonomy import Taxonomy
from hotline.console.i18n import Translator
from hotline.dispatch.units import SUBDISTRICT_PREFIX, Units


@dataclass(frozen=True)
class Group:
    label: str
    options: list[tuple[str, str]]  # (value, label)


def _name(gazetteer: Gazetteer, code: str, lang: str) -> str:
    sub = gazetteer.subdistricts[code]
    return sub.name_zh if lang == "zh" else sub.name_en


def unit_groups(units: Units, gazetteer: Gazetteer, lang: str, t: Translator) -> list[Group]:
    """City departments, then the sub-district offices under their district."""
    departments = Group(t("units_departments"), [(u.id, u.name(lang)) for u in units.all() if u.kind == "department"])
    offices: dict[str, list[tuple[str, str]]] = {code: [] for code in gazetteer.districts}
    for unit in units.all():
        if unit.kind == "subdistrict" and unit.district_code in offices:
            offices[unit.district_code].append((unit.id, _name(gazetteer, unit.id[len(SUBDISTRICT_PREFIX):], lang)))
    districts = [Group(d.name_zh if lang == "zh" else d.name_en, offices[code])
                 for code, d in gazetteer.districts.items() if offices[code]]
    return [departments, *districts]


def category_groups(taxonomy: Taxonomy, lang: str) -> list[Group]:
    """Every leaf, under its top level, named by the path below the top (``路灯 › 路灯不亮``)."""
    groups = []
    for top in taxonomy.top_levels:
        leaves = [(c.code, " › ".join(n.name[lang] for n in taxonomy.path(c.code)[1:]))
                  for c in taxonomy.leaves if c.top == top.code]
        if leaves:
            groups.append(Group(top.name[lang], leaves))
    return groups


def subdistrict_groups(gazetteer: Gazetteer, lang: str) -> list[Group]:
    """Every sub-district under its district."""
    by_district: dict[str, list[tuple[str, str]]] = {code: [] for code in gazetteer.districts}
    for sub in gazetteer.subdistricts.values():
        by_district[sub.district_code].append((sub.code, _name(gazetteer, sub.code, lang)))
    return [Group(d.name_zh if lang == "zh" else d.name_en, by_district[code])
            for code, d in gazetteer.districts.items() if by_district[code]]


def unit_name(units: Units, unit_id: str | None, lang: str) -> str:
    """A unit's name in ``lang``; the bare id for one the data files no longer have."""
    unit = units.get(unit_id) if unit_id else None
    return unit.name(lang) if unit is not None else (unit_id or "—")
