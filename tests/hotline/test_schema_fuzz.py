"""Property-based fuzzing of every operation in the backend's own OpenAPI schema: no answer is a 5xx.

Schemathesis generates requests from ``app.openapi()`` (paths, parameters and bodies, valid and
not) and sends them to the app in-process; Hypothesis is derandomized, so every run sends the same
requests. Each operation runs twice: anonymously, and with the admin token (plus the Open311 API
key in POST bodies), which reaches the code behind the authentication checks.

The schema is narrowed before fuzzing: ``{fmt}`` takes json or xml, Open311's ``service_code``
comes from the taxonomy and ``address_string`` is always sent (the app answers anything else with
a 404 or 400 at once, so the generated requests would not get further).
"""

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema

from hotline.app import create_app
from hotline.config import DEV_API_KEY, DEV_OPERATOR_TOKEN, Settings
from tests.hotline.helpers import file_request, plain_leaf, urgent_leaf

EXAMPLES = 100
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """An app on a fresh SQLite database with a few tickets; rate limits out of the way."""
    database = Path(tmp_path_factory.mktemp("fuzz")) / "hotline.db"
    app = create_app(replace(Settings(), database_url=f"sqlite:///{database}", redis_url="redis://127.0.0.1:1/0",
                             address_rate_per_minute=10**9, key_rate_per_minute=10**9), run_relay=False)
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        taxonomy = app.state.backend.taxonomy
        for leaf in (plain_leaf(taxonomy), urgent_leaf(taxonomy)):
            assert file_request(client, service_code=leaf.code).status_code == 201
    return app


def narrowed(openapi: dict[str, Any], service_codes: list[str]) -> dict[str, Any]:
    schema = copy.deepcopy(openapi)
    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "fmt":
                    parameter["schema"] = {"type": "string", "enum": ["json", "xml"]}
            for media in operation.get("requestBody", {}).get("content", {}).values():
                if "service_code" in media.get("schema", {}).get("properties", {}):
                    media["schema"]["properties"]["service_code"] = {"type": "string", "enum": service_codes}
                    media["schema"]["required"] = [*media["schema"]["required"], "address_string"]
    return schema


def load_schema() -> BaseSchema:
    """The schema of an app on an in-memory database (collection needs the operations; no files written)."""
    app = create_app(replace(Settings(), database_url="sqlite://"), run_relay=False)
    codes = [leaf.code for leaf in app.state.backend.taxonomy.leaves]
    return schemathesis.openapi.from_dict(narrowed(app.openapi(), codes))


# Loaded at import, not from a fixture: schemathesis 4.32's lazy loader (from_fixture) reads
# pytest's private Node._nodeid, which pytest 9 no longer has.
schema = load_schema()


@schema.parametrize()
@FUZZ
def test_anonymous_requests_never_get_a_5xx(case: Any, fuzzed_app: FastAPI) -> None:
    case.call_and_validate(app=fuzzed_app, checks=[not_a_server_error])


@schema.parametrize()
@FUZZ
def test_admin_requests_never_get_a_5xx(case: Any, fuzzed_app: FastAPI) -> None:
    if isinstance(case.body, dict) and case.path.startswith("/open311/"):
        case.body["api_key"] = DEV_API_KEY
    case.call_and_validate(app=fuzzed_app, checks=[not_a_server_error],
                           headers={"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"})


def test_the_open311_post_declares_its_bodies(fuzzed_app: FastAPI) -> None:
    operation = fuzzed_app.openapi()["paths"]["/open311/v2/requests.{fmt}"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/x-www-form-urlencoded", "application/json"}
