import json
from pathlib import Path

import pytest

from bot.errors import DataFileError
from bot.taxonomy import DEFAULT_TAXONOMY_PATH, TOP_LEVEL_CODES, load_taxonomy, taxonomy_from_dict
from tests.taxonomy_factory import generated_taxonomy


def test_generated_taxonomy_of_two_thousand_leaves_loads(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(generated_taxonomy(), ensure_ascii=False), encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert len(taxonomy.leaves) == 2016
    assert [c.code for c in taxonomy.top_levels] == list(TOP_LEVEL_CODES)
    leaf = taxonomy.leaf("emergency_safety_g3_leaf5")
    assert leaf is not None and leaf.urgent and leaf.response_hours == 1
    assert [c.level for c in taxonomy.path(leaf.code)] == [1, 2, 3]
    assert taxonomy.leaf("emergency_safety_g3") is None  # groups are not services


def test_shipped_taxonomy_meets_the_contract() -> None:
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY_PATH)
    assert len(taxonomy.leaves) >= 200
    assert sorted(c.code for c in taxonomy.top_levels) == sorted(TOP_LEVEL_CODES)
    for leaf in taxonomy.leaves:
        assert set(leaf.name) == {"zh", "en", "ja"}
        assert leaf.department in taxonomy.departments
        assert 0 < leaf.response_hours <= leaf.resolution_hours
        assert all(leaf.keywords.get(lang) for lang in ("zh", "en", "ja")), leaf.code
        if leaf.top == "emergency_safety":
            assert leaf.resolution_hours <= 24


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["categories"].pop(), "top-level"),
        (lambda d: d["categories"][0]["children"][0]["children"][0].update(department="nope"), "unknown department"),
        (lambda d: d["categories"][0]["children"][0]["children"][0].update(code="Bad-Code"), "bad category code"),
        (lambda d: d["categories"][0]["children"][0]["children"][0]["name"].pop("ja"), "needs names"),
        (lambda d: d["categories"][0]["children"][0]["children"][0].update(response_hours=0), "response_hours"),
        (lambda d: d["categories"][1]["children"][0]["children"][0].update(
            code=d["categories"][0]["children"][0]["children"][0]["code"]), "duplicate"),
    ],
)
def test_malformed_taxonomies_are_refused(mutate, message) -> None:  # type: ignore[no-untyped-def]
    data = generated_taxonomy(leaves_per_group=2, groups_per_top=1)
    mutate(data)
    with pytest.raises(DataFileError, match=message):
        taxonomy_from_dict(data)


def test_unreadable_file_is_a_data_file_error(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFileError):
        load_taxonomy(tmp_path / "t.json")
