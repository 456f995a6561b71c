"""The public record is safe to publish: through the HTTP API, on SQLite and PostgreSQL.

Public Open311 reads are redacted (names, numbers, rooms), coarse (about 100 m), without private
categories, and show media only through signed, expiring links that the backend proxies from
allowed hosts. Operators see everything; what they write to a resident reaches the resident.
"""

import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.text import clean_text
from hotline.app import create_app
from hotline.config import DEV_MEDIA_KEY, DEV_OPERATOR_TOKEN, DEV_SERVICE_KEY, Settings
from hotline.domain.models import OutboxEvent
from hotline.notifier.event_plan import Event, Notify, plan
from hotline.open311.media import BadGateway, fetch_media, sign
from tests.doubles.http_thread import serving_in_thread
from tests.hotline.helpers import file_request, xml
from tools.ports import free_port

OPERATOR = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {DEV_SERVICE_KEY}"}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
BIG = 10 * 1024 * 1024 + 1

DESCRIPTION = ("我叫王小明，住5号楼2单元301室，楼上漏水一周了，物业李师傅不管。手机１３８ ００１３ ８０００，"
               "身份证110105199001011232，邮箱wxm＠example.com，或打一三八零零一三八零零零")
SECRETS = ("王小明", "301", "１３８", "0013", "110105199001011232", "wxm", "一三八零零", "李师傅")


def new_ticket(client: TestClient, **fields: Any) -> str:
    response = file_request(client, **fields)
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])


def public(client: TestClient, request_id: str, fmt: str = "json") -> dict[str, Any]:
    response = client.get(f"/open311/v2/requests/{request_id}.{fmt}")
    assert response.status_code == 200, response.text
    if fmt == "xml":
        element = xml(response).find("request")
        assert element is not None
        return {child.tag: child.text for child in element}
    return dict(response.json()[0])


def staff_view(client: TestClient, request_id: str) -> dict[str, Any]:
    response = client.get(f"/api/tickets/{request_id}", headers=OPERATOR)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_public_text_loses_every_written_form_of_personal_data(client: TestClient, fmt: str) -> None:
    request_id = new_ticket(client, description=DESCRIPTION, first_name="小明", last_name="王",
                            address_string="北京市朝阳区三里屯街道工体北路8号院5号楼2单元301室")
    for path in (f"/open311/v2/requests.{fmt}", f"/open311/v2/requests/{request_id}.{fmt}"):
        body = client.get(path).text
        for secret in SECRETS:
            assert secret not in body, secret
    view = public(client, request_id, fmt)
    assert view["description"] == ("我叫[name]，住5号楼[room]，楼上漏水一周了，物业[name]师傅不管。手机[phone]，"
                                   "身份证[id]，邮箱[email]，或打[phone]")
    assert view["address"] == "北京市朝阳区三里屯街道工体北路8号院5号楼[room]"  # no finer than the building
    # Operators read what was written (clean_text at intake: １３８ is stored as 138, CJK punctuation stays).
    assert staff_view(client, request_id)["description"] == clean_text(DESCRIPTION, field="d", max_chars=4000)


def test_public_coordinates_are_coarse_and_operators_see_them_exact(client: TestClient) -> None:
    request_id = new_ticket(client, lat="39.936512", long="116.455149")
    listed = client.get("/open311/v2/requests.json").json()[0]
    one, as_xml = public(client, request_id), public(client, request_id, "xml")
    assert (listed["lat"], listed["long"]) == (one["lat"], one["long"]) == (39.937, 116.455)
    assert (as_xml["lat"], as_xml["long"]) == ("39.937", "116.455")
    staff = staff_view(client, request_id)
    assert (staff["lat"], staff["long"]) == (39.936512, 116.455149)


