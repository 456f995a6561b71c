"""Conversation tests: a resident's messages and, after each, what the assistant must have done.

The files in ``tests/dialogue/conversations/`` (one per language) hold conversations in the shape of
Rasa's test stories, written for the running assistant rather than for the policy alone: each user
message goes through the REST channel of a real stack (Rasa with the trained model, the action
server, the backend), and the tracker is then read back to check, for that turn:

- ``actions``: the actions run after the message, in order (``action_listen`` left out), exactly;
- ``says``: the responses spoken (their names, e.g. ``utter_ask_appeal_location``), exactly;
- ``slots``: slot values; ``null`` means unset, ``"*"`` any value, ``"~text"`` a value containing text;
- ``asks``: the form's requested slot after the turn (``null``: none), ``form``: the active form;
- ``text``: words the bot's messages of the turn contain (the language they are in, a value shown);
  ``a|b`` for either (a response may have several variants).

A step may leave any of them out. ``user`` is sent as typed; ``/intent{...}`` is a button. Instead
of ``user``, ``notify: resolved`` does what the hotline does when a department resolves the resident's
latest ticket (one is filed for them through Open311 first if the conversation filed none): the
backend records the resolution and the notifier triggers ``EXTERNAL_ticket_update`` with the survey.
"""

import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from tools.stack import Stack

FOLDER = Path(__file__).resolve().parent / "conversations"
CHECKS = ("actions", "says", "slots", "asks", "form", "text")
TICKET = re.compile(r"\b\d{15}\b")
OPERATOR = {"Authorization": "Bearer dev-operator-token"}
OPEN311_KEY = "dev-open311-key"


@dataclass(frozen=True)
class Step:
    user: str
    expected: dict[str, Any]


@dataclass(frozen=True)
class Conversation:
    name: str
    language: str
    pattern: str
    form: str
    steps: tuple[Step, ...] = field(default_factory=tuple)


