"""Routing: department, place, priority and the rules' deadlines, on the shipped and a generated 2,016-leaf taxonomy."""

from datetime import datetime, timezone

import tomllib

from bot.gazetteer import load_gazetteer
from bot.taxonomy import load_taxonomy, taxonomy_from_dict
from hotline.db import Database, migrate
from hotline.dispatch.calendar import WorkCalendar
from hotline.dispatch.deadlines import DEFAULT_PATH as DEFAULT_RULES
from hotline.dispatch.deadlines import DeadlineRules
from hotline.domain.routing import NORMAL, URGENT, route
from hotline.domain.tickets import NewRequest, TicketDesk
from tests.taxonomy_factory import generated_taxonomy

RECEIVED = datetime(2026, 11, 22, 9, 30, tzinfo=timezone.utc)


def test_address_beats_coordinates_and_coordinates_beat_nothing() -> None:
    taxonomy, gazetteer = load_taxonomy(), load_gazetteer()
    leaf = taxonomy.leaf("street_light_out")
    assert leaf is not None
    # Address names Sanlitun (Chaoyang) while the point is in Haidian: the resident's words win.
    by_address = route(leaf, gazetteer, address="朝阳区三里屯街道", lat=39.98, lon=116.31)
    assert by_address.subdistrict_code == "110105004" and by_address.located_by == "address"
    by_point = route(leaf, gazetteer, address="小区东门", lat=39.98, lon=116.31)
    assert by_point.district_code == "110108" and by_point.located_by == "nearest"
    nowhere = route(leaf, gazetteer, address="小区东门", lat=None, lon=None)
    assert nowhere.district_code is None and nowhere.subdistrict_code is None
    assert by_address.department == leaf.department and by_address.priority == NORMAL


def test_emergency_leaves_and_two_hour_slas_are_urgent() -> None:
    taxonomy, gazetteer = load_taxonomy(), load_gazetteer()
    for leaf in taxonomy.leaves:
        routing = route(leaf, gazetteer, address=None, lat=None, lon=None)
        expected = leaf.top == "emergency_safety" or leaf.response_hours <= 2
        assert (routing.priority == URGENT) == expected, leaf.code
    gas = taxonomy.leaf("gas_leak_smell")
    assert gas is not None and gas.top == "utilities" and gas.urgent


def test_generated_two_thousand_leaf_taxonomy_files_and_routes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    taxonomy = taxonomy_from_dict(generated_taxonomy())
    assert len(taxonomy.leaves) >= 2000
    db = Database(f"sqlite:///{tmp_path / 'big.db'}")
    migrate(db.engine)
    # The shipped rules' overrides name the shipped leaves: this taxonomy gets the defaults per top level.
    shipped = tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))
    rules = DeadlineRules.from_dict({**shipped, "overrides": {}}, taxonomy=taxonomy, calendar=WorkCalendar.load())
    desk = TicketDesk(db, taxonomy, load_gazetteer(), clock=lambda: RECEIVED, rules=rules)
    for code, address, district in (("transport_g6_leaf23", "海淀区中关村街道", "110108"),
                                    ("emergency_safety_g0_leaf0", "Sanlitun, Chaoyang", "110105")):
        ticket, created = desk.file(NewRequest(service_code=code, description="测试", language="zh",
                                               address_string=address))
        leaf = taxonomy.leaf(code)
        assert created and leaf is not None
        assert ticket.department == leaf.department and ticket.district_code == district
        assert ticket.priority == (URGENT if leaf.urgent else NORMAL)
        due = rules.deadlines(code, start=RECEIVED)
        assert (ticket.response_due, ticket.resolution_due, ticket.deadline_tier) == (
            due.response_due, due.resolution_due, due.tier)
        assert due.tier == ("immediate" if leaf.urgent else "general")
    db.dispose()
