"""Issue 13, "Action server open to anyone": a hand-made POST to the action server's /webhook ran
``action_submit_survey`` for a stranger's ticket (reopened it with a rating of 1) and
``action_list_my_tickets`` for a made-up tracker (listed another resident's tickets).

Held means: the action server listens on loopback only and answers 401 to any call without Rasa's token,
so the forged calls change and reveal nothing; the very same calls with the token do run (the forgeries
are well-formed, so only the token stopped them).
"""

import ipaddress
import socket
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.security.attacker import ratings, resolved_ticket, send, telegram_id
from tools.stack import DEV_ACTION_TOKEN, Stack

pytestmark = pytest.mark.integration
ROGUE_TOKENS = [None, "Bearer wrong-token", "Bearer", f"Basic {DEV_ACTION_TOKEN}", DEV_ACTION_TOKEN]


def forged_call(action: str, owner: str, slots: dict[str, Any]) -> dict[str, Any]:
    """What Rasa would send for ``owner``'s Telegram conversation, made up by an outsider."""
    return {
        "next_action": action, "sender_id": owner, "version": "3.6.21", "domain": {},
        "tracker": {
            "sender_id": owner, "slots": {"language": "zh", **slots}, "paused": False, "followup_action": None,
            "active_loop": {}, "latest_action_name": "action_listen",
            "latest_message": {"text": "/deny", "intent": {"name": "deny", "confidence": 1.0}, "entities": []},
            "events": [{"event": "user", "text": "/deny", "input_channel": "telegram",
                        "parse_data": {"intent": {"name": "deny", "confidence": 1.0}, "entities": []}}],
        },
    }


def survey(owner: str, ticket_id: str) -> dict[str, Any]:
    return forged_call("action_submit_survey", owner, {"survey_ticket_id": ticket_id, "survey_resolved": False,
                                                       "survey_rating": "1", "survey_comment": "forged"})


def webhook(stack: Stack, call: dict[str, Any], authorization: str | None, *, query: str = "") -> Any:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return send("POST", f"{stack.actions_url}/webhook{query}", json=call, headers=headers)


@pytest.mark.parametrize("authorization", ROGUE_TOKENS)
def test_a_forged_survey_cannot_reopen_a_strangers_ticket(stack: Stack, authorization: str | None) -> None:
    """Attack: action_submit_survey posted to /webhook for a stranger's ticket.
    Held: 401, the ticket stays resolved and unrated.
    """
    owner = telegram_id()
    ticket_id = resolved_ticket(stack, ("telegram", owner))
    answer = webhook(stack, survey(owner, ticket_id), authorization)
    assert answer.status_code == 401, answer.text
    # the token in the URL (where it would land in access logs) is no token either
    assert webhook(stack, survey(owner, ticket_id), None, query=f"?token={DEV_ACTION_TOKEN}").status_code == 401
    assert ratings(stack, ticket_id) == ("resolved", [])


def test_the_same_survey_call_runs_only_with_rasas_token(stack: Stack) -> None:
    """The control: the forgery above is a well-formed call, so only the token stood in its way."""
    owner = telegram_id()
    ticket_id = resolved_ticket(stack, ("telegram", owner))
    answer = webhook(stack, survey(owner, ticket_id), f"Bearer {DEV_ACTION_TOKEN}")
    assert answer.status_code == 200, answer.text
    assert ratings(stack, ticket_id) == ("reopened", [(False, 1)])


def test_a_made_up_tracker_cannot_list_another_residents_tickets(stack: Stack) -> None:
    """Attack: action_list_my_tickets with a made-up Telegram tracker.
    Held: 401 without the ticket id (with Rasa's token the same call lists it).
    """
    owner = telegram_id()
    ticket_id = resolved_ticket(stack, ("telegram", owner))
    call = forged_call("action_list_my_tickets", owner, {})
    for authorization in ROGUE_TOKENS:
        answer = webhook(stack, call, authorization)
        assert answer.status_code == 401 and ticket_id not in answer.text, (authorization, answer.text)
    control = webhook(stack, call, f"Bearer {DEV_ACTION_TOKEN}")
    assert control.status_code == 200 and ticket_id in control.text, control.text


def test_only_health_answers_without_the_token(stack: Stack) -> None:
    """Not even the list of actions (what an attacker would read first) is given away."""
    assert send("GET", f"{stack.actions_url}/health").status_code == 200
    assert send("GET", f"{stack.actions_url}/actions").status_code == 401


def listening_addresses(port: int) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The local addresses with a socket in LISTEN state on ``port`` (/proc/net/tcp and tcp6)."""
    found: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            address, _, hex_port = fields[1].rpartition(":")
            if fields[3] != "0A" or int(hex_port, 16) != port:
                continue
            raw = bytes.fromhex(address)  # each 32-bit word is in host (little-endian) order
            words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(ipaddress.ip_address(words))
    return found


def other_addresses() -> list[str]:
    """This machine's addresses that are not loopback (``hostname -I``)."""
    try:
        listed = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        listed = []
    return [a for a in listed if not ipaddress.ip_address(a.split("%")[0]).is_loopback]


def test_the_action_server_listens_on_loopback_only(stack: Stack) -> None:
    """Attack: reach port 5055 from the network.
    Held: it listens on loopback only; the machine's other addresses refuse.
    """
    port = int(urlparse(stack.actions_url).port or 0)
    listening = listening_addresses(port)
    assert listening and all(a.is_loopback for a in listening), listening
    for address in other_addresses():
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()
    print(f"\naction server on port {port} listens on {sorted(map(str, listening))}; "
          f"refused on {other_addresses() or 'no other address'}")