def load(folder: Path = FOLDER) -> list[Conversation]:
    conversations = []
    for path in sorted(folder.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            steps = tuple(Step(str(s["user"]) if "user" in s else f"notify:{s['notify']}",
                               {k: s[k] for k in CHECKS if k in s}) for s in item["steps"])
            unknown = {k for s in item["steps"] for k in s} - {"user", "notify", *CHECKS}
            if unknown:
                raise ValueError(f"{path.name}: {item['name']}: unknown keys {sorted(unknown)}")
            conversations.append(Conversation(item["name"], path.stem, item["pattern"], item["form"], steps))
    return conversations


def http_json(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


@dataclass
class Turn:
    """What one message did: the actions run, the responses spoken, the texts, the state after it."""

    actions: list[str]
    says: list[str]
    texts: list[str]
    slots: dict[str, Any]
    asks: str | None
    form: str | None


class Resident:
    """One conversation over the stack's REST channel, read back through Rasa's tracker API."""

    def __init__(self, stack: Stack, prefix: str = "conv") -> None:
        self.stack = stack
        self.sender = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.seen = 0
        self.tickets: list[str] = []

    def say(self, text: str) -> Turn:
        if text == "notify:resolved":
            return self.resolved()
        http_json("POST", f"{self.stack.rasa_url}/webhooks/rest/webhook", {"sender": self.sender, "message": text},
              headers=self.stack.rest_headers())
        return self._turn()

    def resolved(self) -> Turn:
        """The resident's latest ticket is resolved by its department; the notifier tells the conversation."""
        ticket_id = self.tickets[-1] if self.tickets else self.file_ticket()
        http_json("POST", f"{self.stack.backend_url}/api/tickets/{ticket_id}/updates",
              {"status": "resolved", "note": "路灯已更换", "note_language": "zh"}, headers=OPERATOR)
        event = {"event_id": f"ev-{uuid.uuid4().hex[:12]}", "ticket_id": ticket_id, "status": "resolved",
                 "department": "北京市城市管理委员会", "note": "路灯已更换", "note_language": "zh",
                 "note_translated": "The street light has been replaced", "survey": True}
        conversation = quote(self.stack.rest_conversation(self.sender), safe=":@")
        http_json("POST", f"{self.stack.rasa_url}/conversations/{conversation}/trigger_intent",
              {"name": "EXTERNAL_ticket_update", "entities": event}, headers=self.stack.rasa_headers())
        return self._turn()  # trigger_intent adds the notifier's event as a user message

    def close_tickets(self) -> None:
        """Closes the tickets this conversation filed, so that the next conversation's appeal, often about the
        same street light, is not asked whether it is the same problem ("me too", actions/me_too.py)."""
        for ticket_id in dict.fromkeys(self.tickets):
            try:
                http_json("POST", f"{self.stack.backend_url}/api/tickets/{ticket_id}/updates",
                      {"status": "closed", "note": "test conversation over", "note_language": "en"}, headers=OPERATOR)
            except urllib.error.HTTPError as error:
                if error.code != 409:  # 409: closed already (a survey closed it)
                    raise

    def file_ticket(self) -> str:
        """A ticket of this resident's, filed through Open311 as the assistant files them."""
        fields = {"api_key": OPEN311_KEY, "service_code": "street_light_out", "language": "zh",
                  "attribute[recurring]": "ongoing",
                  "description": "小区门口的路灯坏了一个星期", "address_string": "朝阳区三里屯街道工体北路8号",
                  "channel": "rest",
                  "channel_user_id": self.stack.rest_conversation(self.sender)}
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(f"{self.stack.backend_url}/open311/v2/requests.json", data=data,
                                         method="POST", headers={"Idempotency-Key": uuid.uuid4().hex})
        with urllib.request.urlopen(request, timeout=60) as response:
            ticket_id = str(json.load(response)[0]["service_request_id"])
        self.tickets.append(ticket_id)
        return ticket_id

    def _turn(self) -> Turn:
        conversation = quote(self.stack.rest_conversation(self.sender), safe=":@")
        tracker = http_json("GET", f"{self.stack.rasa_url}/conversations/{conversation}/tracker",
                        headers=self.stack.rasa_headers())
        events = tracker["events"]
        start = max(i for i, e in enumerate(events) if e.get("event") == "user")
        after = events[start + 1:]
        self.seen = len(events)
        texts = [str(e.get("text") or "") for e in after if e.get("event") == "bot"]
        self.tickets += [found for text in texts for found in TICKET.findall(text)]
        return Turn(
            actions=[e["name"] for e in after if e.get("event") == "action" and e.get("name") != "action_listen"],
            says=[(e.get("metadata") or {}).get("utter_action") or "text" for e in after if e.get("event") == "bot"],
            texts=texts,
            slots=tracker["slots"],
            asks=tracker["slots"].get("requested_slot"),
            form=(tracker.get("active_loop") or {}).get("name"),
        )


def mismatches(turn: Turn, expected: dict[str, Any]) -> list[str]:
    """What in ``turn`` differs from ``expected`` (empty: the step holds)."""
    problems = []
    if "actions" in expected and turn.actions != expected["actions"]:
        problems.append(f"actions {turn.actions} != {expected['actions']}")
    if "says" in expected and turn.says != expected["says"]:
        problems.append(f"says {turn.says} != {expected['says']}")
    if "asks" in expected and turn.asks != expected["asks"]:
        problems.append(f"asks {turn.asks!r} != {expected['asks']!r}")
    if "form" in expected and turn.form != expected["form"]:
        problems.append(f"form {turn.form!r} != {expected['form']!r}")
    said = "\n".join(turn.texts)
    if "text" in expected and not any(alternative in said for alternative in str(expected["text"]).split("|")):
        problems.append(f"no {expected['text']!r} in what the bot said")
    for name, wanted in (expected.get("slots") or {}).items():
        value = turn.slots.get(name)
        if wanted == "*":
            ok = value not in (None, "", [], {})
        elif isinstance(wanted, str) and wanted.startswith("~"):
            ok = value is not None and wanted[1:].lower() in str(value).lower()
        else:
            ok = value == wanted
        if not ok:
            problems.append(f"slot {name} = {value!r}, expected {wanted!r}")
    return problems
