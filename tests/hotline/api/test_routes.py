"""/api/: roles, ticket list and detail, updates, satisfaction, residents' own tickets, suggestions."""

import pytest
from fastapi.testclient import TestClient

from hotline.config import DEV_OPERATOR_TOKEN, DEV_SERVICE_KEY
from hotline.domain.models import Role
from hotline.domain.staff import add_staff
from tests.hotline.helpers import file_request, taxonomy_of, urgent_leaf

ADMIN = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {DEV_SERVICE_KEY}"}
ALICE = {"resident": {"channel": "wechat", "channel_user_id": "o-alice"}}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def staff(client: TestClient, role: Role) -> dict[str, str]:
    return bearer(add_staff(client.app.state.backend.db, name=f"{role.value}-1", role=role))  # type: ignore[attr-defined]


def new_ticket(client: TestClient, **fields: str) -> str:
    response = file_request(client, **fields)
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])


def test_tokens_and_roles(client: TestClient) -> None:
    assert client.get("/api/tickets").status_code == 401
    assert client.get("/api/tickets", headers=bearer("guess")).status_code == 401
    assert client.get("/api/tickets", headers=SERVICE).status_code == 403
    assert client.get("/api/tickets", headers=staff(client, Role.ANALYST)).status_code == 200
    ticket = new_ticket(client)
    analyst = bearer(add_staff(client.app.state.backend.db, name="analyst-2", role=Role.ANALYST))  # type: ignore[attr-defined]
    denied = client.post(f"/api/tickets/{ticket}/updates", json={"status": "accepted"}, headers=analyst)
    assert denied.status_code == 403
    assert client.post("/api/staff", json={"name": "x", "role": "admin"}, headers=analyst).status_code == 403
    created = client.post("/api/staff", json={"name": "li.operator", "role": "operator"}, headers=ADMIN)
    assert created.status_code == 201
    operator = bearer(created.json()["token"])
    assert client.post(f"/api/tickets/{ticket}/updates", json={"status": "accepted"},
                       headers=operator).status_code == 200


def test_list_filters_and_detail(client: TestClient) -> None:
    plain = new_ticket(client, description="垃圾桶满了没人清理")
    urgent = new_ticket(client, service_code=urgent_leaf(taxonomy_of(client)).code, description="闻到燃气味",
                        address_string="海淀区中关村街道")
    listing = client.get("/api/tickets", headers=ADMIN).json()
    assert listing["total"] == 2 and {t["service_request_id"] for t in listing["tickets"]} == {plain, urgent}
    only_urgent = client.get("/api/tickets", params={"district_code": "110108"}, headers=ADMIN).json()
    assert [t["service_request_id"] for t in only_urgent["tickets"]] == [urgent]
    assert client.get("/api/tickets", params={"q": "垃圾"}, headers=ADMIN).json()["total"] == 1
    assert client.get("/api/tickets", params={"status": "resolved"}, headers=ADMIN).json()["total"] == 0
    assert client.get("/api/tickets", params={"status": "bogus"}, headers=ADMIN).status_code == 422
    detail = client.get(f"/api/tickets/{urgent}", headers=ADMIN).json()
    assert detail["original_text"] == "闻到燃气味" and detail["priority"] == "urgent"
    assert detail["timeline"][0]["status"] == "open" and detail["translation"] is None
    assert client.get("/api/tickets/nope", headers=ADMIN).status_code == 404


def test_analysts_see_redacted_text_and_no_contact(client: TestClient) -> None:
    ticket = new_ticket(client, description="请回电13812345678", phone="13812345678")
    analyst = client.get(f"/api/tickets/{ticket}", headers=staff(client, Role.ANALYST)).json()
    assert "13812345678" not in str(analyst) and analyst["contact"] is None
    operator = client.get(f"/api/tickets/{ticket}", headers=ADMIN).json()
    assert operator["contact"]["phone"] == "13812345678" and "13812345678" in operator["original_text"]


def test_lifecycle_through_the_api(client: TestClient) -> None:
    ticket = new_ticket(client)
    url = f"/api/tickets/{ticket}/updates"
    for status in ("accepted", "in_progress", "resolved"):
        response = client.post(url, json={"status": status, "note": f"{status} 说明"}, headers=ADMIN)
        assert response.status_code == 200, response.text
    illegal = client.post(url, json={"status": "in_progress"}, headers=ADMIN)
    assert illegal.status_code == 409
    assert client.post(url, json={"note": "  "}, headers=ADMIN).status_code == 400
    assert client.post(url, json={"status": "done"}, headers=ADMIN).status_code == 422
    assert client.post(url, json={"status": "closed", "extra": 1}, headers=ADMIN).status_code == 422
    timeline = client.get(f"/api/tickets/{ticket}", headers=ADMIN).json()["timeline"]
    assert [row["status"] for row in timeline] == ["open", "accepted", "in_progress", "resolved"]
    assert timeline[-1]["actor"] == "admin:admin"


