"""The dispatch loop through /api/ on SQLite and PostgreSQL: filing dispatches to the routing rules' unit; the unit
accepts or returns it with a reason; the call centre re-dispatches; assisting units; the audit trail; who may do what;
two handlers racing on one ticket (one wins, the other gets a clear 409)."""

import threading
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from hotline.config import DEV_OPERATOR_TOKEN
from hotline.deps import Backend
from hotline.domain.models import Role
from hotline.domain.staff import add_staff
from tests.hotline.helpers import file_request

ADMIN = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}
SANLITUN = "110105004"
SANLITUN_OFFICE = f"subdistrict:{SANLITUN}"
CITY_MANAGEMENT = "dept:city_management_commission"
HOUSING = "dept:housing_commission"


def backend_of(client: TestClient) -> Backend:
    backend: Backend = client.app.state.backend  # type: ignore[attr-defined]
    return backend


def staff(client: TestClient, name: str, role: Role, unit: str | None = None) -> dict[str, str]:
    token = add_staff(backend_of(client).db, name=name, role=role, unit=unit)
    return {"Authorization": f"Bearer {token}"}


def filed(client: TestClient, **fields: Any) -> str:
    response = file_request(client, **fields)
    assert response.status_code == 201, response.text
    service_request_id: str = response.json()[0]["service_request_id"]
    return service_request_id


def ticket(client: TestClient, service_request_id: str) -> dict[str, Any]:
    response = client.get(f"/api/tickets/{service_request_id}", headers=ADMIN)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def history(client: TestClient, service_request_id: str, headers: dict[str, str] = ADMIN) -> list[dict[str, Any]]:
    response = client.get(f"/api/tickets/{service_request_id}/history", headers=headers)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["history"]
    return rows


def queue_ids(client: TestClient, path: str, headers: dict[str, str]) -> list[str]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return [t["service_request_id"] for t in response.json()["tickets"]]


