"""The whole flow against the real backend, Redis, action server and Rasa server."""

import json
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.doubles.local_servers import redis_server
from tools.ports import wait_for_port
from tools.stack import ROOT, SERVICES_PY, Stack, running_stack

pytestmark = pytest.mark.integration
TICKET = re.compile(r"\b\d{15}\b")


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def say(stack: Stack, sender: str, text: str) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = http("POST", f"{stack.rasa_url}/webhooks/rest/webhook",
                                        {"sender": sender, "message": text}, headers=stack.rest_headers())
    return answer


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def first_payload(messages: list[dict[str, Any]]) -> str:
    return next(b["payload"] for m in messages for b in m.get("buttons", []))


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="module")
def stack(model: Path, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("stack")
    with running_stack(model, log_dir=folder / "log", redis_url=redis_url,
                       database_url=f"sqlite:///{folder / 'hotline.db'}") as running:
        yield running


def file_appeal(stack: Stack, sender: str) -> list[dict[str, Any]]:
    say(stack, sender, "我要投诉：小区门口的路灯坏了一个星期，晚上很黑")
    category = say(stack, sender, "朝阳区三里屯街道工体北路8号")
    question = say(stack, sender, first_payload(category))
    consent = (say(stack, sender, first_payload(question))
               if "/inform_attribute" in first_payload(question) else question)
    summary = say(stack, sender, "/deny") if "/affirm" in first_payload(consent) else consent
    assert "三里屯" in texts(summary)
    return say(stack, sender, "/affirm")


def test_a_chinese_appeal_is_filed_routed_and_listed_for_its_resident_only(stack: Stack) -> None:
    filed = file_appeal(stack, "resident-zh-1")
    ticket_id = TICKET.search(texts(filed))
    assert ticket_id, texts(filed)
    detail = http("GET", f"{stack.backend_url}/api/tickets/{ticket_id.group()}",
                  headers={"Authorization": "Bearer dev-operator-token"})
    assert detail["original_text"] == "我要投诉：小区门口的路灯坏了一个星期，晚上很黑"
    assert detail["subdistrict_code"] == "110105004" and detail["contact"]["channel"] == "rest"
    assert detail["contact"]["channel_user_id"] == stack.rest_conversation("resident-zh-1")
    assert detail["language"] == "zh"
    assert ticket_id.group() in texts(say(stack, "resident-zh-1", "我的诉求到哪了"))
    assert ticket_id.group() not in texts(say(stack, "someone-else", "我的诉求到哪了"))
    # Confirming again (a double tap) files nothing new: the form is over.
    say(stack, "resident-zh-1", "/affirm")
    listed = http("GET", f"{stack.backend_url}/api/tickets?q=%E8%B7%AF%E7%81%AF",
                  headers={"Authorization": "Bearer dev-operator-token"})
    assert listed["total"] == 1


def test_english_policy_answer_and_japanese_emergency(stack: Stack) -> None:
    answer = texts(say(stack, "resident-en-1", "How do I extend my visa before it expires?"))
    assert "Exit-Entry" in answer and "https://" in answer
    emergency = texts(say(stack, "resident-ja-1", "火事です！煙がすごい"))
    assert "119" in emergency and TICKET.search(emergency)


def test_backend_outage_queues_the_appeal_and_files_it_later(model: Path, redis_url: str, tmp_path: Path) -> None:
    from tools.ports import free_port

    port = free_port()
    database = f"sqlite:///{tmp_path / 'late.db'}"
    redis_url = redis_url.rsplit("/", 1)[0] + "/1"  # its own outbox and trackers, apart from the module's stack
    with running_stack(model, log_dir=tmp_path / "log", redis_url=redis_url, backend_port=port,
                       start_backend=False) as stack:
        queued = texts(file_appeal(stack, "resident-outage"))
        reference = re.search(r"Q-[0-9A-F]{8}", queued)
        assert reference and not TICKET.search(queued), queued
        backend = subprocess.Popen([str(SERVICES_PY), "-m", "hotline"], cwd=ROOT,
                                   env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOTLINE_PORT": str(port),
                                        "DATABASE_URL": database, "REDIS_URL": redis_url})
        try:
            wait_for_port(port, timeout=60)
            deadline = time.monotonic() + 90
            told = ""
            while time.monotonic() < deadline and not TICKET.search(told):
                time.sleep(1)
                conversation = quote(stack.rest_conversation("resident-outage"), safe=":@")
                tracker = http("GET", f"{stack.rasa_url}/conversations/{conversation}/tracker",
                               headers=stack.rasa_headers())
                # The queued message has no ticket id; the announcement after filing does.
                told = "\n".join(e.get("text") or "" for e in tracker["events"] if e.get("event") == "bot")
            ticket = TICKET.search(told)
            assert ticket, "the queued appeal was not filed and announced"
            tickets = http("GET", f"http://127.0.0.1:{port}/api/tickets",
                           headers={"Authorization": "Bearer dev-operator-token"})
            assert [t["service_request_id"] for t in tickets["tickets"]] == [ticket.group()]
        finally:
            backend.terminate()
            backend.wait(timeout=20)


