"""Route an appeal: responsible department, district, sub-district, priority and due dates."""

from dataclasses import dataclass
from datetime import datetime, timedelta

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
    response_due: datetime
    resolution_due: datetime
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
    received_at: datetime,
) -> Routing:
    """Decide who handles an appeal and by when, from its leaf category and location."""
    place = locate(gazetteer, address=address, lat=lat, lon=lon)
    return Routing(
        department=category.department,
        district_code=place.district.code if place else None,
        subdistrict_code=place.subdistrict.code if place and place.subdistrict else None,
        priority=URGENT if category.urgent else NORMAL,
        response_due=received_at + timedelta(hours=category.response_hours),
        resolution_due=received_at + timedelta(hours=category.resolution_hours),
        located_by=place.method if place else None,
    )
