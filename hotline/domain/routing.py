"""Route an appeal: responsible department, district, sub-district and priority.

Deadlines come from the rules in hotline/dispatch/data/deadline_rules.toml (hotline.dispatch.deadlines).
"""

from dataclasses import dataclass

from bot.gazetteer import Gazetteer, Place
from bot.taxonomy import Category

URGENT = "urgent"
NORMAL = "normal"


@dataclass(frozen=True)
class Routing:
    department: str
    district_code: str | None
    subdistrict_code: str | None
    priority: str
    located_by: str | None  # "address", "nearest" or None


def locate(gazetteer: Gazetteer, *, address: str | None, lat: float | None, lon: float | None) -> Place | None:
    """Prefer a sub-district named in the address; else the nearest centroid; else a district name."""
    by_address = gazetteer.match_address(address) if address else None
    if by_address is not None and by_address.subdistrict is not None:
        return by_address
    if lat is not None and lon is not None:
        nearest = gazetteer.nearest(lat, lon)
        if nearest is not None:
            return nearest
    return by_address


def route(
    category: Category,
    gazetteer: Gazetteer,
    *,
    address: str | None,
    lat: float | None,
    lon: float | None,
) -> Routing:
    """Decide who handles an appeal, from its leaf category and location."""
    place = locate(gazetteer, address=address, lat=lat, lon=lon)
    return Routing(
        department=category.department,
        district_code=place.district.code if place else None,
        subdistrict_code=place.subdistrict.code if place and place.subdistrict else None,
        priority=URGENT if category.urgent else NORMAL,
        located_by=place.method if place else None,
    )
