"""Small helpers for API tests: pick real categories, file requests, parse XML answers."""

from typing import Any
from xml.etree.ElementTree import Element, fromstring

from fastapi.testclient import TestClient
from httpx import Response

from bot.taxonomy import Category, Taxonomy
from hotline.config import DEV_API_KEY
from tests.doubles.samples import required_answers


def taxonomy_of(client: TestClient) -> Taxonomy:
    taxonomy: Taxonomy = client.app.state.backend.taxonomy  # type: ignore[attr-defined]
    return taxonomy


def plain_leaf(taxonomy: Taxonomy) -> Category:
    """A non-urgent leaf, preferably one without required attributes."""
    normal = [c for c in taxonomy.leaves if not c.urgent]
    return next((c for c in normal if not any(a.required for a in c.attributes)), normal[0])


def urgent_leaf(taxonomy: Taxonomy) -> Category:
    return next(c for c in taxonomy.leaves if c.urgent)


def file_request(client: TestClient, fmt: str = "json", headers: dict[str, str] | None = None,
                 **fields: Any) -> Response:
    body = {"api_key": DEV_API_KEY, "description": "小区门口路灯坏了一个星期，晚上很黑",
            "address_string": "北京市朝阳区三里屯街道工体北路8号", **fields}
    if "service_code" not in body:
        body["service_code"] = plain_leaf(taxonomy_of(client)).code
    category = taxonomy_of(client).leaf(str(body["service_code"]))
    if category is not None:
        body = {**required_answers(category), **body}
    return client.post(f"/open311/v2/requests.{fmt}", data=body, headers=headers or {})


def xml(response: Response) -> Element:
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return fromstring(response.content)


def open311_error(response: Response, fmt: str = "json") -> tuple[int, str]:
    if fmt == "xml":
        error = xml(response).find("error")
        assert error is not None
        return int(error.findtext("code") or 0), error.findtext("description") or ""
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    return body[0]["code"], body[0]["description"]
