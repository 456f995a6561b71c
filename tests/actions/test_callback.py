"""The operator call-back: topic from the conversation, phone checked, filed once as a ticket."""


from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.callback import ActionFileCallback, ActionStartCallback, ValidateCallbackForm, recent_topic
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker

FORM_STARTED = {"event": "active_loop", "name": "callback_form", "timestamp": 5.0}


def said(text: str, intent: str) -> dict[str, object]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def test_the_topic_is_what_the_resident_wrote_before_asking_for_a_human() -> None:
    history = [said("你好", "greet"), {"event": "bot", "text": "您好"},
               said("这个月的养老金没到账", "nlu_fallback"), said("/affirm", "affirm"),
               said("社保卡怎么补办", "faq")]
    conversation = tracker(events=history, text="转人工", intent="request_human")
    assert recent_topic(conversation) == "这个月的养老金没到账 / 社保卡怎么补办"
    _, events = run(ActionStartCallback(), conversation)
    assert events == [SlotSet("callback_topic", "这个月的养老金没到账 / 社保卡怎么补办"),
                      SlotSet("callback_phone", None)]


def test_a_descriptive_request_is_its_own_topic_and_a_bare_one_asks() -> None:
    asking = "I want a person to call me about my unpaid wages from the restaurant"
    assert recent_topic(tracker(text=asking, intent="request_human")) == asking
    assert recent_topic(tracker(text="人工", intent="request_human")) is None
    earlier_session = [said("这个月的养老金没到账", "nlu_fallback"), {"event": "session_started"}]
    assert recent_topic(tracker(events=earlier_session, text="人工", intent="request_human")) is None


def test_phone_numbers_are_checked() -> None:
    form, dispatcher = ValidateCallbackForm(), CollectingDispatcher()
    good = form.validate_callback_phone("+86 138-1234-5678", dispatcher, tracker(), {})
    assert good == {"callback_phone": "+86 138-1234-5678"} and dispatcher.messages == []
    refused_phone = {"callback_phone": None, "question_explained": "callback_phone"}  # the explanation asks again
    assert form.validate_callback_phone("call me", dispatcher, tracker(), {}) == refused_phone
    assert form.validate_callback_phone("-- --", dispatcher, tracker(), {}) == refused_phone
    assert [m["response"] for m in dispatcher.messages] == ["msg_invalid_phone", "msg_invalid_phone"]
    assert form.validate_callback_topic("x" * 2001, dispatcher, tracker(), {}) == {
        "callback_topic": None, "question_explained": "callback_topic"}
    assert form.validate_callback_topic("ok", dispatcher, tracker(), {}) == {
        "callback_topic": None, "question_explained": "callback_topic"}
    assert dispatcher.messages[-1]["response"] == "msg_not_a_topic"


def test_the_request_is_filed_once_as_an_operator_callback_ticket(hotline: FakeHotline) -> None:
    slots = {"callback_topic": "养老金没到账", "callback_phone": "13812345678"}
    conversation = tracker(slots=slots, events=[FORM_STARTED], channel="telegram", sender="tg-42")
    messages, events = run(ActionFileCallback(), conversation)
    run(ActionFileCallback(), conversation)  # a retry of the same request
    assert len(hotline.filed) == 1
    fields, key = hotline.filed[0]
    assert fields == {"service_code": "operator_callback", "description": "养老金没到账", "phone": "13812345678",
                      "language": "zh", "channel": "telegram", "channel_user_id": "tg-42"}
    assert messages[0]["response"] == "msg_callback_filed" and messages[0]["ticket_id"] == "202611220000001"
    assert events == [SlotSet("callback_topic", None), SlotSet("callback_phone", None)]
    # A call-back and an appeal started at the same moment are different requests.
    from actions.conversation import appeal_key
    appeal_started = {**FORM_STARTED, "name": "appeal_form"}
    assert appeal_key(tracker(events=[appeal_started])) != key


def test_nothing_is_filed_without_a_phone(hotline: FakeHotline) -> None:
    messages, events = run(ActionFileCallback(), tracker(slots={"callback_topic": "养老金"}))
    assert hotline.filed == [] and messages == [] and events == []


def test_backend_down_without_outbox_says_so(hotline: FakeHotline) -> None:
    hotline.down = True
    slots = {"callback_topic": "养老金没到账", "callback_phone": "13812345678"}
    messages, _ = run(ActionFileCallback(), tracker(slots=slots, events=[FORM_STARTED]))
    assert [m["response"] for m in messages] == ["msg_backend_error"]
