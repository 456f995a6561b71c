"""An emergency reported again and again by one source is one urgent ticket, with every report on it."""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bot.taxonomy import Category
from hotline.app import create_app
from hotline.config import DEV_API_KEY, Settings
from hotline.domain.models import Status, Ticket
from hotline.domain.tickets import MERGED_REPORT, load_ticket
from tests.doubles.samples import required_answers
from tests.hotline.helpers import file_request, plain_leaf, urgent_leaf
from tests.live import live_server

FIRE = "着火了，楼道里有人被困，快来人！"
RESIDENT = {"channel": "wechat", "channel_user_id": "o-fire-1"}


def make_app(database_url: str, **overrides: object) -> FastAPI:
    settings = replace(Settings(), database_url=database_url, redis_url="redis://127.0.0.1:1/0", **overrides)
    return create_app(settings, run_relay=False)


@pytest.fixture
def app(database_url: str) -> FastAPI:
    return make_app(database_url)


def urgent(app: FastAPI) -> Category:
    return urgent_leaf(app.state.backend.taxonomy)


def tickets(app: FastAPI) -> list[Ticket]:
    with app.state.backend.db.read() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def timeline(app: FastAPI, service_request_id: str) -> list[tuple[str, str]]:
    with app.state.backend.db.read() as session:
        return [(u.actor, u.note) for u in load_ticket(session, service_request_id).updates]


def report(client: TestClient, category: Category, n: int, **fields: str) -> httpx.Response:
    return file_request(client, service_code=category.code, description=f"{FIRE}（第{n + 1}次）", **fields)


def test_ten_urgent_reports_from_one_resident_make_one_ticket_with_nine_merged_updates(app: FastAPI) -> None:
    category = urgent(app)
    with TestClient(app) as client:
        responses = [report(client, category, n, **RESIDENT) for n in range(10)]
    assert [r.status_code for r in responses] == [201] + [200] * 9
    ids = {r.json()[0]["service_request_id"] for r in responses}
    assert len(ids) == 1 and len(tickets(app)) == 1
    (ticket_id,) = ids
    assert [r.headers.get("X-Merged-Into") for r in responses] == [None] + [ticket_id] * 9
    merged = [note for actor, note in timeline(app, ticket_id) if actor == MERGED_REPORT]
    assert merged == [f"{FIRE}（第{n + 1}次）" for n in range(1, 10)]  # operators see every report
    assert "并入" in responses[1].json()[0]["service_notice"]
    assert tickets(app)[0].priority == "urgent"


@pytest.mark.integration
def test_ten_urgent_reports_at_once_make_one_ticket(app: FastAPI) -> None:
    """Sent in parallel to a real server: the merge is decided one source at a time."""
    category = urgent(app)

    def slow_clock() -> datetime:  # widens the gap between looking for the ticket and filing one
        time.sleep(0.05)
        return datetime.now(timezone.utc)

    app.state.backend.desk.clock = slow_clock
    body = {"api_key": DEV_API_KEY, "service_code": category.code, "address_string": "朝阳区三里屯街道工体北路8号",
            **required_answers(category), **RESIDENT}
    with live_server(app) as base_url:
        def post(n: int) -> httpx.Response:
            return httpx.post(f"{base_url}/open311/v2/requests.json", data={**body, "description": f"{FIRE}{n}"},
                              timeout=30)

        with ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(post, range(10)))
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201], [r.text for r in responses]
    assert len({r.json()[0]["service_request_id"] for r in responses}) == 1
    (ticket,) = tickets(app)
    assert len([a for a, _ in timeline(app, ticket.service_request_id) if a == MERGED_REPORT]) == 9


def test_without_a_channel_the_source_is_the_api_key_and_the_address(app: FastAPI) -> None:
    category = urgent(app)
    with TestClient(app) as here, TestClient(app, client=("198.51.100.20", 1)) as elsewhere:
        first = [report(here, category, n).status_code for n in range(3)]
        other = report(elsewhere, category, 0)
    assert first == [201, 200, 200] and other.status_code == 201
    assert len(tickets(app)) == 2


def test_only_the_assistant_names_the_resident_a_report_comes_from(database_url: str) -> None:
    """Another key's channel user is not taken at its word: its reports merge by key and address only."""
    partner = "partner-app-key-0123456789"
    app = make_app(database_url, api_keys=frozenset({DEV_API_KEY, partner}),
                   assistant_api_keys=frozenset({DEV_API_KEY}))
    category = urgent(app)
    with TestClient(app) as client, TestClient(app, client=("198.51.100.30", 1)) as elsewhere:
        resident = report(client, category, 0, **RESIDENT)
        posing = report(elsewhere, category, 1, api_key=partner, **RESIDENT)
        again = report(elsewhere, category, 2, api_key=partner, channel="wechat", channel_user_id="o-other")
    assert (resident.status_code, posing.status_code, again.status_code) == (201, 201, 200)
    assert "X-Merged-Into" not in posing.headers
    assert again.headers["X-Merged-Into"] == posing.json()[0]["service_request_id"]


