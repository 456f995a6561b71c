"""Issue 13, what-to-build 2 and 9: no caller of Rasa's HTTP API can read or write a conversation without
proof, and no key travels in a URL. Before, the API took ``?token=`` (Rasa's --auth-token): whoever had
it, or found it in an access log, could read any resident's tracker, trigger intents or inject events.

Held means: every API route answers 401 without a valid HS256 JWT in ``Authorization: Bearer``, whether
the token is missing, in the query string, signed with another secret, expired or unsigned; a ``user``
token for another conversation gets 403; nothing is written to the targeted conversation.
"""

from typing import Any

import pytest

from tests.security.attacker import conversation_url, jwt, send, unique, user_events
from tools.stack import Stack

pytestmark = pytest.mark.integration


def routes(stack: Stack, conversation: str) -> list[tuple[str, str, Any]]:
    """(method, url, body) of the routes an attacker wants: read, trigger, inject, parse, status."""
    return [
        ("GET", conversation_url(stack, conversation), None),
        ("POST", conversation_url(stack, conversation, "trigger_intent"), {"name": "greet"}),
        ("POST", conversation_url(stack, conversation, "tracker/events"),
         [{"event": "slot", "name": "survey_ticket_id", "value": "202612050000001"}]),
        ("POST", conversation_url(stack, conversation, "messages"), {"text": "/greet", "sender": "user"}),
        ("POST", f"{stack.rasa_url}/model/parse", {"text": "你好"}),
        ("GET", f"{stack.rasa_url}/status", None),
    ]


ROGUES = ["nothing", "admin JWT in the URL", "the secret in the URL", "another secret", "expired", "unsigned",
          "alg none", "the secret as bearer"]


def rogue_credential(stack: Stack, rogue: str) -> tuple[dict[str, str], str]:
    """(headers, query string) of a credential that must not open the API."""
    admin = {"username": "attacker", "role": "admin"}
    good = jwt(stack.rasa_jwt_secret, admin)
    header, payload, _ = good.split(".")
    bearer = {
        "another secret": jwt("not-the-secret-0123456789", admin),
        "expired": jwt(stack.rasa_jwt_secret, admin, lifetime=-3600),  # beyond sanic-jwt's 60 s leeway
        "unsigned": f"{header}.{payload}.",
        "alg none": jwt(stack.rasa_jwt_secret, admin, algorithm="none").rsplit(".", 1)[0] + ".",
        "the secret as bearer": stack.rasa_jwt_secret,
    }.get(rogue)
    query = {"admin JWT in the URL": f"?token={good}", "the secret in the URL": f"?token={stack.rasa_jwt_secret}"}
    return ({"Authorization": f"Bearer {bearer}"} if bearer else {}), query.get(rogue, "")


@pytest.mark.parametrize("rogue", ROGUES)
def test_every_api_route_wants_a_valid_jwt(stack: Stack, rogue: str) -> None:
    """Attack: read, trigger or inject into a conversation without proof, or with a token in the URL.
    Held: 401 on every route, nothing written.
    """
    victim = stack.rest_conversation(unique("api-victim"))
    headers, query = rogue_credential(stack, rogue)
    for method, url, body in routes(stack, victim):
        answer = send(method, url + query, headers=headers, json=body)
        assert answer.status_code == 401, (method, url, answer.status_code, answer.text[:200])
    assert user_events(stack, victim) == []
    slots = send("GET", conversation_url(stack, victim), headers=stack.rasa_headers()).json()["slots"]
    assert slots.get("survey_ticket_id") is None


def test_a_user_token_reaches_only_its_own_conversation(stack: Stack) -> None:
    """Attack: a resident's own (role user) token used on another conversation. Held: 403, nothing written."""
    mine, victim = stack.rest_conversation(unique("api-user")), stack.rest_conversation(unique("api-victim"))
    token = {"Authorization": f"Bearer {jwt(stack.rasa_jwt_secret, {'username': mine, 'role': 'user'})}"}
    for method, url, body in routes(stack, victim):
        answer = send(method, url, headers=token, json=body)
        assert answer.status_code == 403, (method, url, answer.status_code, answer.text[:200])
    assert user_events(stack, victim) == []
    assert send("GET", conversation_url(stack, mine), headers=token).status_code == 200


def test_the_admin_jwt_opens_every_route(stack: Stack) -> None:
    """The control: the routes above exist and work with the real credentials."""
    conversation = stack.rest_conversation(unique("api-admin"))
    for method, url, body in routes(stack, conversation):
        answer = send(method, url, headers=stack.rasa_headers(), json=body)
        assert answer.status_code == 200, (method, url, answer.status_code, answer.text[:200])
