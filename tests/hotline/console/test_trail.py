"""The audit trail in words (hotline.console.trail): codes become names in the page's language, the system's own
reasons are translated, and what the tables do not know yet shows as stored instead of failing the page."""

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hotline.console.i18n import translator
from hotline.console.trail import actor_name, trail_rows
from hotline.deps import Backend
from hotline.domain.models import TicketHistory
from tests.hotline.console.members import CITY_MANAGEMENT, HOUSING, PHONE, SANLITUN, backend_of

AT = datetime(2026, 5, 6, 1, 30, tzinfo=timezone.utc)  # 09:30 in Beijing


@pytest.fixture
def backend(app_factory: Callable[..., FastAPI], sqlite_url: str) -> Iterator[Backend]:
    with TestClient(app_factory(sqlite_url)) as client:
        yield backend_of(client)


def row(action: str, actor: str = "operator:op.wang", reason: str = "", **detail: object) -> TicketHistory:
    return TicketHistory(ticket_id=1, at=AT, actor=actor, action=action, reason=reason, detail=detail)


def words(backend: Backend, rows: list[TicketHistory], lang: str = "zh", personal: bool = True) -> list[dict[str, Any]]:
    return trail_rows(rows, backend, translator(lang), lang, personal=personal, names=())


def test_actors_read_as_who_they_are() -> None:
    t, en = translator("zh"), translator("en")
    assert actor_name(t, "handler:cm.liu") == "cm.liu（承办人员）"
    assert actor_name(en, "supervisor:sup.sun") == "sup.sun (Supervisor)"
    assert actor_name(t, "system:router") == "系统（分派规则）"
    assert actor_name(en, "resident:wechat") == "Resident (wechat)"
    assert actor_name(t, "robot:x") == "robot:x" and actor_name(t, None) == "—"


def test_a_redispatch_shows_only_what_changed_before_and_after(backend: Backend) -> None:
    before = {"service_code": "street_light_out", "department": "city_management_commission",
              "subdistrict_code": SANLITUN, "district_code": "110105", "unit": CITY_MANAGEMENT}
    after = {**before, "service_code": "poor_property_service", "department": "housing_commission", "unit": HOUSING}
    [line] = words(backend, [row("redispatched", reason="转住建委", before=before, after=after)], "en")
    assert line["action_label"] == "Re-dispatched" and line["actor"] == "op.wang (Operator)"
    assert line["at"] == "2026-05-06T09:30:00+08:00" and line["reason"] == "转住建委"
    assert [(c["label"], c["before"], c["after"]) for c in line["changes"]] == [
        ("Category", "Street lights out", "Poor property management service"),
        ("Department", "Beijing Municipal Commission of Urban Management",
         "Beijing Municipal Commission of Housing and Urban-Rural Development"),
        ("Unit", "Beijing Municipal Commission of Urban Management",
         "Beijing Municipal Commission of Housing and Urban-Rural Development")]


def test_system_rows_speak_the_page_s_language(backend: Backend) -> None:
    lines = words(backend, [
        row("dispatched", actor="system:router", reason="routing rules", unit=CITY_MANAGEMENT, role="lead"),
        row("escalated", actor="system:escalation", reason="resolution deadline due soon", deadline="resolution",
            level="due_soon", due="2026-05-08T09:30:00+00:00", unit=CITY_MANAGEMENT),
        row("status", before="open", after="accepted"),
        row("deadlines", before={"tier": "general", "response_due": "2026-05-07T01:30:00+00:00"},
            after={"tier": "complex", "response_due": "2026-05-07T01:30:00+00:00"}),
    ])
    assert lines[0]["reason"] == "按分派规则自动派单" and lines[0]["actor"] == "系统（分派规则）"
    assert lines[1]["reason"] == "" and lines[1]["action_label"] == "时限预警"
    assert [(c["label"], c["after"]) for c in lines[1]["changes"]] == [
        ("承办单位", "北京市城市管理委员会"), ("时限", "办结时限"), ("级别", "即将到期"),
        ("到期时间", "2026-05-08 17:30")]
    assert [(c["before"], c["after"]) for c in lines[2]["changes"]] == [("待受理", "已受理")]
    assert [(c["label"], c["before"], c["after"]) for c in lines[3]["changes"]] == [
        ("时限类别", "一般诉求", "复杂诉求")]


def test_unknown_actions_codes_and_keys_show_as_stored(backend: Backend) -> None:
    [line] = words(backend, [row("teleported", unit="dept:gone", service_code="no_longer_a_leaf", flux=3)])
    assert line["action_label"] == "teleported"
    assert [(c["label"], c["after"]) for c in line["changes"]] == [
        ("诉求类别", "no_longer_a_leaf"), ("承办单位", "dept:gone")]


def test_reasons_are_redacted_for_roles_without_personal_data(backend: Backend) -> None:
    note = row("returned", actor="handler:cm.liu", reason=f"居民电话 {PHONE}", unit=CITY_MANAGEMENT, role="lead",
               return_reason="needs_information")
    assert PHONE in str(words(backend, [note])[0]["reason"])
    hidden = words(backend, [note], personal=False)[0]
    assert PHONE not in str(hidden["reason"]) and "[phone]" in str(hidden["reason"])
    assert ("退回原因", "信息不全，需补充") in [(c["label"], c["after"]) for c in hidden["changes"]]
