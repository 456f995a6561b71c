"""Console members for the dispatch-loop tests: staff of each role signed in through the form, one client each."""

import re
import threading
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from hotline.config import DEV_OPERATOR_TOKEN
from hotline.deps import Backend
from hotline.domain.models import Role
from hotline.domain.staff import add_staff
from tests.hotline.helpers import file_request

SANLITUN = "110105004"
SANLITUN_OFFICE = f"subdistrict:{SANLITUN}"
CITY_MANAGEMENT = "dept:city_management_commission"
HOUSING = "dept:housing_commission"
PHONE = "13812345678"


def backend_of(client: TestClient) -> Backend:
    backend: Backend = client.app.state.backend  # type: ignore[attr-defined]
    return backend


@dataclass
class Member:
    """A signed-in console member: their own client (own cookies) and where the sign-in sent them."""

    client: TestClient
    home: str

    def get(self, path: str, **params: str) -> httpx.Response:
        response: httpx.Response = self.client.get(path, params=params or None, follow_redirects=False)
        return response

    def csrf(self, path: str = "") -> str:
        html = self.client.get(path or self.home).text
        match = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
        assert match, "the page has no CSRF field"
        return match.group(1)

    def post(self, path: str, **fields: str) -> httpx.Response:
        """A form post with this member's CSRF token (a ``csrf`` field given here replaces it)."""
        return self.post_raw(path, {"csrf": self.csrf(), **fields})

    def post_raw(self, path: str, data: dict[str, str]) -> httpx.Response:
        response: httpx.Response = self.client.post(path, data=data, follow_redirects=False)
        return response


def sign_in(client: TestClient, token: str, *, raise_server_exceptions: bool = True) -> Member:
    own = TestClient(client.app, raise_server_exceptions=raise_server_exceptions)
    response = own.post("/console/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return Member(own, response.headers["location"])


def member(client: TestClient, name: str, role: Role, unit: str | None = None, **options: bool) -> Member:
    """A new staff member of ``role`` (and ``unit``), signed in; ``name="admin"`` is the settings' admin."""
    token = DEV_OPERATOR_TOKEN if name == "admin" else add_staff(backend_of(client).db, name=name, role=role,
                                                                 unit=unit)
    return sign_in(client, token, **options)


def filed(client: TestClient, **fields: Any) -> str:
    response = file_request(client, **fields)
    assert response.status_code == 201, response.text
    service_request_id: str = response.json()[0]["service_request_id"]
    return service_request_id


def at_once(members: list[Member], service_request_id: str, step: str,
            fields: list[dict[str, str]]) -> list[httpx.Response]:
    """Each member posts the ticket's ``step`` form with their fields at the same moment, from their own thread;
    the answers."""
    tokens = [who.csrf(f"/console/tickets/{service_request_id}") for who in members]
    barrier, answers = threading.Barrier(len(members)), []

    def post(who: Member, csrf: str, data: dict[str, str]) -> None:
        barrier.wait()
        answers.append(who.client.post(f"/console/tickets/{service_request_id}/{step}", data={"csrf": csrf, **data},
                                       follow_redirects=False))

    threads = [threading.Thread(target=post, args=triple) for triple in zip(members, tokens, fields, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
