"""Garbage in gets a 4xx with an error body, never a 500 (seeded random inputs, repeatable)."""

import random
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import DEV_API_KEY, DEV_OPERATOR_TOKEN, Settings

PIECES = ["", "0", "-1", "1e309", "NaN", "9" * 40, "'; DROP TABLE tickets; --", "<x>", "&amp;", "%00", "\x00",
          "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "長" * 300, "🙂", "null", "[]", "{}",
          "2026-02-30T00:00:00Z", "open", "closed", "street_light_out", "attribute[recurring]", " "]
FIELDS = ["api_key", "service_code", "lat", "long", "address_string", "description", "language", "email", "phone",
          "media_url", "channel", "channel_user_id", "attribute[recurring]", "attribute[]", "first_name", "x[]"]
PATHS = ["/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/services.json",
         "/open311/v2/servicerequestupdates.xml", "/api/tickets", "/open311/v2/requests/1.json"]


@pytest.fixture
def any_client(settings: Settings) -> Iterator[TestClient]:
    """A client that reports server errors as 500s instead of raising; on SQLite and PostgreSQL."""
    with TestClient(create_app(settings, run_relay=False), raise_server_exceptions=False) as client:
        yield client


def test_random_form_posts(any_client: TestClient) -> None:
    rng = random.Random(12345)
    for _ in range(300):
        body = {rng.choice(FIELDS): rng.choice(PIECES) for _ in range(rng.randint(0, 8))}
        if rng.random() < 0.7:
            body["api_key"] = DEV_API_KEY
        response = any_client.post(rng.choice(PATHS[:2]), data=body)
        assert response.status_code < 500, (body, response.text)
        assert response.status_code in (200, 201) or response.content  # an error body, not silence


def test_random_raw_bodies_and_content_types(any_client: TestClient) -> None:
    rng = random.Random(311)
    types = ["application/json", "application/xml", "text/xml", "application/x-www-form-urlencoded", "", "text/plain"]
    for _ in range(300):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
        if rng.random() < 0.3:
            raw = rng.choice([b'{"api_key": ', b"<a><b>", b"a=1&&&=", b'{"attribute": {"x": [1, {"y": 2}]}}']) + raw
        response = any_client.post(rng.choice(PATHS[:2]), content=raw, headers={"content-type": rng.choice(types)})
        assert response.status_code < 500, (raw, response.text)


def test_random_query_strings(any_client: TestClient) -> None:
    rng = random.Random(65000)
    keys = ["status", "start_date", "end_date", "service_request_id", "service_code", "limit", "offset", "q",
            "locale", "lang", "district_code"]
    for _ in range(300):
        params = {rng.choice(keys): rng.choice(PIECES) for _ in range(rng.randint(1, 4))}
        response = any_client.get(rng.choice(PATHS), params=params,
                                     headers={"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"})
        assert response.status_code < 500, (params, response.text)
