"""Issue 13, "Public Open311 GETs publish personal data": exact coordinates (6 decimals), room-level
addresses ("5号楼 2单元 301室"), names in update notes, phone numbers written as Chinese numerals, with
spaces or with dots, ID numbers; photo links opened without any signature; emergencies listed.

Held means: the anonymous GETs (``requests.json``/``.xml``, ``requests/{id}``,
``servicerequestupdates``) carry none of the planted data, coordinates have at most 3 decimals (about
100 m), the photo is only a signed link that a changed signature or a past expiry no longer opens, and a
ticket of an urgent category is neither listed nor found. Operators still see everything (the control:
the data was stored).
"""

import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.security.attacker import file_ticket, send, telegram_id, ticket, update, urgent_category
from tools.stack import Stack

pytestmark = pytest.mark.integration
PHONES = ("一三八零零一三八零零零", "１３８００１３８０００", "138 0013 8000", "138.0013.8000", "138-0013-8000",
          "13800138000")
ID_NUMBER = "440304198506152010"  # GB 11643: valid check character (checked below)
EMAIL = "zhang.wei@example.com"
NAME = "张伟"
ROOM = "5号楼 2单元 301室"
LAT, LONG = "39.934512", "116.454387"
PHOTO = "https://example.org/photos/private-7781.jpg"


def gb11643_ok(number: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(number[:17], weights, strict=True)) % 11] == number[17]


def public(stack: Stack, path: str, **params: str) -> Any:
    answer = send("GET", f"{stack.backend_url}/open311/v2/{path}", params=params)
    return answer


@pytest.fixture(scope="module")
def planted(stack: Stack) -> str:
    """A ticket full of personal data, with operator notes that name and number the resident."""
    description = (f"我是{NAME}，手机{PHONES[0]}，也可以打{PHONES[1]}、{PHONES[2]}或{PHONES[3]}，"
                   f"身份证{ID_NUMBER}，邮箱{EMAIL}。{ROOM}门口的路灯坏了一个星期")
    ticket_id = file_ticket(stack, description, resident=("telegram", telegram_id()),
                            address_string=f"北京市朝阳区三里屯街道工体北路8号{ROOM}", lat=LAT, long=LONG,
                            media_url=PHOTO, first_name="伟", last_name="张", email=EMAIL, phone=PHONES[5])
    update(stack, ticket_id, "in_progress", f"已联系{NAME}先生，电话{PHONES[4]}，身份证{ID_NUMBER}")
    update(stack, ticket_id, "resolved", f"已修复，{NAME}先生确认，回访邮箱{EMAIL}")
    return ticket_id


def published_texts(stack: Stack, ticket_id: str) -> dict[str, str]:
    now = datetime.now(timezone.utc)
    window = {"start_date": (now - timedelta(hours=1)).isoformat(), "end_date": (now + timedelta(hours=1)).isoformat()}
    answers = {
        "requests.json": public(stack, "requests.json"),
        "requests.xml": public(stack, "requests.xml"),
        "requests.json?service_request_id": public(stack, "requests.json", service_request_id=ticket_id),
        f"requests/{ticket_id}.json": public(stack, f"requests/{ticket_id}.json"),
        f"requests/{ticket_id}.xml": public(stack, f"requests/{ticket_id}.xml"),
        "servicerequestupdates.json": public(stack, "servicerequestupdates.json", **window),
        "servicerequestupdates.xml": public(stack, "servicerequestupdates.xml", **window),
    }
    for path, answer in answers.items():
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return {path: answer.text for path, answer in answers.items()}


def test_the_planted_data_is_valid() -> None:
    """The ID number planted below passes GB 11643, so the redaction tests test the real thing."""
    assert gb11643_ok(ID_NUMBER) and not gb11643_ok(ID_NUMBER[:17] + "1")


