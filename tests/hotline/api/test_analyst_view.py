"""Analysts see de-identified text only, in every field, and cannot find a ticket by personal data.

Through /api/ with real staff tokens, on SQLite and PostgreSQL. Operators and admins keep
seeing (and finding) everything as it was written.
"""

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from hotline.config import DEV_OPERATOR_TOKEN
from hotline.domain.models import Role
from hotline.domain.staff import add_staff
from hotline.machine_translation.cache import TranslationCache
from hotline.machine_translation.engine import InstalledPackage
from hotline.machine_translation.glossary import Glossary
from hotline.machine_translation.jobs import translate_ticket
from hotline.machine_translation.translator import Translator
from tests.hotline.helpers import file_request

OPERATOR = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}
ENGLISH = ("My name is John Smith, I live in Room 301. Call me on +86 138 0013 8000 or mail john.smith@example.com, "
           "ID 110105199001011232. The lift in building 5 has been broken for a week.")
SECRETS = ("John", "Smith", "Room 301", "138", "0013", "john.smith", "110105199001011232", "王小明", "13912345678",
           "2单元", "39.936512", "116.455149", "photos.example.org", "o-resident-7")


class Prefixing:
    """A stand-in translation engine: "译文：" and the text (no model is downloaded in tests)."""

    name = "prefixing"

    def packages(self) -> list[InstalledPackage]:
        return [InstalledPackage("en", "zh", "1", Path("."))]

    def translate(self, text: str, source: str, target: str) -> str:
        return f"译文：{text}"


def analyst(client: TestClient) -> dict[str, str]:
    backend = client.app.state.backend  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {add_staff(backend.db, name='ana.lyst', role=Role.ANALYST)}"}


def file_with_everything(client: TestClient) -> str:
    """An English appeal full of personal data, translated, with an operator's note and a rating."""
    response = file_request(
        client, service_code="property_fee_dispute", language="en", description=ENGLISH,
        address_string="朝阳区三里屯街道工体北路8号院5号楼2单元301室", lat="39.936512", long="116.455149",
        media_url="https://photos.example.org/u/john/lift.jpg", first_name="John", last_name="Smith",
        phone="13800138000", email="john.smith@example.com", channel="wechat", channel_user_id="o-resident-7",
        **{"attribute[community_name]": "阳光小区5号楼2单元301室，业主王小明13912345678"},
    )
    assert response.status_code == 201, response.text
    request_id = str(response.json()[0]["service_request_id"])
    backend = client.app.state.backend  # type: ignore[attr-defined]
    translator = Translator(Prefixing(), TranslationCache(backend.db), Glossary([]))
    assert translate_ticket(backend.db, translator, request_id) == "translated"
    for body in ({"status": "in_progress", "note": "已联系业主王小明，电话13912345678"}, {"status": "resolved"}):
        assert client.post(f"/api/tickets/{request_id}/updates", json=body, headers=OPERATOR).status_code == 200
    rating = {"resolved": False, "rating": 1, "comment": "没修好，我是王小明，回电13912345678"}
    assert client.post(f"/api/tickets/{request_id}/satisfaction", json=rating, headers=OPERATOR).status_code == 200
    return request_id


def total(client: TestClient, headers: dict[str, str], **params: str) -> int:
    response = client.get("/api/tickets", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def test_analysts_see_every_field_de_identified(client: TestClient) -> None:
    request_id = file_with_everything(client)
    headers = analyst(client)
    detail: dict[str, Any] = client.get(f"/api/tickets/{request_id}", headers=headers).json()
    listed: dict[str, Any] = client.get("/api/tickets", headers=headers).json()["tickets"][0]
    for view in (detail, listed):
        for secret in SECRETS:
            assert secret not in str(view), secret
        assert (view["lat"], view["long"], view["media_url"]) == (39.937, 116.455, None)
        assert view["address"] == "朝阳区三里屯街道工体北路8号院5号楼[room]"
        assert view["description"].startswith("My name is [name], I live in [room]. Call me on [phone] or mail [email]")
    assert detail["contact"] is None
    assert detail["original_text"] == detail["description"]
    assert detail["translation"].startswith("译文：My name is [name]") and "[id]" in detail["translation"]
    assert detail["attributes"]["community_name"] == "阳光小区5号楼[room]，业主[name][phone]"
    assert [row["note"] for row in detail["timeline"] if row["note"]][:1] == ["已联系业主[name]，电话[phone]"]
    assert detail["satisfaction"][0]["comment"] == "没修好，我是[name]，回电[phone]"
    # Operators see what was written, exact and with the stored media URL.
    operator: dict[str, Any] = client.get(f"/api/tickets/{request_id}", headers=OPERATOR).json()
    assert operator["original_text"] == ENGLISH and operator["contact"]["phone"] == "13800138000"
    assert (operator["lat"], operator["long"]) == (39.936512, 116.455149)
    assert operator["media_url"] == "https://photos.example.org/u/john/lift.jpg"
    assert operator["attributes"]["community_name"].endswith("13912345678")


def test_analysts_cannot_find_a_ticket_by_personal_data(client: TestClient) -> None:
    request_id = file_with_everything(client)
    chinese = file_request(client, first_name="雷", last_name="李", address_string="海淀区中关村街道3号楼1203室",
                           description="我叫李雷，身份证11010519491231002X，手机一三九 一二三四 五六七八，路灯坏了")
    assert chinese.status_code == 201, chinese.text
    headers = analyst(client)
    personal = ("110105199001011232", "11010519491231002X", "138 0013 8000", "13800138000", "0013",
                "john.smith@example.com", "example.com", "John Smith", "Smith", "李雷", "1203室", "Room 301",
                "一三九", "13912345678", "o-resident-7")
    for q in personal:
        assert total(client, headers, q=q) == 0, q
    for q in ("110105199001011232", "john.smith@example.com", "Smith", "李雷", "1203室"):
        assert total(client, OPERATOR, q=q) >= 1, q  # operators still find them
    # What is not personal stays searchable: the problem, the place, the translation, the ticket id.
    assert total(client, headers, q="lift") == 1 and total(client, headers, q="路灯") == 1
    assert total(client, headers, q="三里屯") == 1 and total(client, headers, q="译文") == 1
    assert total(client, headers, q=request_id) == 1
