"""Conformance of /open311/v2/: every endpoint in JSON and XML, error bodies, filters, privacy."""

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from hotline.config import DEV_API_KEY, DEV_OPERATOR_TOKEN
from hotline.dispatch.workflow import Redispatch
from hotline.domain.models import Status
from hotline.domain.privacy import PRIVATE_SERVICE_CODES
from tests.doubles.samples import required_answers
from tests.hotline.helpers import (
    file_request,
    open311_error,
    plain_leaf,
    taxonomy_of,
    urgent_leaf,
    xml,
)

FORMATS = ["json", "xml"]
OPERATOR = {"Authorization": "Bearer dev-operator-token"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_list(client: TestClient, fmt: str) -> None:
    response = client.get(f"/open311/v2/services.{fmt}")
    assert response.status_code == 200
    taxonomy = taxonomy_of(client)
    if fmt == "json":
        services = response.json()
        first = services[0]
        assert set(first) >= {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        assert first["type"] == "realtime" and isinstance(first["keywords"], list)
        codes = {s["service_code"] for s in services}
    else:
        services = xml(response).findall("service")
        assert services[0].findtext("type") == "realtime"
        assert services[0].findtext("metadata") in ("true", "false")
        codes = {s.findtext("service_code") for s in services}
    assert codes == {c.code for c in taxonomy.leaves}


@pytest.mark.parametrize("locale, field", [("en", "en"), ("ja", "ja"), (None, "zh")])
def test_services_in_each_language(client: TestClient, locale: str | None, field: str) -> None:
    params = {"locale": locale} if locale else {}
    first = client.get("/open311/v2/services.json", params=params).json()[0]
    leaf = taxonomy_of(client).leaf(first["service_code"])
    assert leaf is not None and first["service_name"] == leaf.name[field]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_with_attributes(client: TestClient, fmt: str) -> None:
    leaf = next(c for c in taxonomy_of(client).leaves if any(a.values for a in c.attributes))
    response = client.get(f"/open311/v2/services/{leaf.code}.{fmt}", params={"locale": "en"})
    assert response.status_code == 200
    if fmt == "json":
        body = response.json()
        assert body["service_code"] == leaf.code
        attrs = body["attributes"]
        assert [a["order"] for a in attrs] == sorted(a["order"] for a in attrs)
        listed = next(a for a in attrs if a["datatype"].endswith("valuelist"))
        assert set(listed) >= {"variable", "code", "datatype", "required", "description", "order", "values"}
        assert {v["key"] for v in listed["values"]}
    else:
        root = xml(response)
        assert root.tag == "service_definition" and root.findtext("service_code") == leaf.code
        attribute = next(a for a in root.iter("attribute") if a.find("values") is not None)
        assert attribute.findtext("variable") == "true"
        assert attribute.find("values/value/key") is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_definition_is_404_with_error_body(client: TestClient, fmt: str) -> None:
    response = client.get(f"/open311/v2/services/no_such_service.{fmt}")
    assert response.status_code == 404
    assert open311_error(response, fmt)[0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_request_routes_and_answers(client: TestClient, fmt: str) -> None:
    response = file_request(client, fmt, lat="39.9365", long="116.4551")
    assert response.status_code == 201, response.text
    if fmt == "json":
        answer = response.json()[0]
    else:
        element = xml(response).find("request")
        assert element is not None
        answer = {child.tag: child.text for child in element}
    assert answer["service_request_id"] and answer["token"] and answer["service_notice"]
    assert datetime.fromisoformat(answer["expected_datetime"]) > datetime.now(timezone.utc)
    detail = client.get(f"/open311/v2/requests/{answer['service_request_id']}.json").json()[0]
    assert detail["status"] == "open" and detail["detailed_status"] == "open"
    assert detail["subdistrict"] == "三里屯街道" and detail["district"] == "朝阳区"
    assert detail["agency_responsible"]


def test_urgent_category_gets_urgent_priority_and_short_deadline(client: TestClient) -> None:
    leaf = urgent_leaf(taxonomy_of(client))
    answer = file_request(client, service_code=leaf.code, description="楼道里有很浓的煤气味").json()[0]
    # Emergencies are not in the public record (test_public_record.py); staff see them.
    assert client.get(f"/open311/v2/requests/{answer['service_request_id']}.json").status_code == 404
    detail = client.get(f"/api/tickets/{answer['service_request_id']}", headers=OPERATOR).json()
    assert detail["priority"] == "urgent"
    requested = datetime.fromisoformat(detail["requested_datetime"])
    assert datetime.fromisoformat(detail["expected_datetime"]) - requested <= timedelta(hours=24)


def test_coordinates_alone_route_to_the_nearest_subdistrict(client: TestClient) -> None:
    answer = file_request(client, address_string="", lat="39.9163", long="116.3972").json()[0]
    detail = client.get(f"/open311/v2/requests/{answer['service_request_id']}.json").json()[0]
    assert detail["district"] in ("东城区", "西城区") and detail["subdistrict"]


def test_an_operator_call_back_needs_no_location_but_a_place_problem_does(client: TestClient) -> None:
    answer = file_request(client, service_code="operator_callback", address_string="", phone="13812345678")
    assert answer.status_code == 201, answer.text
    detail = client.get(f"/api/tickets/{answer.json()[0]['service_request_id']}", headers=OPERATOR).json()
    assert detail["service_code"] == "operator_callback" and detail["subdistrict"] in (None, "")
    assert file_request(client, address_string="").status_code == 400


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_needs_a_valid_api_key(client: TestClient, fmt: str) -> None:
    response = file_request(client, fmt, api_key="wrong")
    assert response.status_code == 403
    assert open311_error(response, fmt)[0] == 403
    missing = client.post(f"/open311/v2/requests.{fmt}", data={"service_code": "x"})
    assert missing.status_code == 403


def test_post_accepts_json_and_xml_bodies(client: TestClient) -> None:
    leaf = plain_leaf(taxonomy_of(client))
    as_json = client.post("/open311/v2/requests.json", json={
        "api_key": DEV_API_KEY, "service_code": leaf.code, "description": "Street light broken",
        "address_string": "Sanlitun, Chaoyang District", "language": "en",
    })
    assert as_json.status_code == 201, as_json.text
    body = (f"<service_request><api_key>{DEV_API_KEY}</api_key><service_code>{leaf.code}</service_code>"
            "<description>街灯が壊れています</description><address_string>朝阳区三里屯</address_string>"
            "<language>ja</language></service_request>")
    as_xml = client.post("/open311/v2/requests.xml", content=body.encode(), headers={"content-type": "application/xml"})
    assert as_xml.status_code == 201, as_xml.text


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_filters(client: TestClient, fmt: str) -> None:
    taxonomy = taxonomy_of(client)
    first = plain_leaf(taxonomy)
    second = next(c for c in taxonomy.leaves if c.code not in (first.code, *PRIVATE_SERVICE_CODES) and not c.urgent)
    id_a = file_request(client, service_code=first.code).json()[0]["service_request_id"]
    id_b = file_request(client, service_code=second.code, description="井盖丢了").json()[0]["service_request_id"]
    client.app.state.backend.lifecycle.update(id_b, status=Status.RESOLVED,
                                              note="已修复", note_language="zh", actor="operator:test")

    def ids(**params: str) -> set[str]:
        response = client.get(f"/open311/v2/requests.{fmt}", params=params)
        assert response.status_code == 200, response.text
        if fmt == "json":
            return {r["service_request_id"] for r in response.json()}
        return {r.findtext("service_request_id") or "" for r in xml(response).findall("request")}

    assert ids() == {id_a, id_b}
    assert ids(service_request_id=f"{id_a},{id_b}") == {id_a, id_b}
    assert ids(service_request_id=id_a) == {id_a}
    assert ids(service_code=second.code) == {id_b}
    assert ids(status="closed") == {id_b}
    assert ids(status="open") == {id_a}
    assert ids(status="open,closed") == {id_a, id_b}
    now = datetime.now(timezone.utc)
    assert ids(start_date=(now - timedelta(hours=1)).isoformat(),
               end_date=(now + timedelta(hours=1)).isoformat()) == {id_a, id_b}
    assert ids(start_date=(now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")) == set()


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_one_request_and_token(client: TestClient, fmt: str) -> None:
    answer = file_request(client).json()[0]
    one = client.get(f"/open311/v2/requests/{answer['service_request_id']}.{fmt}")
    token = client.get(f"/open311/v2/tokens/{answer['token']}.{fmt}")
    assert one.status_code == token.status_code == 200
    if fmt == "json":
        assert one.json()[0]["service_request_id"] == answer["service_request_id"]
        assert token.json() == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]
    else:
        assert xml(one).findtext("request/service_request_id") == answer["service_request_id"]
        assert xml(token).findtext("request/service_request_id") == answer["service_request_id"]
    assert client.get(f"/open311/v2/requests/19990101000000.{fmt}").status_code == 404
    assert open311_error(client.get(f"/open311/v2/tokens/nope.{fmt}"), fmt)[0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_updates(client: TestClient, fmt: str) -> None:
    request_id = file_request(client).json()[0]["service_request_id"]
    lifecycle = client.app.state.backend.lifecycle
    lifecycle.update(request_id, status=Status.IN_PROGRESS, note="已派单，联系13812345678",
                     note_language="zh", actor="operator:wang")
    lifecycle.update(request_id, status=Status.RESOLVED, note="路灯已修好", note_language="zh", actor="operator:wang")
    now = datetime.now(timezone.utc)
    response = client.get(f"/open311/v2/servicerequestupdates.{fmt}",
                          params={"start_date": (now - timedelta(minutes=5)).isoformat(),
                                  "end_date": (now + timedelta(minutes=5)).isoformat()})
    assert response.status_code == 200
    if fmt == "json":
        updates = response.json()
        statuses = [u["status"] for u in updates]
        notes = [u["description"] for u in updates]
        assert set(updates[0]) >= {"update_id", "service_request_id", "status", "updated_datetime", "description"}
    else:
        elements = xml(response).findall("request_update")
        statuses = [u.findtext("status") for u in elements]
        notes = [u.findtext("description") or "" for u in elements]
    assert statuses == ["OPEN", "IN_PROGRESS", "FIXED"]
    assert "13812345678" not in "".join(notes) and "[phone]" in notes[1]
    later = client.get("/open311/v2/servicerequestupdates.json",
                       params={"start_date": (now + timedelta(minutes=5)).isoformat()})
    assert later.json() == []


def test_public_answers_reveal_no_personal_data(client: TestClient) -> None:
    answer = file_request(
        client, description="我是张三，电话13912345678，身份证110105199001011234，邮箱zs@example.com",
        email="zs@example.com", phone="13912345678", first_name="三", last_name="张",
        channel="wechat", channel_user_id="oWECHAT-openid-123",
    ).json()[0]
    for path in (f"/open311/v2/requests/{answer['service_request_id']}.json", "/open311/v2/requests.json",
                 f"/open311/v2/requests/{answer['service_request_id']}.xml", "/open311/v2/requests.xml"):
        text = client.get(path).text
        for secret in ("13912345678", "110105199001011234", "zs@example.com", "oWECHAT-openid-123", "wechat", "张三"):
            assert secret not in text, (path, secret)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "fields, fragment",
    [
        ({"service_code": "no_such_service"}, "service_code"),
        ({"lat": "91", "long": "116.4"}, "lat"),
        ({"lat": "39.9", "long": "-181"}, "long"),
        ({"lat": "north", "long": "116.4"}, "lat"),
        ({"lat": "39.9"}, "lat and long"),
        ({"address_string": "", "lat": "", "long": ""}, "location"),
        ({"description": ""}, "description"),
        ({"description": "长" * 4001}, "description"),
        ({"language": "français"}, "language"),  # a language we do not serve (fr, ko) is accepted
        ({"email": "not-an-email"}, "email"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"channel": "wechat"}, "channel"),
        ({"attribute[no_such]": "x"}, "attribute"),
    ],
)
def test_bad_fields_get_400_with_error_body(client: TestClient, fmt: str, fields: dict[str, str],
                                            fragment: str) -> None:
    response = file_request(client, fmt, **fields)
    assert response.status_code == 400, response.text
    code, description = open311_error(response, fmt)
    assert code == 400 and fragment in description


def test_required_attribute_and_list_values_are_checked(client: TestClient) -> None:
    leaf = next(c for c in taxonomy_of(client).leaves if any(a.required and a.values for a in c.attributes))
    attribute = next(a for a in leaf.attributes if a.required and a.values)
    answers = required_answers(leaf)
    base = {"api_key": DEV_API_KEY, "service_code": leaf.code, "description": "问题描述", "address_string": "朝阳区"}
    missing = {k: v for k, v in answers.items() if k != f"attribute[{attribute.code}]"}
    response = client.post("/open311/v2/requests.json", data={**base, **missing})
    assert response.status_code == 400 and attribute.code in response.text
    wrong = client.post("/open311/v2/requests.json", data={**base, **answers, f"attribute[{attribute.code}]": "nope"})
    assert wrong.status_code == 400
    ok = client.post("/open311/v2/requests.json", data={**base, **answers})
    assert ok.status_code == 201, ok.text
    request_id = ok.json()[0]["service_request_id"]
    detail = client.get(f"/api/tickets/{request_id}", headers={"Authorization": "Bearer dev-operator-token"}).json()
    assert detail["attributes"][attribute.code] == attribute.values[0].key


@pytest.mark.parametrize("fmt", FORMATS)
def test_malformed_bodies(client: TestClient, fmt: str) -> None:
    url = f"/open311/v2/requests.{fmt}"
    cases = [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"<service_request><api_key>", "application/xml", 400),
        (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "boom">]>'
         b'<r><api_key>&x;</api_key></r>', "application/xml", 400),
        (b"api_key=\xff\xfe", "application/x-www-form-urlencoded", 400),
        (b"hello", "application/pdf", 415),
    ]
    for body, content_type, status in cases:
        response = client.post(url, content=body, headers={"content-type": content_type})
        assert response.status_code == status, (body, response.text)
        assert open311_error(response, fmt)[0] == status


@pytest.mark.parametrize("fmt", FORMATS)
def test_bodies_over_64_kib_are_refused(client: TestClient, fmt: str) -> None:
    response = client.post(f"/open311/v2/requests.{fmt}", content=b"a=" + b"x" * (64 * 1024),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert open311_error(response, fmt)[0] == 413


def test_bad_dates_and_status_filters(client: TestClient) -> None:
    for params in ({"start_date": "yesterday"}, {"end_date": "2026-13-01T00:00:00Z"},
                   {"start_date": "2026-11-20T00:00:00"}, {"status": "pending"},
                   {"start_date": "2026-11-22T00:00:00Z", "end_date": "2026-11-21T00:00:00Z"}):
        response = client.get("/open311/v2/requests.json", params=params)
        assert response.status_code == 400, params
        assert open311_error(response)[0] == 400
    assert client.get("/open311/v2/servicerequestupdates.xml", params={"start_date": "x"}).status_code == 400


def test_unknown_format_suffix_and_unknown_paths(client: TestClient) -> None:
    for path in ("/open311/v2/services.yaml", "/open311/v2/requests.csv", "/open311/v2/nothing.json"):
        response = client.get(path)
        assert response.status_code == 404
        assert open311_error(response)[0] == 404


def test_an_api_key_in_the_url_is_refused_even_when_valid(client: TestClient) -> None:
    """Issue 13: keys never travel in URLs (they land in access logs); Open311 takes it in the body."""
    answer = client.post(f"/open311/v2/requests.json?api_key={DEV_API_KEY}", data={"service_code": "x"})
    assert answer.status_code == 400 and "never in the URL" in answer.text


def test_dispatch_steps_appear_as_fixmystreet_states_and_the_request_stays_open_or_closed(client: TestClient) -> None:
    """Re-dispatch is INTERNAL_REFERRAL (without the internal reason); staff can say ACTION_SCHEDULED, DUPLICATE or
    NOT_RESPONSIBLE on an update; GeoReport v2's own status stays open/closed."""
    backend = client.app.state.backend  # type: ignore[attr-defined]
    light = file_request(client, service_code="street_light_out").json()[0]["service_request_id"]
    started = datetime.now(timezone.utc) - timedelta(minutes=1)
    backend.dispatcher.redispatch(light, Redispatch(service_code="poor_property_service"), actor="operator:wang",
                                  reason="小区内部路灯，物业的事，联系王经理13812345678")
    backend.lifecycle.update(light, status=Status.ACCEPTED, note="", note_language="zh", actor="handler:chen")
    backend.lifecycle.update(light, status=None, note="已约维修周二上门", note_language="zh", actor="handler:chen",
                             public_state="ACTION_SCHEDULED")
    backend.lifecycle.update(light, status=Status.CLOSED, note="不属于政府管理范围", note_language="zh",
                             actor="operator:wang", public_state="NOT_RESPONSIBLE")
    updates = client.get("/open311/v2/servicerequestupdates.json", params={"start_date": started.isoformat()}).json()
    mine = [(u["status"], u["external_status_code"]) for u in updates if u["service_request_id"] == light]
    assert mine == [("OPEN", "open"), ("INTERNAL_REFERRAL", "open"), ("INVESTIGATING", "accepted"),
                    ("ACTION_SCHEDULED", "accepted"), ("NOT_RESPONSIBLE", "closed")]
    assert all("13812345678" not in (u["description"] or "") and "王经理" not in (u["description"] or "")
               for u in updates)
    assert client.get(f"/open311/v2/requests/{light}.json").json()[0]["status"] == "closed"

    headers = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}
    other = file_request(client, service_code="street_light_out").json()[0]["service_request_id"]
    bad = client.post(f"/api/tickets/{other}/updates", json={"note": "x", "public_state": "FIXED"}, headers=headers)
    assert bad.status_code == 422
    good = client.post(f"/api/tickets/{other}/updates", json={"status": "closed", "note": "与202612060000001重复",
                                                               "public_state": "DUPLICATE"}, headers=headers)
    assert good.status_code == 200, good.text
