"""The place of an urgent report told after filing, through /api/ on SQLite and PostgreSQL: only for the resident
who filed it, only once, only for an urgent open ticket with no place of its own; bad input is a clear 4xx."""

from typing import Any

from fastapi.testclient import TestClient

from hotline.config import DEV_OPERATOR_TOKEN, DEV_SERVICE_KEY
from tests.hotline.helpers import file_request

ADMIN = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {DEV_SERVICE_KEY}"}
ALICE = {"channel": "wechat", "channel_user_id": "o-alice"}
FLOODING = "雨下了一宿，我们楼的地下室进水了，现在已经没过脚脖子，还在往里灌"


def filed(client: TestClient, **fields: Any) -> str:
    response = file_request(client, **{"channel": ALICE["channel"], "channel_user_id": ALICE["channel_user_id"],
                                       **fields})
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])


def place(client: TestClient, ticket: str, words: str, resident: dict[str, str] = ALICE) -> Any:
    return client.post(f"/api/tickets/{ticket}/place", json={"resident": resident, "address_string": words},
                       headers=SERVICE)


def test_the_resident_says_where_their_urgent_report_is(client: TestClient) -> None:
    urgent = filed(client, service_code="emergency_referred", description=FLOODING, address_string=FLOODING)
    assert client.get(f"/api/tickets/{urgent}", headers=ADMIN).json()["subdistrict_code"] is None
    given = place(client, urgent, "丰台区东高地街道万源南里12号楼地下室")
    assert given.status_code == 200, given.text
    detail = client.get(f"/api/tickets/{urgent}", headers=ADMIN).json()
    assert detail["address"] == "丰台区东高地街道万源南里12号楼地下室"
    assert detail["district_code"] == "110106" and detail["subdistrict_code"] is not None
    trail = client.get(f"/api/tickets/{urgent}/history", headers=ADMIN).json()["history"]
    assert trail[-1]["action"] == "place_given" and trail[-1]["actor"] == "resident"
    assert place(client, urgent, "朝阳区三里屯街道").status_code == 409  # once


def test_only_an_urgent_report_without_a_place_and_only_its_resident(client: TestClient) -> None:
    ordinary = filed(client, description="小区门口路灯坏了一个星期")
    assert place(client, ordinary, "朝阳区三里屯街道工体北路8号").status_code == 409
    bob = {"channel": "telegram", "channel_user_id": "4242"}
    located = filed(client, service_code="emergency_referred", description=FLOODING,
                    address_string="丰台区东高地街道万源南里12号楼", **bob)
    assert place(client, located, "朝阳区三里屯街道", bob).status_code == 409
    urgent = filed(client, service_code="emergency_referred", description=FLOODING, address_string=FLOODING)
    for stranger in (bob, {"channel": "telegram", "channel_user_id": "o-alice"}):
        assert place(client, urgent, "丰台区东高地街道", stranger).status_code == 404
    for headers in ({}, ADMIN):
        refused = client.post(f"/api/tickets/{urgent}/place", headers=headers,
                              json={"resident": ALICE, "address_string": "丰台区"})
        assert refused.status_code in (401, 403)
    for body in ({"resident": ALICE}, {"resident": ALICE, "address_string": ""},
                 {"resident": ALICE, "address_string": "x" * 501}, {"address_string": "丰台区"}):
        assert client.post(f"/api/tickets/{urgent}/place", json=body, headers=SERVICE).status_code == 422, body
    assert client.get(f"/api/tickets/{urgent}", headers=ADMIN).json()["subdistrict_code"] is None
