"""Build bot/data/subdistricts.csv (English names and kinds) from the NBS code list.

Maintenance tool only: it is not imported by the bot, not run at runtime and not
run by the tests. It needs the third-party ``pypinyin`` package, which is not a
project dependency, so use a throwaway virtualenv:

    python3.11 -m venv /tmp/gz && /tmp/gz/bin/pip install pypinyin
    /tmp/gz/bin/python tools/build_gazetteer.py /path/to/beijing_subdistricts.csv

(i.e. ``python tools/build_gazetteer.py /path/to/beijing_subdistricts.csv`` with
any Python 3.11 that has pypinyin), from the repository root.

Input: a CSV with columns ``code,name_zh,district_code,district_zh`` (Beijing's
township-level divisions, NBS 2022 codes, from the open dataset
"Administrative-divisions-of-China", WTFPL).

Output (default ``bot/data/subdistricts.csv``, override with ``--out``): columns
``code,name_zh,name_en,kind,district_code,lat,lon`` in input order.

* ``name_en`` is generated with pypinyin (no tones, syllables joined, apostrophe
  before a non-initial syllable starting with a/o/e, e.g. Guang'anmen) plus the
  English suffix for the Chinese generic term; polyphonic characters pypinyin
  gets wrong and names with an established English form are fixed by the tables
  ``PINYIN_FIXES`` and ``NAME_OVERRIDES`` below. Keep bot/data/README.md's list
  of hand corrections in step with these tables.
* ``kind`` is derived from the suffix (subdistrict/town/township/area/other).
* ``lat``/``lon`` are NOT generated: they are hand-entered in the output file.
  The script reads the existing output (or ``--coords``) and carries the
  coordinates over by code, so re-running it keeps them.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from pypinyin import lazy_pinyin

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bot" / "data" / "subdistricts.csv"

OUTPUT_COLUMNS = ["code", "name_zh", "name_en", "kind", "district_code", "lat", "lon"]
INPUT_COLUMNS = ["code", "name_zh", "district_code", "district_zh"]

# Chinese generic suffix -> (English suffix, kind). Longest suffix wins.
SUFFIXES: list[tuple[str, str, str]] = [
    ("回族乡", "Hui Ethnic Township", "township"),
    ("满族乡", "Manchu Ethnic Township", "township"),
    ("街道", "Subdistrict", "subdistrict"),
    ("地区", "Area", "area"),
    ("镇", "Town", "town"),
    ("乡", "Township", "township"),
]

# Romanisation of the proper-name part (suffix removed) where pypinyin picks the
# wrong reading of a polyphonic character or an established spelling differs.
PINYIN_FIXES: dict[str, str] = {
    "朝阳门": "Chaoyangmen",  # 朝 chao (not zhao)
    "什刹海": "Shichahai",  # 什 shi, 刹 cha
    "大栅栏": "Dashilar",  # official/local name, not Dazhalan
    "劲松": "Jinsong",  # 劲 jin (not jing)
    "长辛店": "Changxindian",  # 长 chang (not zhang)
    "长阳": "Changyang",
    "长沟": "Changgou",
    "长子营": "Changziying",
    "长哨营": "Changshaoying",
    "佛子庄": "Fozizhuang",  # 佛 fo (not fu)
    "十里堡": "Shilibao",  # 堡 bao, as in common use (pypinyin: Shilipu)
}

# Whole-name overrides: established English names and development zones.
NAME_OVERRIDES: dict[str, tuple[str, str]] = {
    "首都机场街道": ("Capital Airport Subdistrict", "subdistrict"),
    "天通苑北街道": ("Tiantongyuan North Subdistrict", "subdistrict"),
    "天通苑南街道": ("Tiantongyuan South Subdistrict", "subdistrict"),
    "北京经济技术开发区": ("Beijing Economic-Technological Development Area", "other"),
    "中关村国家自主创新示范区大兴生物医药产业基地": (
        "Zhongguancun National Innovation Demonstration Zone Daxing Biomedical Industry Base",
        "other",
    ),
    "大兴经济开发区": ("Daxing Economic Development Zone", "other"),
    "大兴国际机场": ("Daxing International Airport", "other"),
    "北京雁栖经济开发区": ("Beijing Yanqi Economic Development Zone", "other"),
    "中关村科技园区密云园": ("Zhongguancun Science Park Miyun Park", "other"),
}


def romanise(hanzi: str) -> str:
    """Toneless pinyin, syllables joined, apostrophe before a/o/e, capitalised."""
    syllables = lazy_pinyin(hanzi, v_to_u=True)
    out = ""
    for i, syl in enumerate(syllables):
        if i > 0 and syl[:1] in ("a", "o", "e"):
            out += "'"
        out += syl
    return out[:1].upper() + out[1:]


def split_suffix(name_zh: str) -> tuple[str, str, str] | None:
    """Return (proper-name part, English suffix, kind), or None if no suffix matches."""
    for suffix_zh, suffix_en, kind in SUFFIXES:
        if name_zh.endswith(suffix_zh) and len(name_zh) > len(suffix_zh):
            core = name_zh[: -len(suffix_zh)]
            if len(core) == 1:
                # Monosyllabic names keep the generic in the name: 张镇 -> Zhangzhen Town.
                core = name_zh[: len(core) + 1]
            return core, suffix_en, kind
    return None


def english_name(name_zh: str, used_fixes: set[str]) -> tuple[str, str]:
    """Return (name_en, kind) for one division name."""
    if name_zh in NAME_OVERRIDES:
        used_fixes.add(name_zh)
        return NAME_OVERRIDES[name_zh]
    parts = split_suffix(name_zh)
    if parts is None:
        raise ValueError(f"no known suffix and no override for {name_zh!r}")
    core, suffix_en, kind = parts
    if core in PINYIN_FIXES:
        used_fixes.add(core)
        roman = PINYIN_FIXES[core]
    else:
        roman = romanise(core)
    return f"{roman} {suffix_en}", kind


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_coordinates(path: Path) -> dict[str, tuple[str, str]]:
    """Map code -> (lat, lon) from an existing subdistricts.csv; empty if missing."""
    if not path.exists():
        return {}
    coords: dict[str, tuple[str, str]] = {}
    for row in read_rows(path):
        lat, lon = (row.get("lat") or "").strip(), (row.get("lon") or "").strip()
        if lat and lon:
            coords[row["code"]] = (lat, lon)
    return coords


def build(input_rows: list[dict[str, str]], coords: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
    used_fixes: set[str] = set()
    out: list[dict[str, str]] = []
    for row in input_rows:
        name_en, kind = english_name(row["name_zh"], used_fixes)
        lat, lon = coords.get(row["code"], ("", ""))
        out.append(
            {
                "code": row["code"],
                "name_zh": row["name_zh"],
                "name_en": name_en,
                "kind": kind,
                "district_code": row["district_code"],
                "lat": lat,
                "lon": lon,
            }
        )
    unused = (set(PINYIN_FIXES) | set(NAME_OVERRIDES)) - used_fixes
    if unused:
        print(f"warning: exceptions not used by any row: {sorted(unused)}", file=sys.stderr)
    return out


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=OUTPUT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="beijing_subdistricts.csv (code,name_zh,district_code,district_zh)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output CSV (default: {DEFAULT_OUT})")
    parser.add_argument(
        "--coords",
        type=Path,
        default=None,
        help="CSV with code,lat,lon to carry coordinates from (default: the existing --out file)",
    )
    args = parser.parse_args(argv)

    input_rows = read_rows(args.input)
    if input_rows and list(input_rows[0].keys()) != INPUT_COLUMNS:
        parser.error(f"unexpected input columns {list(input_rows[0].keys())}, want {INPUT_COLUMNS}")
    coords = load_coordinates(args.coords or args.out)
    rows = build(input_rows, coords)
    write_rows(args.out, rows)
    with_coords = sum(1 for r in rows if r["lat"])
    print(f"wrote {len(rows)} rows ({with_coords} with coordinates) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