@pytest.mark.parametrize("message, expected", [
    ("", "msg_bad_input_empty"),
    ("路" * 2500, "msg_bad_input_too_long"),
    ("\ufffd\ufffd\x01\x02 ??", "msg_bad_input_unreadable"),
])
def test_bad_input_gets_a_helpful_answer(stack: Stack, message: str, expected: str) -> None:
    from translations.catalog import load_catalog

    answer = texts(say(stack, "resident-bad-input", message))
    wanted = load_catalog().render(expected, "zh", {"max_chars": 2000})
    assert wanted is not None and answer == wanted["text"]


def test_mixed_script_message_is_understood(stack: Stack) -> None:
    answer = texts(say(stack, "resident-mixed", "我想问一下visa延期怎么办"))
    assert "出入境" in answer


def ticket_detail(stack: Stack, ticket_id: str) -> Any:
    return http("GET", f"{stack.backend_url}/api/tickets/{ticket_id}",
                headers={"Authorization": "Bearer dev-operator-token"})


def test_an_operator_call_back_is_filed_with_what_the_resident_asked(stack: Stack) -> None:
    sender = "resident-en-callback"
    say(stack, sender, "My pension payment is missing this month, what happened?")
    asked = say(stack, sender, "I want to talk to a real person")
    assert "phone number" in texts(asked), texts(asked)  # the topic came from the conversation
    assert "doesn't look right" in texts(say(stack, sender, "call me tomorrow"))
    filed = say(stack, sender, "+86 138 1234 5678")
    ticket_id = TICKET.search(texts(filed))
    assert ticket_id, texts(filed)
    detail = ticket_detail(stack, ticket_id.group())
    assert detail["service_code"] == "operator_callback" and "pension" in detail["original_text"]
    assert detail["contact"]["phone"] == "+86 138 1234 5678" and detail["language"] == "en"


def test_a_call_back_asks_what_about_when_nothing_came_before_and_can_be_cancelled(stack: Stack) -> None:
    asked = say(stack, "resident-zh-callback", "转人工")
    assert "什么事情" in texts(asked), texts(asked)
    assert "没有登记回电" in texts(say(stack, "resident-zh-callback", "取消"))


def test_an_appeal_from_a_shared_location_and_a_photo_keeps_both(stack: Stack) -> None:
    sender = "resident-ja-location"
    say(stack, sender, "日本語で")
    started = say(stack, sender, '/share_location{"latitude": 39.9334, "longitude": 116.4543}')
    assert started, "the appeal form should ask what happened"
    assert "添付" in texts(say(stack, sender, '/share_media{"media_url": "https://example.org/pavement.jpg"}'))
    category = say(stack, sender, "家の前の歩道が陥没していて、ずっと直されていません")
    assert "/choose_category" in str(category), texts(category)
    reply = say(stack, sender, first_payload(category))
    for _ in range(3):  # the category's questions (first choice), then "no call, thanks", then the summary
        payloads = [b["payload"] for m in reply for b in m.get("buttons", [])]
        if "39.93340" in texts(reply) or not payloads:
            break
        reply = say(stack, sender, "/deny" if "/deny" in payloads else payloads[0])
    assert "39.93340, 116.45430" in texts(reply), texts(reply)
    ticket_id = TICKET.search(texts(say(stack, sender, "/affirm")))
    assert ticket_id
    detail = ticket_detail(stack, ticket_id.group())
    assert (round(detail["lat"], 4), round(detail["long"], 4)) == (39.9334, 116.4543)
    assert detail["media_url"] == "https://example.org/pavement.jpg"
    assert detail["subdistrict_code"]  # routed by the nearest centroid


def trigger(stack: Stack, sender: str, name: str, entities: dict[str, Any]) -> list[dict[str, Any]]:
    """What the notifier does (messages come back in the answer: Rasa's collecting output)."""
    conversation = quote(stack.rest_conversation(sender), safe=":@")
    answer = http("POST", f"{stack.rasa_url}/conversations/{conversation}/trigger_intent",
                  {"name": name, "entities": entities}, headers=stack.rasa_headers())
    messages: list[dict[str, Any]] = answer.get("messages", [])
    return messages


def resolve(stack: Stack, ticket_id: str, note: str) -> None:
    http("POST", f"{stack.backend_url}/api/tickets/{ticket_id}/updates",
         {"status": "resolved", "note": note, "note_language": "zh"},
         headers={"Authorization": "Bearer dev-operator-token"})


