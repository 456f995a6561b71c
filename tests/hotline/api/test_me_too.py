""""Me too" through /api/ on SQLite and PostgreSQL: the assistant asks, for the resident who filed a new appeal,
whether it looks like an open one (described without anyone's words or address), and links it when the resident
says so; only the filer's conversation may, only to a ticket the detector suggests, and bad input is a 4xx."""

from typing import Any

from fastapi.testclient import TestClient

from hotline.config import DEV_OPERATOR_TOKEN, DEV_SERVICE_KEY
from tests.hotline.helpers import file_request

ADMIN = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {DEV_SERVICE_KEY}"}
ALICE = {"channel": "wechat", "channel_user_id": "o-alice"}
BOB = {"channel": "telegram", "channel_user_id": "4242"}
LIFT = "elevator_broken"


def filed(client: TestClient, resident: dict[str, str], **fields: Any) -> str:
    response = file_request(client, **{**fields, "channel": resident["channel"],
                                       "channel_user_id": resident["channel_user_id"]})
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])


def same_case(client: TestClient, ticket: str, resident: dict[str, str], language: str = "zh") -> Any:
    return client.post(f"/api/tickets/{ticket}/same-case", json={"resident": resident, "language": language},
                       headers=SERVICE)


def test_the_filer_is_asked_about_the_open_case_and_joins_it(client: TestClient) -> None:
    master = filed(client, BOB, service_code=LIFT,
                   description="幸福村小区3号楼电梯坏了三天，王大爷下不了楼，电话13800138000")
    other = filed(client, BOB, service_code=LIFT, description="幸福村小区7号楼电梯坏了三天")
    mine = filed(client, ALICE, service_code=LIFT, description="3号楼电梯到现在还没修好")

    asked = same_case(client, mine, ALICE)
    assert asked.status_code == 200, asked.text
    candidate = asked.json()["candidate"]
    assert candidate["service_request_id"] == master and candidate["status"] == "open"
    # Nothing the other resident wrote, nothing that locates them.
    assert set(candidate) == {"service_request_id", "service_name", "subdistrict", "requested_datetime", "status"}
    assert candidate["subdistrict"] == "三里屯街道" and candidate["service_name"]
    assert same_case(client, mine, ALICE, "en").json()["candidate"]["subdistrict"] == "Sanlitun Subdistrict"

    # Only to the suggested case: the other building's lift is refused, and nothing is linked.
    refused = client.post(f"/api/tickets/{mine}/me-too", json={"resident": ALICE, "master": other}, headers=SERVICE)
    assert refused.status_code == 409
    assert client.get(f"/api/tickets/{mine}", headers=ADMIN).json()["dispatch_state"] != "linked"

    joined = client.post(f"/api/tickets/{mine}/me-too", json={"resident": ALICE, "master": master}, headers=SERVICE)
    assert joined.status_code == 200, joined.text
    assert joined.json()["master"] == master
    detail = client.get(f"/api/tickets/{mine}", headers=ADMIN).json()
    assert detail["duplicate_of"] == master and detail["dispatch_state"] == "linked"
    trail = client.get(f"/api/tickets/{mine}/history", headers=ADMIN).json()["history"]
    assert trail[-1]["actor"] == "resident" and "same problem" in trail[-1]["reason"]
    # Linked now: it is no open case for anyone else, and asking again links nothing twice.
    assert same_case(client, mine, ALICE).json()["candidate"] is None
    again = client.post(f"/api/tickets/{mine}/me-too", json={"resident": ALICE, "master": master}, headers=SERVICE)
    assert again.status_code == 409


def test_nothing_alike_nothing_asked(client: TestClient) -> None:
    filed(client, BOB, service_code=LIFT, description="幸福村小区3号楼电梯坏了三天")
    mine = filed(client, ALICE, description="小区门口路灯坏了一个星期，晚上很黑")
    assert same_case(client, mine, ALICE).json()["candidate"] is None


def test_only_the_filers_conversation_and_only_the_assistant(client: TestClient) -> None:
    master = filed(client, BOB, service_code=LIFT, description="幸福村小区3号楼电梯坏了三天")
    mine = filed(client, ALICE, service_code=LIFT, description="3号楼电梯还没修好")
    for stranger in (BOB, {"channel": "wechat", "channel_user_id": "o-alice2"}, {"channel": "telegram",
                                                                                   "channel_user_id": "o-alice"}):
        assert same_case(client, mine, stranger).status_code == 404, stranger
        refused = client.post(f"/api/tickets/{mine}/me-too", json={"resident": stranger, "master": master},
                              headers=SERVICE)
        assert refused.status_code == 404, stranger
    for headers in ({}, ADMIN, {"Authorization": "Bearer wrong"}):
        assert client.post(f"/api/tickets/{mine}/same-case", json={"resident": ALICE},
                           headers=headers).status_code in (401, 403)
    assert same_case(client, "000000000000000", ALICE).status_code == 404


def test_bad_input_is_a_clear_4xx(client: TestClient) -> None:
    mine = filed(client, ALICE, service_code=LIFT, description="3号楼电梯还没修好")
    for body in ({}, {"resident": {}}, {"resident": ALICE, "language": "fr"}, {"resident": ALICE, "extra": 1},
                 {"resident": {"channel": "", "channel_user_id": "x"}}, "not json"):
        response = client.post(f"/api/tickets/{mine}/same-case", json=body, headers=SERVICE)
        assert response.status_code == 422, (body, response.text)
    for body in ({"resident": ALICE}, {"resident": ALICE, "master": ""}, {"resident": ALICE, "master": "x" * 33}):
        response = client.post(f"/api/tickets/{mine}/me-too", json=body, headers=SERVICE)
        assert response.status_code == 422, (body, response.text)
