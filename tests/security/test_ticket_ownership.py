"""Issue 13, what-to-build 1: "Actions that change a ticket (rating, reopen) are allowed only for the
conversation that owns the ticket, and the backend checks that ownership itself."

The attack: whoever holds the assistant's service key (the action server, or anyone who gets past it)
posts a rating for a ticket of resident A in resident B's name, or in no one's name. Held means: without
a resident 400, for anyone but the filer 404 (not even the ticket's existence is confirmed), and the
ticket stays resolved and unrated; the filer's own rating still works.
"""

from typing import Any

import pytest

from tests.security.attacker import SERVICE, ratings, resolved_ticket, send, telegram_id
from tools.stack import Stack

pytestmark = pytest.mark.integration


def rate(stack: Stack, ticket_id: str, resident: dict[str, str] | None) -> Any:
    body: dict[str, Any] = {"resolved": False, "rating": 1, "comment": "还是不行", "language": "zh"}
    if resident is not None:
        body["resident"] = resident
    return send("POST", f"{stack.backend_url}/api/tickets/{ticket_id}/satisfaction", json=body, headers=SERVICE)


def test_the_assistant_cannot_rate_or_reopen_a_ticket_in_a_strangers_name(stack: Stack) -> None:
    """Attack: rate (reopen) resident A's ticket with the service key in B's name or in no one's.
    Held: 400/404, untouched; A's rating works.
    """
    owner, stranger = telegram_id(), telegram_id()
    ticket_id = resolved_ticket(stack, ("telegram", owner))
    assert rate(stack, ticket_id, None).status_code == 400
    for resident in ({"channel": "telegram", "channel_user_id": stranger},
                     {"channel": "wechat", "channel_user_id": owner},  # the owner's id on another channel
                     {"channel": "rest", "channel_user_id": f"rest:dev:{owner}"},
                     {"channel": "telegram", "channel_user_id": f"{owner} "}):
        answer = rate(stack, ticket_id, resident)
        assert answer.status_code == 404, (resident, answer.status_code, answer.text)
    assert ratings(stack, ticket_id) == ("resolved", [])
    owned = rate(stack, ticket_id, {"channel": "telegram", "channel_user_id": owner})
    assert owned.status_code == 200, owned.text
    assert ratings(stack, ticket_id) == ("reopened", [(False, 1)])
