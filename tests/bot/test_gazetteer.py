import csv
import shutil
from pathlib import Path

from bot.gazetteer import DATA_DIR, haversine_km, load_gazetteer


def test_ships_all_beijing_subdistricts_with_official_codes() -> None:
    gazetteer = load_gazetteer()
    assert len(gazetteer.districts) == 16
    assert len(gazetteer.subdistricts) >= 343
    assert gazetteer.subdistricts["110101001"].name_zh == "东华门街道"
    assert all(s.code.startswith(s.district_code) for s in gazetteer.subdistricts.values())


def test_address_text_names_the_subdistrict_in_chinese_and_english() -> None:
    gazetteer = load_gazetteer()
    place = gazetteer.match_address("北京市朝阳区三里屯街道工体北路8号")
    assert place is not None and place.subdistrict is not None
    assert place.subdistrict.name_zh == "三里屯街道" and place.district.name_zh == "朝阳区"
    english = gazetteer.match_address("Building 3, Sanlitun, Chaoyang District, Beijing")
    assert english is not None and english.subdistrict is not None
    assert english.subdistrict.code == place.subdistrict.code


def test_district_name_disambiguates_a_shared_subdistrict_name() -> None:
    gazetteer = load_gazetteer()
    haidian = gazetteer.match_address("海淀区八里庄")
    chaoyang = gazetteer.match_address("朝阳区八里庄")
    assert haidian and chaoyang and haidian.subdistrict and chaoyang.subdistrict
    assert haidian.subdistrict.district_code == "110108"
    assert chaoyang.subdistrict.district_code == "110105"


def test_district_only_address_gives_the_district() -> None:
    place = load_gazetteer().match_address("西城区某小区")
    assert place is not None and place.subdistrict is None and place.district.code == "110102"


def test_nearest_centroid_for_coordinates_and_none_far_away() -> None:
    gazetteer = load_gazetteer()
    forbidden_city = gazetteer.nearest(39.9163, 116.3972)
    assert forbidden_city is not None and forbidden_city.district.code in ("110101", "110102")
    assert gazetteer.nearest(31.23, 121.47) is None  # Shanghai is not ours


def test_haversine_is_about_right() -> None:
    # Tiananmen to Beijing Capital Airport is roughly 25 km as the crow flies.
    assert 20 < haversine_km(39.9087, 116.3975, 40.0799, 116.6031) < 30


def test_takes_more_rows_without_code_changes(tmp_path: Path) -> None:
    for name in ("districts.csv", "subdistricts.csv"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    with (tmp_path / "subdistricts.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(["110105999", "测试街道", "Ceshi Subdistrict", "subdistrict", "110105",
                                     "39.95", "116.50"])
    gazetteer = load_gazetteer(tmp_path)
    place = gazetteer.match_address("朝阳区测试街道")
    assert place is not None and place.subdistrict is not None and place.subdistrict.code == "110105999"