def test_two_residents_get_two_tickets(app: FastAPI) -> None:
    category = urgent(app)
    with TestClient(app) as client:
        one = report(client, category, 0, **RESIDENT)
        two = report(client, category, 0, channel="wechat", channel_user_id="o-neighbour")
        same_id_other_channel = report(client, category, 0, channel="telegram", channel_user_id="o-fire-1")
    assert [r.status_code for r in (one, two, same_id_other_channel)] == [201, 201, 201]
    assert len(tickets(app)) == 3


def test_anonymous_web_chat_sessions_from_one_network_merge(app: FastAPI) -> None:
    """Issue 13: ten "fire" messages from ten new web chat sessions on one network are one urgent ticket.

    The web chat sends the network as ``reporter`` (a digest, channels/webchat/sessions.py); another
    network's report, and a malformed reporter, are their own.
    """
    category = urgent(app)
    network, other = "a" * 32, "b" * 32
    with TestClient(app) as client:
        answers = [report(client, category, n, channel="webchat", channel_user_id=f"{n:032x}", reporter=network)
                   for n in range(10)]
        elsewhere = report(client, category, 0, channel="webchat", channel_user_id="f" * 32, reporter=other)
        malformed = report(client, category, 0, channel="webchat", channel_user_id="e" * 32, reporter="not-hex")
    assert [r.status_code for r in answers] == [201] + [200] * 9
    assert {r.json()[0]["service_request_id"] for r in answers} == {answers[0].json()[0]["service_request_id"]}
    assert elsewhere.status_code == 201 and malformed.status_code == 400
    assert len(tickets(app)) == 2


def test_non_urgent_reports_are_never_merged(app: FastAPI) -> None:
    leaf = plain_leaf(app.state.backend.taxonomy)
    with TestClient(app) as client:
        statuses = [file_request(client, service_code=leaf.code, description=f"路灯坏了，第{n}次",
                                 **RESIDENT).status_code for n in range(5)]
    assert statuses == [201] * 5 and len(tickets(app)) == 5


def test_another_emergency_of_the_same_resident_is_its_own_ticket(app: FastAPI) -> None:
    leaves = [c for c in app.state.backend.taxonomy.leaves if c.urgent][:2]
    with TestClient(app) as client:
        statuses = [report(client, leaf, 0, **RESIDENT).status_code for leaf in leaves]
    assert statuses == [201, 201]


def test_a_resolved_ticket_or_one_past_the_window_takes_no_merge(app: FastAPI) -> None:
    category = urgent(app)
    with TestClient(app) as client:
        first = report(client, category, 0, **RESIDENT).json()[0]["service_request_id"]
        with app.state.backend.db.write() as session, session.begin():
            session.execute(update(Ticket).where(Ticket.service_request_id == first)
                            .values(status=Status.RESOLVED.value))
        second = report(client, category, 1, **RESIDENT)
        assert second.status_code == 201
        desk = app.state.backend.desk
        desk.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=11)
        third = report(client, category, 2, **RESIDENT)
    assert third.status_code == 201
    assert len({first, second.json()[0]["service_request_id"], third.json()[0]["service_request_id"]}) == 3


def test_the_window_is_a_setting_and_zero_turns_merging_off(database_url: str) -> None:
    app = make_app(database_url, urgent_merge_minutes=0)
    category = urgent(app)
    with TestClient(app) as client:
        statuses = [report(client, category, n, **RESIDENT).status_code for n in range(3)]
    assert statuses == [201] * 3


def test_a_retried_report_is_recorded_once(app: FastAPI) -> None:
    category = urgent(app)
    with TestClient(app) as client:
        first = report(client, category, 0, **RESIDENT)
        again = [report(client, category, 1, **RESIDENT) for _ in range(3)]
        same_as_first = report(client, category, 0, **RESIDENT)
    ticket_id = first.json()[0]["service_request_id"]
    assert {r.json()[0]["service_request_id"] for r in [*again, same_as_first]} == {ticket_id}
    assert [actor for actor, _ in timeline(app, ticket_id)].count(MERGED_REPORT) == 1


def test_a_merge_with_an_idempotency_key_is_not_called_a_replay(app: FastAPI) -> None:
    category = urgent(app)
    with TestClient(app) as client:
        report(client, category, 0, headers={"Idempotency-Key": "msg-1"}, **RESIDENT)
        merged = report(client, category, 1, headers={"Idempotency-Key": "msg-2"}, **RESIDENT)
        replay = report(client, category, 0, headers={"Idempotency-Key": "msg-1"}, **RESIDENT)
    assert merged.status_code == 200 and merged.headers["Idempotent-Replayed"] == "false"
    assert "X-Merged-Into" in merged.headers
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert "X-Merged-Into" not in replay.headers


def test_the_merged_notice_speaks_the_residents_language(app: FastAPI) -> None:
    category = urgent(app)
    with TestClient(app) as client:
        report(client, category, 0, language="en", **RESIDENT)
        merged = report(client, category, 1, language="en", **RESIDENT)
    assert merged.json()[0]["service_notice"].startswith("You reported this emergency a moment ago")

