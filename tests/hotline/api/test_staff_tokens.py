"""/api/staff and /api/audit: list and revoke staff tokens, who created and revoked them, the audit log."""

import hashlib
from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient
from sqlalchemy import update

from hotline.config import DEV_OPERATOR_TOKEN
from hotline.domain.models import AuditEntry, Role
from hotline.domain.staff import add_staff

ADMIN = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create(client: TestClient, name: str, role: str, headers: dict[str, str] = ADMIN) -> str:
    response = client.post("/api/staff", json={"name": name, "role": role}, headers=headers)
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


def test_only_admins_list_staff_and_the_list_holds_no_token_material(client: TestClient) -> None:
    operator = create(client, "li.op", "operator")
    boss = create(client, "chen.admin", "admin")
    create(client, "zhao.an", "analyst", headers=bearer(boss))
    assert client.get("/api/staff").status_code == 401
    assert client.get("/api/staff", headers=bearer(operator)).status_code == 403
    response = client.get("/api/staff", headers=ADMIN)
    assert response.status_code == 200
    members = response.json()["staff"]
    assert [(m["name"], m["role"], m["active"], m["created_by"]) for m in members] == [
        ("li.op", "operator", True, "admin"), ("chen.admin", "admin", True, "admin"),
        ("zhao.an", "analyst", True, "chen.admin")]
    assert set(members[0]) == {"name", "role", "unit", "active", "created_at", "created_by", "revoked_at", "revoked_by"}
    assert members[0]["created_at"].endswith("+08:00") and members[0]["revoked_at"] is None
    for token in (operator, boss):
        assert token not in response.text and hashlib.sha256(token.encode()).hexdigest() not in response.text


def test_a_revoked_token_gets_401_and_revoking_is_recorded(client: TestClient) -> None:
    operator = create(client, "li.op", "operator")
    assert client.get("/api/tickets", headers=bearer(operator)).status_code == 200
    assert client.post("/api/staff/li.op/revoke", headers=bearer(operator)).status_code == 403
    revoked = client.post("/api/staff/li.op/revoke", headers=ADMIN)
    assert revoked.status_code == 200
    body = revoked.json()
    assert (body["active"], body["revoked_by"]) == (False, "admin") and body["revoked_at"]
    assert client.get("/api/tickets", headers=bearer(operator)).status_code == 401
    again = client.post("/api/staff/li.op/revoke", headers=ADMIN)
    assert again.status_code == 200 and again.json()["revoked_at"] == body["revoked_at"]  # unchanged
    assert client.post("/api/staff/nobody/revoke", headers=ADMIN).status_code == 404
    listed = client.get("/api/staff", headers=ADMIN).json()["staff"]
    assert [(m["name"], m["active"], m["revoked_by"]) for m in listed] == [("li.op", False, "admin")]
    entries = client.get("/api/audit", headers=ADMIN).json()["entries"]
    actions = [(e["action"], e["actor"], e["subject"]) for e in entries]
    assert actions == [("staff.revoked", "admin", "li.op"), ("staff.created", "admin", "li.op")]  # once each


def test_a_name_stays_taken_after_revoking_and_the_built_in_names_are_reserved(client: TestClient) -> None:
    create(client, "li.op", "operator")
    client.post("/api/staff/li.op/revoke", headers=ADMIN)
    assert client.post("/api/staff", json={"name": "li.op", "role": "operator"}, headers=ADMIN).status_code == 409
    for name in ("admin", "Admin", "assistant", "system"):
        assert client.post("/api/staff", json={"name": name, "role": "admin"}, headers=ADMIN).status_code == 409


def test_the_audit_log_is_for_admins_pages_newest_first_and_is_pruned(client: TestClient) -> None:
    db = client.app.state.backend.db  # type: ignore[attr-defined]
    analyst = add_staff(db, name="zhao.an", role=Role.ANALYST)  # outside a request: created by "system"
    for n in range(3):
        create(client, f"op-{n}", "operator")
    assert client.get("/api/audit").status_code == 401
    assert client.get("/api/audit", headers=bearer(analyst)).status_code == 403
    assert client.get("/api/audit", params={"limit": 0}, headers=ADMIN).status_code == 422
    first = client.get("/api/audit", params={"limit": 2}, headers=ADMIN).json()
    assert first["total"] == 4 and [e["subject"] for e in first["entries"]] == ["op-2", "op-1"]
    rest = client.get("/api/audit", params={"limit": 2, "offset": 2}, headers=ADMIN).json()
    assert [(e["actor"], e["subject"], e["detail"]) for e in rest["entries"]] == [
        ("admin", "op-0", {"role": "operator"}), ("system", "zhao.an", {"role": "analyst"})]
    with db.write() as session, session.begin():
        session.execute(update(AuditEntry).where(AuditEntry.subject == "zhao.an")
                        .values(at=datetime.now(timezone.utc) - timedelta(days=366)))
    signed_in = client.post("/console/login", data={"token": DEV_OPERATOR_TOKEN}, follow_redirects=False)
    assert signed_in.status_code == 303  # every sign-in deletes what is past the retention period
    entries = client.get("/api/audit", headers=ADMIN).json()["entries"]
    assert "zhao.an" not in {e["subject"] for e in entries} and entries[0]["action"] == "console.sign_in"
