"""Check bench/data/duplicates/pairs.jsonl and print its counts.

Run from the repository root:  python -m bench.data.duplicates.check_pairs [path]
Standard library only. Exits 1 and lists the problems when a check fails.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PAIRS = HERE / "pairs.jsonl"
TAXONOMY = ROOT / "bot" / "data" / "taxonomy.json"
SUBDISTRICTS = ROOT / "bot" / "data" / "subdistricts.csv"
DISTRICTS = ROOT / "bot" / "data" / "districts.csv"

LANGS = ("zh", "en", "ja")
LABELS = ("duplicate", "distinct")
SPLITS = ("dev", "test")
SIDE_KEYS = {"text", "service_code", "subdistrict_code", "address", "lat", "long", "hours_after_first"}
TOP_KEYS = {"id", "lang", "split", "label", "kind", "a", "b"}
MAX_HOURS = 2000
RECURRENCE_MIN_HOURS = 60 * 24
TEXT_MIN, TEXT_MAX = 8, 300
# a coordinate further than this from its sub-district's centre is reported
MAX_KM_FROM_CENTRE = 3.0
# Japanese writers use these forms of the characters in district names
JA_FORMS = str.maketrans("阳丰东顺门头沟兴怀云庆", "陽豊東順門頭溝興懐雲慶")


def leaf_codes(node: dict[str, Any]) -> set[str]:
    children = node.get("children") or []
    if not children:
        return {node["code"]}
    out: set[str] = set()
    for child in children:
        out |= leaf_codes(child)
    return out


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat1 - lat2) * 111.0
    dx = (lon1 - lon2) * 111.0 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


def district_patterns() -> dict[str, list[re.Pattern[str]]]:
    pats: dict[str, list[re.Pattern[str]]] = {}
    with DISTRICTS.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            zh = row["name_zh"]
            pinyin = row["name_en"].removesuffix(" District")
            pats[row["code"]] = [
                re.compile(re.escape(zh)),
                re.compile(re.escape(zh.translate(JA_FORMS))),
                re.compile(r"\b" + re.escape(pinyin) + r"\b(?!\s*(Park|Road|Rd|Lu|men))"),
            ]
    return pats


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else PAIRS
    taxonomy = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    leaves: set[str] = set()
    for cat in taxonomy["categories"]:
        leaves |= leaf_codes(cat)
    with SUBDISTRICTS.open(encoding="utf-8") as f:
        subdistricts = {row["code"]: row for row in csv.DictReader(f)}
    dpats = district_patterns()

    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"line {n}: empty line")
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: not JSON: {exc}")
            continue
        where = f"line {n} ({row.get('id')})"
        missing = TOP_KEYS - row.keys()
        extra = row.keys() - TOP_KEYS - {"lang_b"}
        if missing or extra:
            errors.append(f"{where}: missing keys {sorted(missing)} / unknown keys {sorted(extra)}")
            continue
        rid = row["id"]
        if rid in seen:
            errors.append(f"{where}: id repeated")
        seen.add(rid)
        if row["lang"] not in LANGS:
            errors.append(f"{where}: lang {row['lang']!r}")
        elif not re.fullmatch(row["lang"] + r"-\d{3}", rid):
            errors.append(f"{where}: id does not read {row['lang']}-NNN")
        if "lang_b" in row and (row["lang_b"] not in LANGS or row["lang_b"] == row["lang"]):
            errors.append(f"{where}: lang_b {row['lang_b']!r}")
        if row["label"] not in LABELS:
            errors.append(f"{where}: label {row['label']!r}")
        if row["split"] not in SPLITS:
            errors.append(f"{where}: split {row['split']!r}")
        if not isinstance(row["kind"], str) or not re.fullmatch(r"[a-z_]+", row["kind"]):
            errors.append(f"{where}: kind {row['kind']!r}")
        for side in ("a", "b"):
            app = row[side]
            if not isinstance(app, dict) or set(app) != SIDE_KEYS:
                errors.append(f"{where}.{side}: keys {sorted(app) if isinstance(app, dict) else app!r}")
                continue
            text = app["text"]
            if not isinstance(text, str) or not TEXT_MIN <= len(text) <= TEXT_MAX:
                errors.append(f"{where}.{side}: text length {len(text) if isinstance(text, str) else text!r}")
            if app["service_code"] not in leaves:
                errors.append(f"{where}.{side}: service_code {app['service_code']!r} is not a taxonomy leaf")
            sd = subdistricts.get(app["subdistrict_code"])
            if sd is None:
                errors.append(f"{where}.{side}: subdistrict_code {app['subdistrict_code']!r} unknown")
            if not isinstance(app["address"], str) or not app["address"].strip():
                errors.append(f"{where}.{side}: empty address")
            elif sd is not None:
                for dcode, pats in dpats.items():
                    if dcode != sd["district_code"] and any(p.search(app["address"]) for p in pats):
                        errors.append(f"{where}.{side}: address names another district than {sd['name_zh']}")
            lat, lon = app["lat"], app["long"]
            if (lat is None) != (lon is None):
                errors.append(f"{where}.{side}: only one of lat/long")
            elif lat is not None:
                if not all(isinstance(v, float) for v in (lat, lon)):
                    errors.append(f"{where}.{side}: lat/long not floats")
                elif sd is not None and sd["lat"]:
                    d = km(lat, lon, float(sd["lat"]), float(sd["lon"]))
                    if d > MAX_KM_FROM_CENTRE:
                        errors.append(f"{where}.{side}: {d:.1f} km from the sub-district's centre")
                elif not (39.4 < lat < 41.1 and 115.4 < lon < 117.5):
                    errors.append(f"{where}.{side}: lat/long outside Beijing")
            h = app["hours_after_first"]
            if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0 <= h <= MAX_HOURS:
                errors.append(f"{where}.{side}: hours_after_first {h!r}")
            elif side == "a" and h != 0:
                errors.append(f"{where}.a: hours_after_first must be 0")
        if "recurrence" in row["kind"]:
            if row["label"] != "distinct" or row["b"].get("hours_after_first", 0) < RECURRENCE_MIN_HOURS:
                errors.append(f"{where}: a recurrence must be distinct and 60+ days later")
        rows.append(row)

    total = len(rows)
    by_lang = Counter(r["lang"] for r in rows)
    by_label = Counter(r["label"] for r in rows)
    by_split = Counter(r["split"] for r in rows)
    cross = sum(1 for r in rows if "lang_b" in r)
    if total < 300:
        errors.append(f"only {total} pairs (need 300+)")
    if total:
        dup = by_label["duplicate"] / total
        dev = by_split["dev"] / total
        if not 0.35 <= dup <= 0.45:
            errors.append(f"duplicate share {dup:.2f} (want ~0.40)")
        if not 0.25 <= dev <= 0.35:
            errors.append(f"dev share {dev:.2f} (want ~0.30)")
        for lang, want in (("zh", 0.5), ("en", 0.25), ("ja", 0.25)):
            if abs(by_lang[lang] / total - want) > 0.05:
                errors.append(f"{lang} share {by_lang[lang] / total:.2f} (want ~{want})")
        for lang in LANGS:
            for label in LABELS:
                grp = [r for r in rows if r["lang"] == lang and r["label"] == label]
                if grp:
                    share = sum(r["split"] == "dev" for r in grp) / len(grp)
                    if not 0.2 <= share <= 0.4:
                        errors.append(f"{lang}/{label}: dev share {share:.2f} (not stratified)")
    if cross < 8:
        errors.append(f"only {cross} cross-language pairs")

    print(f"{path}: {total} pairs, {cross} cross-language")
    print("\nlang  label      dev  test  all")
    for lang in LANGS:
        for label in LABELS:
            c = Counter(r["split"] for r in rows if r["lang"] == lang and r["label"] == label)
            print(f"{lang:5} {label:9} {c['dev']:4} {c['test']:5} {c['dev'] + c['test']:4}")
    print(f"{'all':5} {'':9} {by_split['dev']:4} {by_split['test']:5} {total:4}")
    print("\ncross-language (a -> b)  label      dev  test")
    xc = Counter((f"{r['lang']} -> {r['lang_b']}", r["label"], r["split"]) for r in rows if "lang_b" in r)
    for pair, label in sorted({(k[0], k[1]) for k in xc}):
        print(f"{pair:24} {label:9} {xc[(pair, label, 'dev')]:4} {xc[(pair, label, 'test')]:5}")
    print("\nlabel      kind                                    pairs (dev)")
    kinds = Counter((r["label"], r["kind"]) for r in rows)
    kinds_dev = Counter((r["label"], r["kind"]) for r in rows if r["split"] == "dev")
    for (label, kind), n in sorted(kinds.items()):
        print(f"{label:10} {kind:40} {n:4} ({kinds_dev[(label, kind)]})")
    apps = [r[s] for r in rows for s in ("a", "b")]
    lens = sorted(len(a["text"]) for a in apps)
    no_geo = sum(a["lat"] is None for a in apps)
    codes = Counter(a["service_code"] for a in apps)
    mixed = sum(1 for r in rows if r["a"]["service_code"] != r["b"]["service_code"] and r["label"] == "duplicate")
    if apps:
        print(
            f"\nappeals: {len(apps)}, text length {lens[0]}..{lens[-1]} (median {lens[len(lens) // 2]}), "
            f"without coordinates {no_geo} ({no_geo / len(apps):.0%}), {len(codes)} service codes, "
            f"{len({a['subdistrict_code'] for a in apps})} sub-districts; "
            f"duplicates with two different codes: {mixed}"
        )
    if errors:
        print(f"\n{len(errors)} problem(s):", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
