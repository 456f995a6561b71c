"""Handling units: who fixes things. Every department of the taxonomy and every sub-district office of the gazetteer.

A unit's id is ``dept:<department code>`` or ``subdistrict:<12-digit code>``; both come from the data files
(bot/data/taxonomy.json, bot/data/subdistricts.csv), so adding a department or a sub-district there adds its
unit. The taxonomy's ``subdistrict_office`` is not a unit of its own: it means "the sub-district office of
the place", resolved per ticket. ``hotline_center`` is the call centre itself, which dispatches and never
appears in a unit queue.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from bot.gazetteer import Gazetteer
from bot.taxonomy import Taxonomy

DEPARTMENT_PREFIX = "dept:"
SUBDISTRICT_PREFIX = "subdistrict:"
PLACE_OFFICE = "subdistrict_office"  # the taxonomy's "whichever sub-district office the place is in"
CALL_CENTRE = "hotline_center"


@dataclass(frozen=True)
class Unit:
    id: str
    kind: str  # "department" or "subdistrict"
    name_zh: str
    name_en: str
    district_code: str | None = None  # sub-district offices only

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


class Units:
    """Every unit, by id."""

    def __init__(self, units: Mapping[str, Unit]) -> None:
        self.by_id = dict(units)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.by_id

    def get(self, unit_id: str) -> Unit | None:
        return self.by_id.get(unit_id)

    def all(self) -> list[Unit]:
        return list(self.by_id.values())

    def for_routing(self, department: str, subdistrict_code: str | None) -> str | None:
        """The unit a routed ticket goes to, or None when the call centre has to decide.

        A department handles its own categories; ``subdistrict_office`` categories go to the office of
        the ticket's sub-district, and without a known sub-district nobody can take them yet.
        """
        if department == PLACE_OFFICE:
            unit = f"{SUBDISTRICT_PREFIX}{subdistrict_code}" if subdistrict_code else None
        elif department == CALL_CENTRE:
            unit = None
        else:
            unit = f"{DEPARTMENT_PREFIX}{department}"
        return unit if unit in self.by_id else None


def load_units(taxonomy: Taxonomy, gazetteer: Gazetteer) -> Units:
    units: dict[str, Unit] = {}
    for code, names in taxonomy.departments.items():
        if code in (PLACE_OFFICE, CALL_CENTRE):
            continue
        units[DEPARTMENT_PREFIX + code] = Unit(DEPARTMENT_PREFIX + code, "department", names["zh"], names["en"])
    for sub in gazetteer.subdistricts.values():
        district = gazetteer.districts[sub.district_code]
        units[SUBDISTRICT_PREFIX + sub.code] = Unit(
            SUBDISTRICT_PREFIX + sub.code, "subdistrict", f"{district.name_zh}{sub.name_zh}",
            f"{sub.name_en}, {district.name_en}", district_code=sub.district_code)
    return Units(units)
