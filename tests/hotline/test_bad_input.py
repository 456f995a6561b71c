"""Every nasty input an unauthenticated caller can send gets a 4xx with a readable error body, never a 5xx.

One table, run on SQLite and on PostgreSQL. Rate limits are set out of the way here (tested in
tests/hotline/open311/test_rate_limits.py).
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import fromstring

import pytest
from fastapi.testclient import TestClient

from bot.taxonomy import load_taxonomy
from hotline.app import create_app
from hotline.config import DEV_API_KEY, DEV_OPERATOR_TOKEN, Settings
from tests.doubles.samples import required_answers
from tests.hotline.conftest import fresh_postgres_database

JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
XML = {"content-type": "text/xml"}
LEAF = "street_light_out"  # a real, non-urgent leaf with a datetime attribute, occurred_at
VALID = {"api_key": DEV_API_KEY, "service_code": LEAF, "description": "路灯坏了一个星期，晚上很黑",
         "address_string": "北京市朝阳区三里屯街道工体北路8号",
         **required_answers(load_taxonomy(Settings().data_dir / "taxonomy.json").categories[LEAF])}


@dataclass(frozen=True)
class Case:
    method: str
    url: str
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None  # the exact 4xx when it matters; else any 4xx


def post_json(raw: str | bytes, path: str = "/open311/v2/requests.json") -> Case:
    return Case("POST", path, raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw, JSON)


def valid_with(**changes: Any) -> Case:
    return post_json(json.dumps({**VALID, **changes}))


DATES = [
    "9999-12-31T23:59:59-23:59",  # after datetime.max in UTC
    "0001-01-01T00:00:00+23:59",  # before datetime.min in UTC
    "0001-01-01T00:00:00+00:01",
    "0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
    "2026-01-32T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T25:00:00Z", "2026-01-01T00:00:00+24:00",
    "2026-01-01T00:00:00", "9" * 400, "-1", "２０２６-01-01T00:00:00Z", "٢٠٢٦-٠١-٠١T00:00:00Z", "2026-01-01T00:00:00ZZ",
]
DATE_PATHS = ["/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/servicerequestupdates.json",
              "/open311/v2/servicerequestupdates.xml"]

CASES: dict[str, Case] = {
    # JSON nested 30,000 levels (fits in the 64 KB body limit), and deep inside a field
    "deep JSON list": post_json("[" * 30000 + "]" * 30000),
    "deep JSON list to xml": post_json("[" * 30000 + "]" * 30000, "/open311/v2/requests.xml"),
    "deep JSON object": post_json('{"a":' * 10000 + "1" + "}" * 10000),
    "deep JSON in attribute": post_json('{"attribute":{"x":' + "[" * 20000 + "]" * 20000 + "}}"),
    "deep JSON to suggest": post_json("[" * 30000 + "]" * 30000, "/api/categories/suggest"),
    "deep XML": Case("POST", "/open311/v2/requests.xml", b"<a>" * 9000 + b"</a>" * 9000, XML),
    # wrong JSON types
    "JSON list body": post_json(json.dumps([VALID])),
    "JSON string body": post_json('"api_key"'),
    "JSON number body": post_json("12345"),
    "JSON true body": post_json("true"),
    "JSON null body": post_json("null"),
    "description null": valid_with(description=None),
    "description true": valid_with(description=True),
    "description object": valid_with(description={"text": "x"}),
    "description nested list": valid_with(description=[["x"]]),
    "service_code number": valid_with(service_code=12345),
    "service_code list": valid_with(service_code=[LEAF, LEAF]),
    "lat boolean": valid_with(lat=True, long=116.4),
    "lat huge": valid_with(lat=1e308, long=116.4),
    "lat 1e400": post_json(json.dumps(VALID)[:-1] + ', "lat": 1e400, "long": 1}'),
    "lat NaN": post_json(json.dumps(VALID)[:-1] + ', "lat": NaN, "long": Infinity}'),
    "integer of 5000 digits": post_json(json.dumps(VALID)[:-1] + ', "lat": ' + "9" * 5000 + "}"),
    "api_key list": valid_with(api_key=[DEV_API_KEY]),
    "api_key number": valid_with(api_key=12345),
    "api_key lone surrogate": post_json('{"api_key": "\\ud800"}'),
    "attribute not an object": valid_with(attribute=[1, 2]),
    "control character in a JSON key, answered in XML": post_json('{"\\u0001\\ud800": {"a": 1}}',
                                                                  "/open311/v2/requests.xml"),
    "attribute value object": valid_with(attribute={"x": {"y": 1}}),
    "suggest list body": post_json("[1]", "/api/categories/suggest"),
    "suggest text number": post_json('{"text": 5}', "/api/categories/suggest"),
    "suggest limit huge": post_json('{"text": "路灯", "limit": ' + "9" * 5000 + "}", "/api/categories/suggest"),
    # invalid UTF-8 in bodies, query strings and paths
    "body not UTF-8 (json)": post_json(b'{"api_key": "\xff\xfe"}'),
    "body not UTF-8 (form)": Case("POST", "/open311/v2/requests.json", b"api_key=\xff\xfe", FORM),
    "body not UTF-8 (xml)": Case("POST", "/open311/v2/requests.xml", b"<r><api_key>\xff</api_key></r>", XML),
    "body not UTF-8 (suggest)": post_json(b'{"text": "\xff\xfe"}', "/api/categories/suggest"),
    "form percent-escape not UTF-8": Case("POST", "/open311/v2/requests.json",
                                          f"api_key={DEV_API_KEY}&service_code=%ff%fe&description=x".encode(), FORM),
    "query not UTF-8": Case("GET", "/open311/v2/requests.json?service_code=%ff%fe", status=400),
    "query not UTF-8 (xml)": Case("GET", "/open311/v2/requests.xml?status=%c3", status=400),
    "query surrogate": Case("GET", "/open311/v2/services.json?locale=%ed%a0%80", status=400),
    "query not UTF-8 on health": Case("GET", "/health?x=%ff", status=400),
    "path not UTF-8": Case("GET", "/open311/v2/requests/%ff%fe.json", status=400),
    "path not UTF-8 (service)": Case("GET", "/open311/v2/services/%c3.xml", status=400),
    "path surrogate (token)": Case("GET", "/open311/v2/tokens/%ed%a0%80.json", status=400),
    # huge integers and repeated parameters
    "limit of 5000 digits": Case("GET", "/open311/v2/requests.json?limit=" + "9" * 5000),
    "limit 10**30": Case("GET", "/open311/v2/servicerequestupdates.xml?limit=" + "1" + "0" * 30),
    "limit negative": Case("GET", "/open311/v2/requests.json?limit=-1"),
    "limit float": Case("GET", "/open311/v2/requests.json?limit=1.5"),
    "limit repeated": Case("GET", "/open311/v2/requests.json?limit=1&limit=2", status=400),
    "start_date repeated": Case("GET", "/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z"
                                       "&start_date=2026-02-01T00:00:00Z", status=400),
    "locale repeated": Case("GET", "/open311/v2/services.xml?locale=en&locale=ja", status=400),
    "form field repeated": Case("POST", "/open311/v2/requests.json",
                                f"api_key={DEV_API_KEY}&service_code={LEAF}&service_code={LEAF}".encode(), FORM),
    "api_key repeated in query": Case("POST", "/open311/v2/requests.json?api_key=a&api_key=b", b"", FORM),
    # the console's sign-in, unauthenticated
    "sign-in body not UTF-8": Case("POST", "/console/login", b"token=\xff\xfe", FORM),
    "sign-in JSON body": Case("POST", "/console/login", b'{"token": 1}', JSON),
    "sign-in multipart without boundary": Case("POST", "/console/login", b"--x\r\n",
                                               {"content-type": "multipart/form-data"}),
    "sign-in query not UTF-8": Case("GET", "/console/login?lang=%ff", status=400),
}
for index, date in enumerate(DATES):
    for name in ("start_date", "end_date"):
        CASES[f"{name} {date[:28]} #{index}"] = Case("GET", f"{DATE_PATHS[index % 4]}?{name}={date}", status=400)
    CASES[f"attribute[occurred_at] {date[:28]} #{index}"] = valid_with(**{"attribute[occurred_at]": date})


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def anonymous(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app per database for the whole table; no rate limit gets in the way."""
    if request.param == "sqlite":
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('bad-input')) / 'hotline.db'}"
    else:
        url = fresh_postgres_database(request.getfixturevalue("postgres_url"))
    settings = replace(Settings(), database_url=url, redis_url="redis://127.0.0.1:1/0",
                       address_rate_per_minute=1_000_000)
    with TestClient(create_app(settings, run_relay=False), raise_server_exceptions=False) as client:
        yield client


