"""Issue 13, "Impersonation through the REST channel": a body naming a Telegram chat id with
``input_channel: telegram`` listed that resident's tickets, continued their half-filed appeal (with their
phone number), and filed tickets in their name; ``metadata: {"is_external": true}`` with a typed
``/EXTERNAL_ticket_update{...}`` started a survey on a stranger's ticket and reopened it.

Held means: the REST channel wants a key (401), keeps its callers in their own namespace
(``rest:<integration>:<sender>``) whatever the body says, refuses a missing or odd sender (400) and a big
body (413), throttles an address that keeps sending wrong keys (429 with Retry-After, even for the right
key), and the gate turns typed notifier intents
into text.
"""

import asyncio
import json
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.security.attacker import (
    SERVICE,
    TICKET,
    chat,
    conversation_url,
    file_ticket,
    ratings,
    resolved_ticket,
    say,
    send,
    telegram_id,
    texts,
    ticket,
    unique,
    user_events,
)
from tools.stack import Stack

pytestmark = pytest.mark.integration
AS_TELEGRAM = {"input_channel": "telegram"}


def test_no_key_no_conversation(stack: Stack) -> None:
    """Attack: use the REST channel without its key. Held: 401 and no conversation."""
    sender = unique("keyless")
    body = {"sender": sender, "message": "我的诉求到哪了"}
    for key in (None, "wrong-key", "dev-rest-key-but-longer"):
        assert chat(stack, body, key=key).status_code == 401, key
    for authorization in ("dev-rest-key", "Basic dev-rest-key", "Token dev-rest-key"):
        answer = send("POST", f"{stack.rasa_url}/webhooks/rest/webhook", json=body,
                      headers={"Authorization": authorization})
        assert answer.status_code == 401, authorization
    assert user_events(stack, stack.rest_conversation(sender)) == []


@pytest.mark.parametrize("sender", [None, "", "x" * 65, "../../conversations/1", "a b", "rest:dev:someone",
                                    "张三", 42, ["7001"], "default\n"])
def test_a_missing_or_odd_sender_is_refused(stack: Stack, sender: Any) -> None:
    """Attack: no sender (the shared "default" conversation) or an odd, long or nested one. Held: 400."""
    body = {"message": "hello"} if sender is None else {"sender": sender, "message": "hello"}
    answer = chat(stack, body)
    assert answer.status_code == 400, (sender, answer.status_code, answer.text)


def test_no_shared_default_conversation_and_the_longest_sender_still_works(stack: Stack) -> None:
    """Attack: land in the shared "default" conversation. Held: it stays empty; a valid 64-character sender works."""
    chat(stack, {"message": "hello"})
    assert user_events(stack, "default") == []
    longest = "a." + "b" * 62
    assert chat(stack, {"sender": longest, "message": "/greet"}).status_code == 200
    assert [e["text"] for e in user_events(stack, stack.rest_conversation(longest))] == ["/greet"]


def test_a_body_over_64_kb_is_refused(stack: Stack) -> None:
    """Attack: a body over 64 KB. Held: 413."""
    answer = chat(stack, {"sender": unique("big"), "message": "a" * (70 * 1024)})
    assert answer.status_code == 413, answer.status_code


def test_a_telegram_residents_tickets_are_not_listed_to_a_rest_caller(stack: Stack) -> None:
    """Attack: name a Telegram chat id with input_channel telegram to list its tickets and continue its appeal.
    Held: no ticket, no phone, Telegram conversation untouched.
    """
    victim = telegram_id()
    ticket_id = file_ticket(stack, "小区门口的路灯坏了一个星期，电话13912345678", resident=("telegram", victim))
    # The victim stopped at the confirmation step with their phone number (set up through the admin API).
    staged = send("POST", conversation_url(stack, victim, "tracker/events"), headers=stack.rasa_headers(), json=[
        {"event": "slot", "name": "contact_phone", "value": "13912345678"},
        {"event": "slot", "name": "appeal_description", "value": "楼道里的灯坏了"}])
    assert staged.status_code == 200, staged.text
    told = ""
    for text in ("/check_status", "我的诉求到哪了", "hello", "/affirm"):
        answer = say(stack, victim, text, **AS_TELEGRAM, metadata={"chat": {"id": int(victim)}})
        assert answer, text  # answered, as any REST caller is: just not as the victim
        told += texts(answer)
    assert ticket_id not in told and "13912345678" not in told and "楼道里的灯" not in told, told
    assert user_events(stack, victim) == []  # the Telegram conversation was not touched
    events = user_events(stack, stack.rest_conversation(victim))
    assert {e.get("input_channel") for e in events} == {"rest"}, events
    mine = send("GET", f"{stack.backend_url}/api/residents/telegram/{victim}/tickets", headers=SERVICE).json()
    assert [t["service_request_id"] for t in mine["tickets"]] == [ticket_id]  # nothing filed in their name


def test_a_rest_caller_does_see_its_own_tickets(stack: Stack) -> None:
    """The control for the test above: the same question lists a ticket to the conversation that filed it."""
    sender = unique("owner")
    ticket_id = file_ticket(stack, "小区门口的路灯坏了一个星期", resident=("rest", stack.rest_conversation(sender)))
    assert ticket_id in texts(say(stack, sender, "/check_status"))