def test_filing_dispatches_to_the_department_or_the_place_s_office_or_waits_for_the_call_centre(
        client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    leak = filed(client, service_code="leak_from_upstairs")  # a sub-district office's category, in Sanlitun
    nowhere = filed(client, service_code="leak_from_upstairs", address_string="我家楼上", lat=None, long=None)

    assert (ticket(client, light)["lead_unit"], ticket(client, light)["dispatch_state"]) == (CITY_MANAGEMENT,
                                                                                              "dispatched")
    assert ticket(client, leak)["lead_unit"] == SANLITUN_OFFICE
    assert (ticket(client, nowhere)["lead_unit"], ticket(client, nowhere)["dispatch_state"]) == (None, "undispatched")
    assert [row["action"] for row in history(client, light)] == ["filed", "dispatched"]
    filing, dispatch = history(client, light)
    assert filing["detail"]["deadline_tier"] == "general" and dispatch["actor"] == "system:router"
    assert dispatch["detail"] == {"unit": CITY_MANAGEMENT, "role": "lead"}

    operator = staff(client, "op.wang", Role.OPERATOR)
    assert queue_ids(client, "/api/dispatch/queue", operator) == [nowhere]
    assert light in queue_ids(client, f"/api/units/{CITY_MANAGEMENT}/queue", operator)


def test_a_unit_accepts_then_the_ticket_is_accepted_and_the_dispatch_time_is_kept(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    handler = staff(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    assert queue_ids(client, f"/api/units/{CITY_MANAGEMENT}/queue", handler) == [light]

    accepted = client.post(f"/api/tickets/{light}/accept", json={}, headers=handler)
    assert accepted.status_code == 200, accepted.text
    view = ticket(client, light)
    assert (view["detailed_status"], view["dispatch_state"]) == ("accepted", "accepted")
    assert view["accepted_at"] is not None and view["accepted_at"] >= view["requested_datetime"]
    assert [a["state"] for a in view["assignments"]] == ["accepted"]
    again = client.post(f"/api/tickets/{light}/accept", json={}, headers=handler)
    assert again.status_code == 409 and "accepted by handler:cm.liu" in again.text
    assert [row["action"] for row in history(client, light)] == ["filed", "dispatched", "accepted", "status"]
    status_row = history(client, light)[-1]
    assert status_row["detail"]["before"] == "open" and status_row["detail"]["after"] == "accepted"
    assert status_row["actor"] == "handler:cm.liu"


def test_a_returned_ticket_goes_back_to_the_call_centre_and_is_redispatched_with_every_change_recorded(
        client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    handler = staff(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    operator = staff(client, "op.wang", Role.OPERATOR)

    no_reason = client.post(f"/api/tickets/{light}/return", json={"reason": "not_ours", "note": " "}, headers=handler)
    assert no_reason.status_code == 422
    returned = client.post(f"/api/tickets/{light}/return",
                           json={"reason": "not_ours", "note": "这是小区内部路灯，归物业管理"}, headers=handler)
    assert returned.status_code == 200, returned.text
    assert ticket(client, light)["dispatch_state"] == "returned"
    assert light not in queue_ids(client, f"/api/units/{CITY_MANAGEMENT}/queue", handler)
    assert queue_ids(client, "/api/dispatch/queue", operator) == [light]

    redispatched = client.post(f"/api/tickets/{light}/redispatch", headers=operator,
                               json={"service_code": "poor_property_service", "reason": "小区内部设施，转住建委"})
    assert redispatched.status_code == 200, redispatched.text
    view = ticket(client, light)
    assert (view["service_code"], view["lead_unit"], view["dispatch_state"]) == (
        "poor_property_service", HOUSING, "dispatched")
    assert [(a["unit"], a["state"]) for a in view["assignments"]] == [(CITY_MANAGEMENT, "returned"),
                                                                       (HOUSING, "dispatched")]
    assert queue_ids(client, "/api/dispatch/queue", operator) == []
    rows = history(client, light)
    assert [row["action"] for row in rows] == ["filed", "dispatched", "returned", "redispatched", "dispatched"]
    back, change = rows[2], rows[3]
    assert back["reason"] == "这是小区内部路灯，归物业管理" and back["detail"]["return_reason"] == "not_ours"
    assert change["actor"] == "operator:op.wang" and change["reason"] == "小区内部设施，转住建委"
    assert change["detail"]["before"]["service_code"] == "street_light_out"
    assert change["detail"]["after"] == {**change["detail"]["before"], "service_code": "poor_property_service",
                                         "department": "housing_commission", "unit": HOUSING}


def test_a_new_category_with_another_rule_changes_the_deadlines_counted_from_filing(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    before = ticket(client, light)
    operator = staff(client, "op.wang", Role.OPERATOR)
    moved = client.post(f"/api/tickets/{light}/redispatch", headers=operator,
                        json={"service_code": "illegal_structure", "reason": "其实是违建遮挡路灯"})
    assert moved.status_code == 200, moved.text
    after = ticket(client, light)
    assert after["resolution_due"] > before["resolution_due"]  # complex: 15 working days, not 7 calendar days
    deadline_rows = [row for row in history(client, light) if row["action"] == "deadlines"]
    assert len(deadline_rows) == 1
    assert (deadline_rows[0]["detail"]["before"]["tier"], deadline_rows[0]["detail"]["after"]["tier"]) == (
        "general", "complex")


def test_assisting_units_accept_their_own_part_and_the_lead_stays(client: TestClient) -> None:
    leak = filed(client, service_code="leak_from_upstairs")
    operator = staff(client, "op.wang", Role.OPERATOR)
    office = staff(client, "sl.zhang", Role.HANDLER, SANLITUN_OFFICE)
    housing = staff(client, "hc.chen", Role.HANDLER, HOUSING)

    added = client.post(f"/api/tickets/{leak}/dispatch", headers=operator,
                        json={"unit": HOUSING, "role": "assist", "reason": "涉及房屋质量"})
    assert added.status_code == 200, added.text
    twice = client.post(f"/api/tickets/{leak}/dispatch", headers=operator,
                        json={"unit": HOUSING, "role": "assist", "reason": "again"})
    assert twice.status_code == 409
    second_lead = client.post(f"/api/tickets/{leak}/dispatch", headers=operator,
                              json={"unit": CITY_MANAGEMENT, "reason": "lead"})
    assert second_lead.status_code == 409 and "re-dispatch" in second_lead.text
    assert leak in queue_ids(client, f"/api/units/{HOUSING}/queue", housing)

    assert client.post(f"/api/tickets/{leak}/accept", json={}, headers=housing).status_code == 200
    view = ticket(client, leak)
    assert (view["detailed_status"], view["dispatch_state"], view["lead_unit"]) == (
        "open", "dispatched", SANLITUN_OFFICE)
    assert client.post(f"/api/tickets/{leak}/accept", json={}, headers=office).status_code == 200
    assert ticket(client, leak)["detailed_status"] == "accepted"


def test_handlers_act_and_read_for_their_own_unit_only(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    other = staff(client, "hc.chen", Role.HANDLER, HOUSING)
    supervisor = staff(client, "sup.sun", Role.SUPERVISOR)

    assert client.post(f"/api/tickets/{light}/accept", json={}, headers=other).status_code == 404
    assert client.post(f"/api/tickets/{light}/accept", json={"unit": CITY_MANAGEMENT},
                       headers=other).status_code == 403
    assert client.get(f"/api/tickets/{light}/history", headers=other).status_code == 404
    assert client.get(f"/api/units/{CITY_MANAGEMENT}/queue", headers=other).status_code == 403
    assert client.get("/api/tickets", headers=other).status_code == 403
    assert client.get(f"/api/tickets/{light}", headers=other).status_code == 403
    assert client.get("/api/dispatch/queue", headers=other).status_code == 403
    assert client.post(f"/api/tickets/{light}/redispatch", headers=other,
                       json={"unit": HOUSING, "reason": "mine"}).status_code == 403
    # A supervisor records a unit's decision for it, and must say which unit.
    assert client.post(f"/api/tickets/{light}/accept", json={}, headers=supervisor).status_code == 400
    assert client.post(f"/api/tickets/{light}/accept", json={"unit": CITY_MANAGEMENT},
                       headers=supervisor).status_code == 200
    # Bad input is a clear 4xx.
    for body in ({"unit": "dept:nope", "reason": "x"}, {"unit": CITY_MANAGEMENT, "reason": ""},
                 {"unit": CITY_MANAGEMENT, "reason": "x", "role": "boss"}, {"unit": "x" * 65, "reason": "x"}):
        answer = client.post(f"/api/tickets/{light}/dispatch", json=body, headers=ADMIN)
        assert 400 <= answer.status_code < 500, (body, answer.text)
    assert client.post("/api/tickets/nope/accept", json={"unit": HOUSING}, headers=ADMIN).status_code == 404
    assert client.post(f"/api/tickets/{light}/return", json={"unit": CITY_MANAGEMENT, "reason": "bored", "note": "x"},
                       headers=ADMIN).status_code == 422


def test_staff_accounts_belong_to_a_unit_when_they_are_handlers(client: TestClient) -> None:
    made = client.post("/api/staff", json={"name": "cm.liu", "role": "handler", "unit": CITY_MANAGEMENT},
                       headers=ADMIN)
    assert made.status_code == 201 and made.json()["unit"] == CITY_MANAGEMENT
    for body in ({"name": "a", "role": "handler"}, {"name": "b", "role": "operator", "unit": CITY_MANAGEMENT},
                 {"name": "c", "role": "handler", "unit": "dept:nope"}):
        assert client.post("/api/staff", json=body, headers=ADMIN).status_code == 400, body
    units = client.get("/api/units?kind=subdistrict&lang=en", headers=ADMIN).json()["units"]
    assert len(units) == len(backend_of(client).gazetteer.subdistricts)
    assert {"id": SANLITUN_OFFICE, "kind": "subdistrict", "name": "Sanlitun Subdistrict, Chaoyang District",
            "district_code": "110105"} in units


def race(client: TestClient, service_request_id: str, decisions: list[tuple[dict[str, str], str, dict[str, str]]],
         ) -> list[int]:
    """The decisions posted at the same moment from threads; their status codes."""
    statuses: list[int] = []
    barrier = threading.Barrier(len(decisions))

    def decide(headers: dict[str, str], step: str, body: dict[str, str]) -> None:
        barrier.wait()
        statuses.append(client.post(f"/api/tickets/{service_request_id}/{step}", json=body,
                                    headers=headers).status_code)

    threads = [threading.Thread(target=decide, args=decision) for decision in decisions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_two_handlers_racing_on_one_ticket_one_wins_and_the_other_gets_a_conflict(client: TestClient) -> None:
    first = staff(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    second = staff(client, "cm.zhao", Role.HANDLER, CITY_MANAGEMENT)
    wrong_place = {"reason": "wrong_place", "note": "不在本辖区"}
    duplicate = {"reason": "duplicate", "note": "重复"}
    for round_number in range(6):
        light = filed(client, service_code="street_light_out", description=f"路灯坏了，第{round_number}盏")
        if round_number % 2:
            statuses = race(client, light, [(first, "accept", {}), (second, "accept", {})])
        else:
            statuses = race(client, light, [(first, "return", wrong_place), (second, "return", duplicate)])
        assert sorted(statuses) == [200, 409], (round_number, statuses)
        decided = [row for row in history(client, light) if row["action"] in ("accepted", "returned")]
        assert len(decided) == 1


def test_an_emergency_is_led_by_the_unit_of_its_most_life_threatening_danger(client: TestClient) -> None:
    backend_of(client).desk.merge_window = timedelta(0)  # these are separate emergencies from one test client
    for text, kind, number, unit in (
            ("the compound is on fire and people are trapped upstairs", "fire", "119", "dept:fire_rescue"),
            ("电梯困人，里面有个老人晕倒了", "medical", "120", "dept:health_commission"),
            ("ガス漏れで煙が出ています", "fire", "119", "dept:fire_rescue"),
            ("有人在小区门口拿刀砍人", "violence", "110", "dept:public_security")):
        view = ticket(client, filed(client, service_code="emergency_referred", description=text))
        assert (view["priority"], view["danger_kind"], view["referred_to"], view["lead_unit"]) == (
            "urgent", kind, number, unit), text
    trapped = ticket(client, filed(client, service_code="elevator_entrapment", description="有人被困在电梯里"))
    assert (trapped["danger_kind"], trapped["lead_unit"]) == ("entrapment", "dept:emergency_management")
    plain = ticket(client, filed(client, service_code="street_light_out", description="路灯坏了，火车站门口"))
    assert (plain["danger_kind"], plain["referred_to"]) == (None, None)


def test_the_deadline_clock_through_the_api_and_who_may_use_it(client: TestClient) -> None:
    light = filed(client, service_code="street_light_out")
    handler = staff(client, "cm.liu", Role.HANDLER, CITY_MANAGEMENT)
    other = staff(client, "hc.chen", Role.HANDLER, HOUSING)
    supervisor = staff(client, "sup.sun", Role.SUPERVISOR)
    operator = staff(client, "op.wang", Role.OPERATOR)

    question = {"reason": "问居民具体位置"}
    assert client.post(f"/api/tickets/{light}/pause", json=question, headers=other).status_code == 404
    assert client.post(f"/api/tickets/{light}/pause", json=question, headers=handler).status_code == 200
    assert client.post(f"/api/tickets/{light}/pause", json=question, headers=handler).status_code == 409
    answered = {"reason": "居民已回复"}
    assert client.post(f"/api/tickets/{light}/resume", json=answered, headers=operator).status_code == 200

    ask = {"deadline": "resolution", "amount": 3, "unit_of_time": "working_days", "reason": "需协调供电公司"}
    assert client.post(f"/api/tickets/{light}/extensions", json=ask, headers=operator).status_code == 403
    assert client.post(f"/api/tickets/{light}/extensions", json=ask, headers=other).status_code == 404
    for bad in ({**ask, "amount": 0}, {**ask, "unit_of_time": "weeks"}, {**ask, "deadline": "x"},
                {**ask, "reason": ""}):
        assert client.post(f"/api/tickets/{light}/extensions", json=bad, headers=handler).status_code == 422, bad
    asked = client.post(f"/api/tickets/{light}/extensions", json=ask, headers=handler)
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    assert client.get("/api/extensions", headers=handler).status_code == 403
    waiting = client.get("/api/extensions", headers=supervisor).json()["requests"]
    assert [(r["id"], r["service_request_id"], r["unit"]) for r in waiting] == [(request_id, light, CITY_MANAGEMENT)]
    before = ticket(client, light)["resolution_due"]
    assert client.post(f"/api/extensions/{request_id}/decision", json={"approve": True},
                       headers=handler).status_code == 403
    decided = client.post(f"/api/extensions/{request_id}/decision", json={"approve": True, "note": "同意"},
                          headers=supervisor)
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    assert ticket(client, light)["resolution_due"] > before
    assert client.post(f"/api/extensions/{request_id}/decision", json={"approve": False},
                       headers=supervisor).status_code == 409
    assert client.post("/api/extensions/999999/decision", json={"approve": True}, headers=supervisor).status_code == 404
    assert [row["action"] for row in history(client, light)][-4:] == [
        "paused", "resumed", "extension_asked", "extension_decided"]
    tiers = client.get("/api/deadline-rules", headers=operator).json()["tiers"]
    assert {t["tier"] for t in tiers} >= {"immediate", "basic_livelihood", "general", "complex"}


def test_the_call_centre_sees_likely_duplicates_and_links_one(client: TestClient) -> None:
    operator = staff(client, "op.wang", Role.OPERATOR)
    handler = staff(client, "hc.chen", Role.HANDLER, HOUSING)
    master = filed(client, service_code="elevator_broken", description="幸福村小区3号楼电梯坏了三天，老人下不了楼")
    other = filed(client, service_code="elevator_broken", description="幸福村小区7号楼电梯坏了三天，老人下不了楼")
    me_too = filed(client, service_code="elevator_broken", description="3号楼电梯到现在还没修好")

    assert client.get(f"/api/tickets/{me_too}/duplicates", headers=handler).status_code == 403
    found = client.get(f"/api/tickets/{me_too}/duplicates", headers=operator).json()["candidates"]
    assert [c["service_request_id"] for c in found] == [master]
    assert found[0]["score"] >= 0.5 and found[0]["likeness"]["numbers_disagree"] is False
    assert other not in [c["service_request_id"] for c in found]

    for body in ({"master": master, "reason": ""}, {"master": "", "reason": "x"}, {"master": "x" * 33, "reason": "x"}):
        assert client.post(f"/api/tickets/{me_too}/link", json=body, headers=operator).status_code == 422, body
    assert client.post(f"/api/tickets/{me_too}/link", json={"master": "nope", "reason": "x"},
                       headers=operator).status_code == 404
    linked = client.post(f"/api/tickets/{me_too}/link", json={"master": master, "reason": "同一部电梯"},
                         headers=operator)
    assert linked.status_code == 200, linked.text
    assert linked.json()["duplicate_of"] == master and linked.json()["dispatch_state"] == "linked"
    assert client.post(f"/api/tickets/{me_too}/link", json={"master": other, "reason": "x"},
                       headers=operator).status_code == 409
    assert [row["action"] for row in history(client, master)][-1] == "duplicate_added"


def test_a_linked_duplicate_is_worked_through_its_master_only(client: TestClient) -> None:
    operator = staff(client, "op.wang", Role.OPERATOR)
    handler = staff(client, "hc.chen", Role.HANDLER, HOUSING)
    master = filed(client, service_code="elevator_broken", description="幸福村小区3号楼电梯坏了三天，老人下不了楼")
    me_too = filed(client, service_code="elevator_broken", description="3号楼电梯到现在还没修好")
    linked = client.post(f"/api/tickets/{me_too}/link", json={"master": master, "reason": "同一部电梯"},
                         headers=operator)
    assert linked.status_code == 200, linked.text
    for path, body, headers in (
            ("dispatch", {"unit": HOUSING, "role": "lead", "reason": "x"}, operator),
            ("redispatch", {"unit": HOUSING, "reason": "x"}, operator),
            ("pause", {"reason": "问居民"}, operator),
            ("extensions", {"deadline": "resolution", "amount": 2, "unit_of_time": "working_days",
                            "reason": "x"}, handler)):
        refused = client.post(f"/api/tickets/{me_too}/{path}", json=body, headers=headers)
        assert refused.status_code in (404, 409), (path, refused.text)
        assert refused.status_code != 404 or headers is handler, (path, refused.text)
    assert client.post(f"/api/tickets/{master}/pause", json={"reason": "问居民"}, headers=operator).status_code == 200