def test_operators_still_see_everything(stack: Stack, planted: str) -> None:
    """Control: operators see what the public must not, so its absence below is redaction, not loss."""
    detail = ticket(stack, planted)
    assert ID_NUMBER in detail["original_text"] and ROOM in detail["original_text"]
    assert f"{detail['lat']:.6f}" == LAT and detail["contact"]["phone"] == PHONES[5]


def test_public_answers_carry_no_phone_id_email_or_name(stack: Stack, planted: str) -> None:
    """Attack: read phone numbers (every written form), ID numbers, e-mail and names from public GETs.
    Held: none there.
    """
    texts = published_texts(stack, planted)
    assert planted in texts[f"requests/{planted}.json"]
    for path, text in texts.items():
        for secret in (*PHONES, ID_NUMBER, EMAIL, NAME, "zhang.wei"):
            assert secret not in text, (path, secret)


def test_public_answers_have_no_room_and_no_exact_place(stack: Stack, planted: str) -> None:
    """Attack: locate a home from public GETs (room-level address, 6-decimal coordinates).
    Held: building at most, 3 decimals.
    """
    texts = published_texts(stack, planted)
    for path, text in texts.items():
        for secret in ("301室", "2单元 301", LAT, LONG, LAT[:-1], LONG[:-1], LAT[:-2], LONG[:-2]):
            assert secret not in text, (path, secret)
    view = public(stack, f"requests/{planted}.json").json()[0]
    for field, exact in (("lat", float(LAT)), ("long", float(LONG))):
        value = view[field]
        assert value is not None and abs(value - exact) < 0.0011, (field, value)  # coarse, not moved away
        assert abs(value * 1000 - round(value * 1000)) < 1e-6, (field, value)  # at most 3 decimals


def test_a_photo_is_published_only_as_a_signed_expiring_link(stack: Stack, planted: str) -> None:
    """Attack: open a resident's photo from the public record (links had no signature).
    Held: a signed link that tampering or expiry closes.
    """
    for path in (f"requests/{planted}.json", "requests.json"):
        assert PHOTO not in public(stack, path).text, path
    link = public(stack, f"requests/{planted}.json").json()[0]["media_url"]
    assert link, "no link at all"
    parts = urlsplit(link)
    query = {k.lower(): v[0] for k, v in parse_qs(parts.query).items()}
    expiry = next((v for k, v in query.items() if "exp" in k), "")
    signature = next((k for k in query if k.startswith(("sig", "token", "hmac"))), None)
    assert expiry.isdigit() and int(expiry) > time.time() and signature, link
    base = f"{stack.backend_url}{parts.path}"
    tampered = {**query, signature: query[signature][:-1] + ("0" if query[signature][-1] != "0" else "1")}
    expired = {**query, next(k for k in query if "exp" in k): str(int(time.time()) - 60)}
    for name, params in (("tampered", tampered), ("expired", expired), ("unsigned", {})):
        answer = send("GET", f"{base}?{urlencode(params)}")
        assert 400 <= answer.status_code < 500, (name, answer.status_code)


def test_an_emergency_is_neither_listed_nor_found(stack: Stack) -> None:
    """Attack: read emergencies (priority urgent) from the public record. Held: neither listed nor found."""
    category = urgent_category()
    ticket_id = file_ticket(stack, "楼道里有人被困，起火了，浓烟很大", resident=("telegram", telegram_id()),
                            category=category)
    assert ticket(stack, ticket_id)["priority"] == "urgent"
    update(stack, ticket_id, "in_progress", "消防已到场")
    assert public(stack, f"requests/{ticket_id}.json").status_code == 404
    for path, params in (("requests.json", {}), ("requests.json", {"service_code": category.code}),
                         ("requests.json", {"service_request_id": ticket_id}), ("requests.xml", {})):
        assert ticket_id not in public(stack, path, **params).text, (path, params)
    now = datetime.now(timezone.utc)
    updates = public(stack, "servicerequestupdates.json", start_date=(now - timedelta(hours=1)).isoformat())
    assert ticket_id not in updates.text
