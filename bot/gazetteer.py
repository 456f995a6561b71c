"""Beijing's districts and sub-districts: lookup by address text or by coordinates.

Data: ``bot/data/districts.csv`` and ``bot/data/subdistricts.csv`` (provenance in
``bot/data/README.md``). The sub-district file takes any number of rows; rows without
coordinates still match by name but are skipped by the nearest-centroid lookup.
"""

import csv
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.errors import DataFileError

DATA_DIR = Path(__file__).parent / "data"
# Beyond this distance from every known centroid a point is not in our city.
MAX_NEAREST_KM = 60.0
_ZH_SUFFIXES = ("街道", "地区", "镇", "乡")
_EN_SUFFIXES = (" subdistrict", " area", " town", " township", " district")


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Subdistrict:
    code: str
    name_zh: str
    name_en: str
    kind: str
    district_code: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Place:
    """Where an appeal is: always a district, a sub-district when one is known."""

    district: District
    subdistrict: Subdistrict | None
    method: str  # "address" or "nearest"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


class Gazetteer:
    """Name and coordinate lookups over districts and sub-districts."""

    def __init__(self, districts: list[District], subdistricts: list[Subdistrict]) -> None:
        self.districts = {d.code: d for d in districts}
        self.subdistricts = {s.code: s for s in subdistricts}
        for sub in subdistricts:
            if sub.district_code not in self.districts:
                raise DataFileError(f"sub-district {sub.code}: unknown district {sub.district_code}")
        # (needle, subdistrict) pairs, longest needle first so "永定门外" beats "永定".
        needles: list[tuple[str, Subdistrict]] = []
        for sub in subdistricts:
            needles.append((sub.name_zh, sub))
            stem = _strip(sub.name_zh, _ZH_SUFFIXES)
            if len(stem) >= 2 and stem != sub.name_zh:
                needles.append((stem, sub))
            en_stem = _strip(sub.name_en.lower(), _EN_SUFFIXES)
            if len(en_stem) >= 4:
                needles.append((en_stem, sub))
        self._needles = sorted(needles, key=lambda pair: -len(pair[0]))
        self._district_needles = sorted(
            [(d.name_zh, d) for d in districts]
            + [(_strip(d.name_zh, ("区",)), d) for d in districts]
            + [(_strip(d.name_en.lower(), _EN_SUFFIXES), d) for d in districts],
            key=lambda pair: -len(pair[0]),
        )
        self._located = [s for s in subdistricts if s.lat is not None and s.lon is not None]

    def match_address(self, text: str) -> Place | None:
        """Find the district and sub-district named in free address text (zh or en)."""
        lowered = text.lower()
        district = next((d for needle, d in self._district_needles if _contains(lowered, needle)), None)
        candidates = [sub for needle, sub in self._needles if _contains(lowered, needle)]
        if district is not None:
            in_district = [s for s in candidates if s.district_code == district.code]
            candidates = in_district or []
        if candidates:
            best = candidates[0]
            return Place(self.districts[best.district_code], best, "address")
        if district is not None:
            return Place(district, None, "address")
        return None

    def nearest(self, lat: float, lon: float) -> Place | None:
        """The sub-district whose centroid is nearest to the point, if within the city."""
        best: Subdistrict | None = None
        best_km = MAX_NEAREST_KM
        for sub in self._located:
            assert sub.lat is not None and sub.lon is not None
            km = haversine_km(lat, lon, sub.lat, sub.lon)
            if km < best_km:
                best, best_km = sub, km
        if best is None:
            return None
        return Place(self.districts[best.district_code], best, "nearest")


def load_gazetteer(data_dir: Path = DATA_DIR) -> Gazetteer:
    """Read ``districts.csv`` and ``subdistricts.csv`` from ``data_dir``.

    Raises:
        DataFileError: a file is missing or a row is malformed.
    """
    try:
        districts = [
            District(r["code"], r["name_zh"], r["name_en"], _coord(r["lat"]), _coord(r["lon"]))
            for r in _rows(data_dir / "districts.csv")
        ]
        subdistricts = [
            Subdistrict(r["code"], r["name_zh"], r["name_en"], r["kind"], r["district_code"],
                        _coord(r["lat"]), _coord(r["lon"]))
            for r in _rows(data_dir / "subdistricts.csv")
        ]
    except (KeyError, ValueError) as exc:
        raise DataFileError(f"malformed gazetteer row in {data_dir}: {exc}") from exc
    return Gazetteer(districts, subdistricts)


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise DataFileError(f"cannot read {path}: {exc}") from exc


def _coord(value: str) -> float | None:
    return float(value) if value.strip() else None


def _strip(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=4096)
def _whole_word(needle: str) -> re.Pattern[str]:
    """Compiled once per name: the gazetteer's Latin names outnumber re's own cache once other patterns share it."""
    return re.compile(rf"\b{re.escape(needle)}\b")


def _contains(haystack: str, needle: str) -> bool:
    """Substring match for Chinese; whole-word match for Latin names."""
    if needle.isascii():
        return _whole_word(needle).search(haystack) is not None
    return needle in haystack
