"""GET /api/rates: response, resolution and satisfaction rates on a handful of tickets with known
answers, on SQLite and PostgreSQL."""

from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient

from bot.taxonomy import Category
from hotline.domain.lifecycle import Rating
from hotline.domain.models import Status
from hotline.domain.tickets import NewRequest
from tests.hotline.helpers import plain_leaf, taxonomy_of

STAFF = {"Authorization": "Bearer dev-operator-token"}
SANLITUN, DONGHUAMEN = "110105004", "110101001"


class World:
    """Files and moves tickets at chosen times (the desk's and the lifecycle's clock)."""

    def __init__(self, client: TestClient, start: datetime) -> None:
        self.backend = client.app.state.backend  # type: ignore[attr-defined]
        self.now = start
        self.backend.desk.clock = self.backend.lifecycle.clock = self.tick

    def tick(self) -> datetime:
        """A clock that moves a microsecond per reading (as a real one does between two readings)."""
        self.now += timedelta(microseconds=1)
        return self.now

    def at(self, when: datetime) -> "World":
        self.now = when
        return self

    def file(self, category: Category, address: str) -> str:
        ticket, _ = self.backend.desk.file(NewRequest(service_code=category.code, description="楼上漏水，天花板在滴水",
                                                      language="zh", address_string=address))
        return str(ticket.service_request_id)

    def move(self, ticket: str, status: Status) -> None:
        self.backend.lifecycle.update(ticket, status=status, note="", note_language="zh", actor="operator:li")

    def rate(self, ticket: str, resolved: bool, rating: int | None) -> None:
        self.backend.lifecycle.rate(ticket, Rating(resolved, rating, ""), language="zh", actor="resident")


def other_department_leaf(client: TestClient, plain: Category) -> Category:
    return next(c for c in taxonomy_of(client).leaves if c.department != plain.department and not c.urgent
                and not any(a.required for a in c.attributes))


def rates(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/rates", params=params, headers=STAFF)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_rates_per_subdistrict_and_department_have_the_known_answers(client: TestClient) -> None:
    plain = plain_leaf(taxonomy_of(client))
    other = other_department_leaf(client, plain)
    base = datetime.now(timezone.utc) - timedelta(days=10)
    hours = timedelta(hours=plain.response_hours)
    w = World(client, base)
    # 1: taken up in time, resolved, "resolved" 5
    t1 = w.at(base).file(plain, "朝阳区三里屯街道")
    w.at(base + hours / 2).move(t1, Status.ACCEPTED)
    w.at(base + hours).move(t1, Status.RESOLVED)
    w.at(base + 2 * hours).rate(t1, True, 5)
    # 2: taken up late; "not resolved" (reopens), resolved again, then "resolved" 3: latest verdict counts
    t2 = w.at(base).file(plain, "朝阳区三里屯街道")
    w.at(base + 2 * hours).move(t2, Status.ACCEPTED)
    w.at(base + 3 * hours).move(t2, Status.RESOLVED)
    w.at(base + 4 * hours).rate(t2, False, 1)
    w.at(base + 5 * hours).move(t2, Status.RESOLVED)
    w.at(base + 6 * hours).rate(t2, True, 3)
    # 3: still open long after its response deadline: late
    w.at(base).file(plain, "朝阳区三里屯街道")
    # 4: filed now, not due yet: not counted for the response rate
    w.at(datetime.now(timezone.utc)).file(plain, "朝阳区三里屯街道")
    # 6: resolved straight away, rated "resolved" without a score
    t6 = w.at(base).file(plain, "朝阳区三里屯街道")
    w.at(base + hours / 4).move(t6, Status.RESOLVED)
    w.at(base + hours).rate(t6, True, None)
    # 5: another sub-district and department: in time, rated "not resolved" without a score
    t5 = w.at(base).file(other, "东城区东华门街道")
    w.at(base + timedelta(hours=1)).move(t5, Status.RESOLVED)
    w.at(base + timedelta(hours=2)).rate(t5, False, None)

    body = rates(client, group_by="subdistrict")
    groups = {g["key"]: g for g in body["groups"]}
    assert set(groups) == {SANLITUN, DONGHUAMEN} and groups[SANLITUN]["name"] == "三里屯街道"
    s1 = groups[SANLITUN]
    assert s1["counts"] == {"tickets": 5, "response_due": 4, "responded_in_time": 2, "rated": 3,
                            "rated_resolved": 3, "scored": 2, "satisfied": 1}
    assert (s1["response_rate"], s1["resolution_rate"], s1["satisfaction_rate"]) == (0.5, 1.0, 0.5)
    s2 = groups[DONGHUAMEN]
    assert (s2["response_rate"], s2["resolution_rate"], s2["satisfaction_rate"]) == (1.0, 0.0, None)
    total = body["total"]
    assert (total["response_rate"], total["resolution_rate"], total["satisfaction_rate"]) == (0.6, 0.75, 0.5)
    assert total["counts"]["tickets"] == 6

    by_department = {g["key"]: g for g in rates(client, group_by="department", lang="en")["groups"]}
    assert by_department[plain.department]["counts"] == s1["counts"]
    assert by_department[other.department]["name"] == taxonomy_of(client).departments[other.department]["en"]
    only = rates(client, group_by="department", subdistrict=DONGHUAMEN)["groups"]
    assert [g["key"] for g in only] == [other.department]


def test_months_are_beijing_months_and_the_window_filters(client: TestClient) -> None:
    plain = plain_leaf(taxonomy_of(client))
    w = World(client, datetime(2025, 1, 15, 4, tzinfo=timezone.utc))
    w.file(plain, "朝阳区三里屯街道")
    w.at(datetime(2025, 1, 31, 17, tzinfo=timezone.utc)).file(plain, "朝阳区三里屯街道")  # 1 Feb 01:00 in Beijing
    w.at(datetime(2025, 3, 3, tzinfo=timezone.utc)).file(plain, "朝阳区三里屯街道")
    months = rates(client, group_by="month")["groups"]
    assert [(g["key"], g["counts"]["tickets"]) for g in months] == [("2025-01", 1), ("2025-02", 1), ("2025-03", 1)]
    window = rates(client, group_by="month", **{"from": "2025-01-20T00:00:00Z", "to": "2025-02-28T00:00:00Z"})
    assert [g["key"] for g in window["groups"]] == ["2025-02"]
    assert months[0]["response_rate"] == 0.0 and months[0]["resolution_rate"] is None


def test_rates_need_staff_and_a_known_grouping(client: TestClient) -> None:
    assert client.get("/api/rates").status_code == 401
    assert client.get("/api/rates", headers={"Authorization": "Bearer dev-service-key"}).status_code == 403
    assert client.get("/api/rates", params={"group_by": "planet"}, headers=STAFF).status_code == 422
    assert rates(client)["groups"] == [] and rates(client)["total"]["response_rate"] is None