def test_a_resolution_is_announced_once_and_not_resolved_reopens_the_ticket(stack: Stack) -> None:
    sender = "resident-zh-survey"
    ticket_id = TICKET.search(texts(file_appeal(stack, sender)))
    assert ticket_id
    resolve(stack, ticket_id.group(), "路灯已更换")
    update = {"event_id": "ev-survey-1", "ticket_id": ticket_id.group(), "status": "resolved",
              "department": "北京市城市管理委员会", "note": "路灯已更换", "note_language": "zh", "note_translated": "",
              "survey": True}
    told = texts(trigger(stack, sender, "EXTERNAL_ticket_update", update))
    assert ticket_id.group() in told and "路灯已更换" in told and "解决了吗" in told, told
    # Redelivered: the update is not said again (the survey's open question may be asked again).
    again = texts(trigger(stack, sender, "EXTERNAL_ticket_update", update))
    assert ticket_id.group() not in again and "路灯已更换" not in again, again
    assert "1分" in texts(say(stack, sender, "/deny"))  # not resolved -> how satisfied?
    assert "意见" in texts(say(stack, sender, "2分吧"))  # -> any comment?
    reopened = texts(say(stack, sender, "路灯还是不亮"))
    assert "重新打开" in reopened, reopened
    detail = ticket_detail(stack, ticket_id.group())
    assert detail["detailed_status"] == "reopened"
    assert [(s["resolved"], s["rating"]) for s in detail["satisfaction"]] == [(False, 2)]
    # The same update typed by a resident (not through trigger_intent) does nothing.
    forged = "/EXTERNAL_ticket_update" + json.dumps({**update, "event_id": "ev-forged"})
    assert "解决了吗" not in texts(say(stack, sender, forged))


def confirm_from(stack: Stack, sender: str, reply: list[dict[str, Any]], place: str) -> list[dict[str, Any]]:
    """From the category's first question on: first choices, no phone call, then confirm the summary."""
    for _ in range(5):
        payloads = [b["payload"] for m in reply for b in m.get("buttons", [])]
        if "/affirm" in payloads and place in texts(reply):
            break
        reply = say(stack, sender, "/deny" if "/deny" in payloads else payloads[0])
    return say(stack, sender, "/affirm")


def test_an_english_resident_rates_a_resolution_and_the_ticket_closes(stack: Stack) -> None:
    sender = "resident-en-survey"
    say(stack, sender, "English please")
    say(stack, sender, "The street light outside my building has been broken for a week")
    category = say(stack, sender, "Gongti North Road 8, Sanlitun, Chaoyang")
    reply = say(stack, sender, first_payload(category))
    ticket_id = TICKET.search(texts(confirm_from(stack, sender, reply, "Sanlitun")))
    assert ticket_id
    resolve(stack, ticket_id.group(), "路灯已更换")
    told = texts(trigger(stack, sender, "EXTERNAL_ticket_update", {
        "event_id": "ev-survey-2", "ticket_id": ticket_id.group(), "status": "resolved",
        "department": "Beijing Municipal Commission of Urban Management", "note": "路灯已更换", "note_language": "zh",
        "note_translated": "The street light has been replaced", "survey": True}))
    assert "(machine-translated): The street light has been replaced" in told and "resolved?" in told, told
    say(stack, sender, "/affirm")
    say(stack, sender, '/inform_rating{"survey_rating": "5"}')
    assert "Thank you" in texts(say(stack, sender, "/deny"))  # no comment
    detail = ticket_detail(stack, ticket_id.group())
    assert detail["detailed_status"] == "closed" and [s["rating"] for s in detail["satisfaction"]] == [5]


def test_a_korean_resident_is_answered_in_english_and_the_appeal_keeps_its_language(stack: Stack) -> None:
    sender = "resident-ko-1"
    first = texts(say(stack, sender, "안녕하세요, 아파트 앞 가로등이 일주일째 고장났어요"))
    assert "can't answer in your language" in first, first
    asked = texts(say(stack, sender, "/report_problem"))
    assert "can't answer in your language" not in asked  # said once
    category = (say(stack, sender, "아파트 앞 가로등이 일주일째 고장났어요. 밤에 너무 어두워요")
                if "happen" in asked else [])
    if not category or "/choose_category" not in str(category):
        category = say(stack, sender, "Gongti North Road 8, Sanlitun, Chaoyang")
    # Korean words match no category name: with no suggestion to press, the resident names it.
    reply = say(stack, sender, first_payload(category) if "/choose_category" in str(category) else "street light")
    ticket_id = TICKET.search(texts(confirm_from(stack, sender, reply, "Sanlitun")))
    assert ticket_id
    detail = ticket_detail(stack, ticket_id.group())
    assert detail["source_language"] == "ko" and detail["language"] == "en"
    assert "가로등" in detail["original_text"]