def readable_error(response: Any) -> str:
    """The error's description from an Open311 JSON or XML error body, or the console's HTML page."""
    media_type = response.headers.get("content-type", "")
    if media_type.startswith("text/html"):
        assert "<html" in response.text
        return "console page"
    if media_type.startswith("text/xml"):
        error = fromstring(response.content).find("error")
        assert error is not None and error.findtext("code") == str(response.status_code)
        return error.findtext("description") or ""
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == response.status_code, body
    return str(body[0]["description"])


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_gets_a_readable_4xx(anonymous: TestClient, case: Case) -> None:
    response = anonymous.request(case.method, case.url, content=case.content, headers=case.headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if case.status is not None:
        assert response.status_code == case.status, response.text[:300]
    assert readable_error(response).strip()


@pytest.mark.parametrize("path", ["/api/tickets", "/api/audit"])
def test_staff_reads_with_an_offset_past_any_integer_column_get_a_400(anonymous: TestClient, path: str) -> None:
    """Found by tests/hotline/test_schema_fuzz.py: SQLite and PostgreSQL refuse integers past 2**63."""
    response = anonymous.get(f"{path}?offset={2**64}", headers={"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"})
    assert response.status_code == 400 and "out of range" in readable_error(response)


def test_a_valid_request_still_files(anonymous: TestClient) -> None:
    response = anonymous.post("/open311/v2/requests.json", json=VALID)
    assert response.status_code == 201, response.text