def test_satisfaction_not_resolved_reopens_and_resolved_closes(client: TestClient) -> None:
    ticket = new_ticket(client, channel="wechat", channel_user_id="o-alice")
    url = f"/api/tickets/{ticket}/satisfaction"
    early = client.post(url, json={**ALICE, "resolved": True, "rating": 5}, headers=SERVICE)
    assert early.status_code == 409  # not resolved yet
    client.post(f"/api/tickets/{ticket}/updates", json={"status": "resolved"}, headers=ADMIN)
    unhappy = client.post(f"/api/tickets/{ticket}/satisfaction",
                          json={**ALICE, "resolved": False, "rating": 2, "comment": "灯还是不亮"}, headers=SERVICE)
    assert unhappy.status_code == 200 and unhappy.json()["status"] == "reopened"
    again = client.post(f"/api/tickets/{ticket}/satisfaction", json={**ALICE, "resolved": False}, headers=SERVICE)
    assert again.status_code == 409
    client.post(f"/api/tickets/{ticket}/updates", json={"status": "resolved", "note": "换了新灯"}, headers=ADMIN)
    happy = client.post(url, json={**ALICE, "resolved": True, "rating": 5}, headers=SERVICE)
    assert happy.json()["status"] == "closed" and len(happy.json()["satisfaction"]) == 2
    assert client.post(f"/api/tickets/{ticket}/satisfaction", json={**ALICE, "resolved": True, "rating": 5},
                       headers=SERVICE).status_code == 409
    bad = client.post(url, json={**ALICE, "resolved": True, "rating": 9}, headers=SERVICE)
    assert bad.status_code == 422
    detail = client.get(f"/api/tickets/{ticket}", headers=ADMIN).json()
    assert [row["status"] for row in detail["timeline"]][-3:] == ["reopened", "resolved", "closed"]
    assert detail["satisfaction"][0]["comment"] == "灯还是不亮"


def test_the_assistant_rates_only_for_the_resident_who_filed_the_ticket(client: TestClient) -> None:
    """Issue 13: a stranger's conversation cannot rate (and so reopen) someone else's ticket."""
    ticket = new_ticket(client, channel="wechat", channel_user_id="o-alice")
    client.post(f"/api/tickets/{ticket}/updates", json={"status": "resolved"}, headers=ADMIN)
    url = f"/api/tickets/{ticket}/satisfaction"
    for stranger in ({"channel": "wechat", "channel_user_id": "o-bob"},
                     {"channel": "telegram", "channel_user_id": "o-alice"},
                     {"channel": "wechat", "channel_user_id": "o-alic"}):
        refused = client.post(url, json={"resident": stranger, "resolved": False, "rating": 1}, headers=SERVICE)
        assert refused.status_code == 404, refused.text  # as if the ticket did not exist
    assert client.post(url, json={"resolved": False, "rating": 1}, headers=SERVICE).status_code == 400
    assert client.post("/api/tickets/999999999999/satisfaction", json={**ALICE, "resolved": True},
                       headers=SERVICE).status_code == 404
    detail = client.get(f"/api/tickets/{ticket}", headers=ADMIN).json()
    assert detail["detailed_status"] == "resolved" and not detail["satisfaction"]  # untouched
    # Staff rate on a resident's behalf (a phone call) without naming them.
    assert client.post(url, json={"resolved": True, "rating": 4}, headers=ADMIN).json()["status"] == "closed"


def test_a_resident_sees_only_their_own_tickets(client: TestClient) -> None:
    mine = new_ticket(client, channel="wechat", channel_user_id="o-alice", description="Alice 的诉求")
    new_ticket(client, channel="wechat", channel_user_id="o-bob", description="Bob 的诉求")
    new_ticket(client, channel="telegram", channel_user_id="o-alice", description="Telegram 同名用户")
    url = "/api/residents/wechat/o-alice/tickets"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=ADMIN).status_code == 403  # staff use /api/tickets
    alice = client.get(url, headers=SERVICE).json()["tickets"]
    assert [t["service_request_id"] for t in alice] == [mine]
    assert "Bob" not in str(alice) and "Telegram" not in str(alice)
    for other in ("o-bob", "o-alic", "o-alice%", "%", "o-alice' OR '1'='1"):
        tickets = client.get(f"/api/residents/wechat/{other}/tickets", headers=SERVICE).json()["tickets"]
        assert mine not in [t["service_request_id"] for t in tickets]
    assert client.get("/api/residents/webchat/o-alice/tickets", headers=SERVICE).json()["tickets"] == []


@pytest.mark.parametrize("body, status", [
    ({"text": ""}, 422), ({"text": "x" * 2001}, 422), ({"text": "hello", "language": "fr"}, 422),
    ({"text": 12}, 422), ({"text": "ok", "unknown": 1}, 422),
])
def test_suggest_validates_input(client: TestClient, body: dict[str, object], status: int) -> None:
    assert client.post("/api/categories/suggest", json=body).status_code == status


def test_suggest_returns_top_three_with_explanations(client: TestClient) -> None:
    response = client.post("/api/categories/suggest", json={"text": "楼下饭店油烟太大，熏得没法开窗", "language": "zh"})
    suggestions = response.json()["suggestions"]
    assert len(suggestions) == 3
    confidences = [s["confidence"] for s in suggestions]
    assert confidences == sorted(confidences, reverse=True) and 0 < sum(confidences) <= 1.0001
    assert all(s["matched"] for s in suggestions)