def test_private_categories_are_not_in_the_public_record(client: TestClient) -> None:
    place = new_ticket(client, description="路灯坏了")
    private = {
        code: new_ticket(client, service_code=code, description="请回电", address_string="朝阳区三里屯街道")
        for code in ("gas_leak_smell", "emergency_referred", "public_disturbance", "operator_callback",
                     "child_welfare", "divorce_registration", "neighbour_dispute")
    }
    backend = client.app.state.backend  # type: ignore[attr-defined]
    for request_id in (place, *private.values()):
        backend.lifecycle.update(request_id, status=None, note="已联系", note_language="zh", actor="operator:li")
    listed = client.get("/open311/v2/requests.json").json()
    assert [r["service_request_id"] for r in listed] == [place]
    # Filtered in SQL: the newest tickets are private, and a page of one still holds the public one.
    assert [r["service_request_id"] for r in client.get("/open311/v2/requests.json", params={"limit": 1}).json()] \
        == [place]
    assert len(xml(client.get("/open311/v2/requests.xml")).findall("request")) == 1
    for code, request_id in private.items():
        for fmt in ("json", "xml"):
            assert client.get(f"/open311/v2/requests/{request_id}.{fmt}").status_code == 404, code
        assert client.get("/open311/v2/requests.json", params={"service_request_id": request_id}).json() == []
    updates = client.get("/open311/v2/servicerequestupdates.json").json()
    assert {u["service_request_id"] for u in updates} == {place} and len(updates) == 2
    assert client.get("/api/tickets", headers=OPERATOR).json()["total"] == 1 + len(private)


def test_an_operators_note_reaches_the_resident_as_written_and_the_public_as_redacted(client: TestClient) -> None:
    request_id = new_ticket(client, channel="wechat", channel_user_id="o-resident-1")
    note = "已转区城管执法队，请致电010-6512 3456联系张队长"
    answer = client.post(f"/api/tickets/{request_id}/updates", json={"status": "resolved", "note": note},
                         headers=OPERATOR)
    assert answer.status_code == 200, answer.text
    # Resident paths: the assistant's list of the resident's tickets, and the notifier's event.
    mine = client.get("/api/residents/wechat/o-resident-1/tickets", headers=SERVICE).json()["tickets"]
    assert mine[0]["last_note"] == note
    with client.app.state.backend.db.read() as session:  # type: ignore[attr-defined]
        event = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "ticket.status_changed")).one()
    notify = plan(Event("1-0", event.event_id, event.event_type, event.payload), {})
    assert isinstance(notify, Notify) and notify.entities["note"] == note
    # Public paths: the request's status notes and the update feed.
    assert public(client, request_id)["status_notes"] == "已转区城管执法队，请致电[phone]联系张队长"
    feed = client.get("/open311/v2/servicerequestupdates.json").json()
    assert [u["description"] for u in feed if u["status"] == "FIXED"] == ["已转区城管执法队，请致电[phone]联系张队长"]
    assert "6512" not in client.get("/open311/v2/servicerequestupdates.xml").text


# --- media: signed links, proxied from allowed hosts ---

