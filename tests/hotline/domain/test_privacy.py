"""hotline.domain.privacy: every emergency, violence, call-back and personal category is private."""


import pytest

from bot.gazetteer import load_gazetteer
from bot.taxonomy import Taxonomy, load_taxonomy
from hotline.config import Settings
from hotline.domain.models import Ticket
from hotline.domain.privacy import PRIVATE_GROUPS, PRIVATE_LEAVES, PRIVATE_SERVICE_CODES, coarse, is_public, public_text
from hotline.domain.routing import route

# Words in a category's name or description that make its appeals private: violence, abuse,
# a person's papers or means. A new category using them must be listed in hotline.domain.privacy.
SENSITIVE_WORDS = ("暴力", "虐待", "家暴", "violence", "abuse", "身份证", "低保", "离婚", "回电", "call-back")


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


def ticket(code: str, priority: str = "normal") -> Ticket:
    return Ticket(service_code=code, priority=priority, description="", first_name=None, last_name=None,
                  address_string=None, translation=None)


def test_the_lists_name_real_leaves_and_whole_groups(taxonomy: Taxonomy) -> None:
    assert all(taxonomy.leaf(code) is not None for code in PRIVATE_SERVICE_CODES)
    for group, leaves in PRIVATE_GROUPS.items():
        assert taxonomy.categories[group].level == 2
        assert set(leaves) == {c.code for c in taxonomy.leaves if c.parent == group}, group
    assert set(PRIVATE_LEAVES) <= PRIVATE_SERVICE_CODES


def test_every_emergency_is_private_by_its_priority(taxonomy: Taxonomy) -> None:
    gazetteer = load_gazetteer(Settings().data_dir)
    urgent = [c for c in taxonomy.leaves if c.urgent]
    assert {c.code for c in taxonomy.leaves if c.top == "emergency_safety"} <= {c.code for c in urgent}
    for category in urgent:
        priority = route(category, gazetteer, address=None, lat=None, lon=None).priority
        assert not is_public(ticket(category.code, priority)), category.code


@pytest.mark.parametrize("code", ["operator_callback", "public_disturbance", "telecom_fraud", "child_welfare",
                                  "teacher_misconduct", "nursing_home", "neighbour_dispute", "divorce_registration",
                                  "minimum_living_allowance", "id_card", "exit_entry_documents", "medical_dispute",
                                  "emergency_referred", "gas_leak_smell"])
def test_named_categories_are_private(taxonomy: Taxonomy, code: str) -> None:
    category = taxonomy.leaf(code)
    assert category is not None
    assert not is_public(ticket(code, "urgent" if category.urgent else "normal"))


def test_categories_about_violence_papers_or_call_backs_are_private(taxonomy: Taxonomy) -> None:
    for category in taxonomy.leaves:
        text = " ".join([*category.name.values(), *category.description.values()]).lower()
        if any(word in text for word in SENSITIVE_WORDS) and not category.urgent:
            assert category.code in PRIVATE_SERVICE_CODES, category.code


def test_place_problems_are_public(taxonomy: Taxonomy) -> None:
    for code in ("street_light_out", "garbage_not_collected", "illegal_parking", "cooking_fumes", "road_pothole"):
        assert is_public(ticket(code)), code


def test_coordinates_on_a_100_m_grid() -> None:
    assert (coarse(39.936512), coarse(116.455149), coarse(None)) == (39.937, 116.455, None)


def test_public_text_is_the_redacted_description_address_and_translation() -> None:
    row = Ticket(description="我是张三，电话13800138000", address_string="工体北路8号院5号楼2单元301室",
                 translation=None, first_name="三", last_name="张")
    assert public_text(row) == "我是[name]，电话[phone]\n工体北路8号院5号楼[room]"
