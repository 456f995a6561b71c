"""A platform or client retry never doubles a ticket, also under concurrent retries."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hotline.config import DEV_API_KEY
from hotline.domain.models import Ticket
from tests.hotline.helpers import file_request, plain_leaf
from tests.live import live_server


def ticket_count(app: FastAPI) -> int:
    with app.state.backend.db.read() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


@pytest.mark.integration
def test_five_concurrent_posts_with_one_key_make_one_ticket(database_url: str, app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(database_url)
    leaf = plain_leaf(app.state.backend.taxonomy)
    body = {"api_key": DEV_API_KEY, "service_code": leaf.code, "description": "电梯坏了三天，老人上不了楼",
            "address_string": "海淀区中关村街道", "channel": "wechat", "channel_user_id": "o-resident-1"}
    with live_server(app) as base_url:
        def post(_: int) -> httpx.Response:
            return httpx.post(f"{base_url}/open311/v2/requests.json", data=body,
                              headers={"Idempotency-Key": "wechat-msg-7f3a9c"}, timeout=30)

        with ThreadPoolExecutor(max_workers=5) as pool:
            responses = list(pool.map(post, range(5)))
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    ids = {r.json()[0]["service_request_id"] for r in responses}
    assert len(ids) == 1
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert ticket_count(app) == 1


def test_sequential_retry_replays_and_new_key_files_again(client: TestClient) -> None:
    first = file_request(client, headers={"Idempotency-Key": "k-1"})
    again = file_request(client, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    other = file_request(client, headers={"Idempotency-Key": "k-2"})
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert ticket_count(client.app) == 2  # type: ignore[arg-type]


def test_same_key_with_a_different_request_is_a_conflict(client: TestClient) -> None:
    file_request(client, headers={"Idempotency-Key": "k-1"})
    response = file_request(client, headers={"Idempotency-Key": "k-1"}, description="完全不同的诉求内容")
    assert response.status_code == 409
    assert response.json()[0]["code"] == 409


def test_malformed_idempotency_key_is_refused(client: TestClient) -> None:
    response = file_request(client, headers={"Idempotency-Key": "x" * 256})
    assert response.status_code == 400