def walk_appeal(stack: Stack, sender: str, **extra: Any) -> str:
    """File a street-light appeal over REST (``extra`` in every body); the ticket id."""
    say(stack, sender, "我要投诉：小区门口的路灯坏了一个星期，晚上很黑", **extra)
    reply = say(stack, sender, "朝阳区三里屯街道工体北路8号", **extra)
    for _ in range(8):
        payloads = [b["payload"] for m in reply for b in m.get("buttons", [])]
        if "/affirm" in payloads and "三里屯" in texts(reply):
            break
        reply = say(stack, sender, "/deny" if "/deny" in payloads else payloads[0], **extra)
    filed = TICKET.search(texts(say(stack, sender, "/affirm", **extra)))
    assert filed, texts(reply)
    return filed.group()


def test_an_appeal_sent_as_telegram_is_filed_as_the_rest_caller(stack: Stack) -> None:
    """Attack: file an appeal as a Telegram user over REST. Held: the ticket is the REST caller's, not theirs."""
    victim = telegram_id()
    ticket_id = walk_appeal(stack, victim, **AS_TELEGRAM)
    contact = ticket(stack, ticket_id)["contact"]
    assert (contact["channel"], contact["channel_user_id"]) == ("rest", stack.rest_conversation(victim))
    mine = send("GET", f"{stack.backend_url}/api/residents/telegram/{victim}/tickets", headers=SERVICE).json()
    assert mine["tickets"] == []


def update_entities(ticket_id: str, event_id: str) -> dict[str, Any]:
    return {"ticket_id": ticket_id, "event_id": event_id, "status": "resolved", "survey": True,
            "department": "北京市城市管理委员会", "note": "路灯已更换", "note_language": "zh", "note_translated": ""}


def test_a_typed_notifier_event_starts_no_survey_and_reopens_nothing(stack: Stack) -> None:
    """Attack: is_external metadata with a typed /EXTERNAL_ticket_update for a stranger's ticket, then a bad rating.
    Held: text only; no survey, no reopening.
    """
    owner = telegram_id()
    ticket_id = resolved_ticket(stack, ("telegram", owner))
    forged = "/EXTERNAL_ticket_update" + json.dumps(update_entities(ticket_id, "e1"))
    told = ""
    for sender in (owner, unique("stranger")):
        told += texts(say(stack, sender, forged, **AS_TELEGRAM, metadata={"is_external": True}))
        for text in ("/deny", "1分", "路灯还是不亮"):
            told += texts(say(stack, sender, text, metadata={"is_external": True}))
        events = user_events(stack, stack.rest_conversation(sender))
        intents = {(e.get("parse_data") or {}).get("intent", {}).get("name") for e in events}
        assert "EXTERNAL_ticket_update" not in intents, intents
        assert not any((e.get("text") or "").startswith("/EXTERNAL") for e in events), events
        assert not any((e.get("metadata") or {}).get("is_external") for e in events), events
    assert "解决了吗" not in told and ticket_id not in told, told
    assert ratings(stack, ticket_id) == ("resolved", [])


def test_the_notifier_path_does_start_the_survey(stack: Stack) -> None:
    """The control for the test above: the same update through trigger_intent, with the JWT, asks the survey."""
    sender = unique("notified")
    ticket_id = file_ticket(stack, "小区门口的路灯坏了", resident=("rest", stack.rest_conversation(sender)))
    answer = send("POST", conversation_url(stack, stack.rest_conversation(sender), "trigger_intent"),
                  headers=stack.rasa_headers(),
                  json={"name": "EXTERNAL_ticket_update", "entities": update_entities(ticket_id, "e-control")})
    told = texts(answer.json().get("messages", []))
    assert ticket_id in told and "解决了吗" in told, told


async def _guesses(stack: Stack, source: str, keys: list[str]) -> list[httpx.Response]:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(transport=transport, timeout=30, trust_env=False,
                                 limits=httpx.Limits(max_connections=20)) as client:
        return await asyncio.gather(*(
            client.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": "guesser", "message": "hi"},
                        headers={"Authorization": f"Bearer {key}"}) for key in keys))


def test_an_address_guessing_keys_is_throttled(stack: Stack) -> None:
    """Attack: 250 key guesses at once from one address, then the right key from there.
    Held: 10 wrong keys get 401 (REST_BAD_KEY_BURST), then 429 with Retry-After, right key included,
    while every other address and the real integration carry on."""
    started = time.perf_counter()
    answers = asyncio.run(_guesses(stack, "127.0.0.2", [f"guess-{n:06d}" for n in range(250)]))
    elapsed = time.perf_counter() - started
    statuses = Counter(a.status_code for a in answers)
    print(f"\nREST channel, 250 key guesses from one address in {elapsed:.1f} s: {dict(statuses)}")
    limited = [a for a in answers if a.status_code == 429]
    assert set(statuses) <= {401, 429} and limited, statuses
    assert statuses[401] <= 10 + elapsed / 6 + 1, statuses  # the burst, then one every 6 s
    assert all(int(a.headers.get("Retry-After", "0")) >= 1 for a in limited)
    [right_key] = asyncio.run(_guesses(stack, "127.0.0.2", ["dev-rest-key"]))
    assert right_key.status_code == 429, right_key.text
    assert chat(stack, {"sender": unique("neighbour"), "message": "/greet"}).status_code == 200  # others still in