class MediaHandler(BaseHTTPRequestHandler):
    """A photo host: one PNG, and everything the proxy must refuse."""

    requested: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        MediaHandler.requested.append(self.path)
        if self.path == "/photo.png":
            self._send(200, "image/png", PNG)
        elif self.path == "/page.html":
            self._send(200, "text/html; charset=utf-8", b"<script>alert(1)</script>")
        elif self.path == "/drawing.svg":
            self._send(200, "image/svg+xml", b"<svg onload='alert(1)'/>")
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/photo.png")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/huge.jpg":
            self._send(200, "image/jpeg", b"\xff" * BIG)
        elif self.path == "/huge-unannounced.jpg":  # no Content-Length: the body ends when the connection does
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(BIG // 65536 + 1):
                self.wfile.write(b"\xff" * 65536)
        elif self.path == "/slow.png":
            time.sleep(1.5)
            self._send(200, "image/png", PNG)
        else:
            self._send(404, "text/plain", b"not here")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the proxy stopped reading: that is the point
            pass

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def photo_host() -> Iterator[str]:
    port = free_port()
    with serving_in_thread(port, MediaHandler):
        yield f"http://127.0.0.1:{port}"


def media_of(client: TestClient, request_id: str) -> str:
    link = public(client, request_id)["media_url"]
    assert isinstance(link, str)
    return link


def test_public_views_link_to_signed_expiring_media_that_is_proxied(client: TestClient, photo_host: str) -> None:
    stored = f"{photo_host}/photo.png"
    request_id = new_ticket(client, media_url=stored)
    link = media_of(client, request_id)
    parts = urlsplit(link)
    query = parse_qs(parts.query)
    assert parts.path == f"/open311/v2/media/{request_id}" and stored not in client.get("/open311/v2/requests.xml").text
    expires = int(query["expires"][0])
    assert 3590 <= expires - time.time() <= 3600 and len(query["signature"][0]) == 64
    response = client.get(link)
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["content-type"] == "image/png"
    max_age = int(response.headers["cache-control"].removeprefix("private, max-age="))
    assert 3500 < max_age <= 3600
    assert response.headers["x-content-type-options"] == "nosniff"
    assert staff_view(client, request_id)["media_url"] == stored  # operators get the stored URL


def test_media_links_that_are_forged_expired_or_for_private_tickets_are_refused(
        client: TestClient, photo_host: str) -> None:
    request_id = new_ticket(client, media_url=f"{photo_host}/photo.png")
    link = media_of(client, request_id)
    path, expires = urlsplit(link).path, int(parse_qs(urlsplit(link).query)["expires"][0])
    good = sign(DEV_MEDIA_KEY, request_id, expires)
    refused = [
        {"expires": str(expires), "signature": good[:-1] + ("0" if good[-1] != "0" else "1")},  # tampered
        {"expires": str(expires + 60), "signature": good},  # extended
        {"expires": str(expires)},  # unsigned
        {"expires": "soon", "signature": good},
        {"expires": str(expires), "signature": sign("another-key-entirely", request_id, expires)},
    ]
    for params in refused:
        assert client.get(path, params=params).status_code == 403, params
    past = int(time.time()) - 1
    expired = client.get(path, params={"expires": past, "signature": sign(DEV_MEDIA_KEY, request_id, past)})
    assert expired.status_code == 403 and "expired" in expired.json()[0]["description"]
    other = new_ticket(client, service_code="operator_callback", media_url=f"{photo_host}/photo.png")
    for unknown in (other, "19990101000000"):
        signed = {"expires": expires, "signature": sign(DEV_MEDIA_KEY, unknown, expires)}
        assert client.get(f"/open311/v2/media/{unknown}", params=signed).status_code == 404
    bare = new_ticket(client)
    assert public(client, bare)["media_url"] is None
    signed = {"expires": expires, "signature": sign(DEV_MEDIA_KEY, bare, expires)}
    assert client.get(f"/open311/v2/media/{bare}", params=signed).status_code == 404


@pytest.mark.parametrize("path", ["/page.html", "/drawing.svg", "/moved", "/missing.png", "/huge.jpg",
                                  "/huge-unannounced.jpg"])
def test_the_proxy_passes_on_only_small_media_from_the_stored_url(client: TestClient, photo_host: str,
                                                                  path: str) -> None:
    request_id = new_ticket(client, media_url=f"{photo_host}{path}")
    MediaHandler.requested.clear()
    response = client.get(media_of(client, request_id))
    assert response.status_code == 502, response.text
    assert response.json()[0]["code"] == 502 and response.json()[0]["description"]
    assert MediaHandler.requested == [path]  # a redirect is not followed


def test_the_proxy_fetches_from_allowed_hosts_only(database_url: str, photo_host: str) -> None:
    port = urlsplit(photo_host).port
    for hosts, allowed in ((frozenset({f"127.0.0.1:{port}"}), True), (frozenset({"127.0.0.1:1"}), False),
                           (frozenset({"media.example.org"}), False), (frozenset(), False)):
        settings = replace(Settings(), database_url=database_url, redis_url="redis://127.0.0.1:1/0",
                           media_hosts=hosts, media_key="a-media-key-for-this-test-only")
        with TestClient(create_app(settings, run_relay=False)) as client:
            request_id = new_ticket(client, media_url=f"{photo_host}/photo.png")
            MediaHandler.requested.clear()
            response = client.get(media_of(client, request_id))
            assert response.status_code == (200 if allowed else 502), hosts
            assert MediaHandler.requested == (["/photo.png"] if allowed else []), hosts
            if not allowed:
                assert "host" in response.json()[0]["description"]
    with TestClient(create_app(replace(Settings(), database_url=database_url, redis_url="redis://127.0.0.1:1/0"),
                               run_relay=False)) as client:
        request_id = new_ticket(client, media_url="http://media.example.invalid/photo.png")
        assert client.get(media_of(client, request_id)).status_code == 502  # no DNS lookup, no connection


def test_a_slow_media_host_is_given_up_on() -> None:
    import asyncio

    port = free_port()
    with serving_in_thread(port, MediaHandler):
        started = time.monotonic()
        with pytest.raises(BadGateway):
            asyncio.run(fetch_media(f"http://127.0.0.1:{port}/slow.png", frozenset({"127.0.0.1"}), seconds=0.3))
        assert time.monotonic() - started < 1.2
