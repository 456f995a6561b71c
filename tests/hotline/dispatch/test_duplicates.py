"""The duplicate detector's own parts: numbered things, the place and time window, and that the same case
scores above a different one (its precision and recall are measured apart, in bench/bench_duplicates.py)."""

from datetime import datetime, timedelta, timezone

import pytest

from bot.taxonomy import load_taxonomy
from hotline.dispatch.duplicates import WINDOW, Appeal, DuplicateDetector, candidate, disagree, identifiers

T = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


def appeal(text: str, code: str = "elevator_broken", subdistrict: str | None = "110105004", hours: float = 0,
           lat: float | None = None, long: float | None = None) -> Appeal:
    return Appeal(text, "", code, subdistrict, lat, long, T + timedelta(hours=hours))


@pytest.fixture(scope="module")
def detector() -> DuplicateDetector:
    return DuplicateDetector(load_taxonomy())


@pytest.mark.parametrize(("text", "found"), [
    ("3号楼电梯坏了三天了", {"building": {"3"}}),
    ("Lift in bldg 5 broken for 3 days", {"building": {"5"}}),
    ("地下鉄10号線の2番出口", {"line": {"10"}, "gate": {"2"}}),
    ("3单元502室漏水", {"unit": {"3"}, "room": {"502"}}),
    ("工体北路8号门口有个坑", {"street number": {"8"}}),
    ("停水两天了，三天前就说修", {}),
])
def test_numbers_that_name_things_by_kind(text: str, found: dict[str, set[str]]) -> None:
    assert identifiers(text) == found


def test_only_the_same_kind_numbered_differently_disagrees() -> None:
    assert disagree(identifiers("3号楼电梯 工体北路8号"), identifiers("7号楼电梯 工体北路8号"))
    assert not disagree(identifiers("3号楼电梯 工体北路8号"), identifiers("3号楼的电梯"))
    assert not disagree(identifiers("工体北路8号门口有坑"), identifiers("工体北路10号门口有坑"))  # street numbers
    assert not disagree(identifiers("3号楼电梯"), identifiers("5楼走廊灯"))  # building and floor


def test_candidates_are_near_in_place_and_time() -> None:
    base = appeal("电梯坏了")
    assert candidate(base, appeal("电梯坏了", hours=24))
    assert not candidate(base, appeal("电梯坏了", hours=WINDOW.total_seconds() / 3600 + 1))
    assert not candidate(base, appeal("电梯坏了", subdistrict="110108001"))
    near = appeal("电梯坏了", subdistrict=None, lat=39.9300, long=116.4500)
    assert candidate(near, appeal("电梯坏了", subdistrict="110105004", lat=39.9350, long=116.4500))  # ~560 m
    assert not candidate(near, appeal("电梯坏了", subdistrict=None, lat=39.9500, long=116.4500))  # ~2.2 km


def test_the_same_case_scores_above_other_cases(detector: DuplicateDetector) -> None:
    first = appeal("幸福村小区3号楼电梯坏了三天了，老人上不了楼")
    same = detector.likeness(first, appeal("3号楼的电梯还是停着，一直没人修", hours=5))
    other_building = detector.likeness(first, appeal("幸福村小区7号楼电梯坏了三天了，老人上不了楼", hours=5))
    other_problem = detector.likeness(first, appeal("幸福村小区门口路灯不亮", code="street_light_out", hours=5))
    assert same.score >= detector.threshold > max(other_building.score, other_problem.score)
    assert other_building.conflict and not same.conflict
