"""actions/policy_answer.py: a policy question is answered, but not a second time right after its answer (the
whole flow runs against the trained model in tests/dialogue/conversations/*.yml)."""

from typing import Any

from rasa_sdk import Tracker

from actions.policy_answer import ActionAnswerQuestion
from actions.repeat import bot_turns
from tests.actions.conftest import run


def _user(text: str, topic: str) -> dict[str, Any]:
    parse = {"text": text, "intent": {"name": "faq", "confidence": 0.9}, "entities": [],
             "response_selector": {"faq": {"response": {"utter_action": f"utter_faq/{topic}", "confidence": 0.9}}}}
    return {"event": "user", "text": text, "parse_data": parse}


def _bot(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": response, "metadata": {"utter_action": response}}


def _tracker(history: list[dict[str, Any]], text: str, topic: str) -> Tracker:
    latest = _user(text, topic)
    return Tracker("resident-1", {"language": "en"}, latest["parse_data"], [*history, latest], False, None,
                   {"name": None}, "action_listen")


def _said(tracker: Tracker) -> tuple[list[str], bool]:
    messages, events = run(ActionAnswerQuestion(), tracker)
    repeated = [e["value"] for e in events if e.get("name") == "faq_repeated"]
    return [m["response"] for m in messages], repeated == [True]


ANSWERED_VISA = [_user("How do I extend my visa?", "visa_extension"), _bot("utter_faq/visa_extension"),
                 _bot("utter_did_that_help")]


def test_a_first_question_gets_its_answer() -> None:
    assert _said(_tracker([], "How do I extend my visa?", "visa_extension")) == (["utter_faq/visa_extension"], False)


def test_the_same_topic_right_after_its_answer_is_not_answered_again() -> None:
    said = _said(_tracker(ANSWERED_VISA, "but how do I get my visa extended?", "visa_extension"))
    assert said == (["msg_answer_already_given"], True)


def test_another_topic_after_an_answer_gets_its_own_answer() -> None:
    said = _said(_tracker(ANSWERED_VISA, "and how do I register my dog?", "dog_registration"))
    assert said == (["utter_faq/dog_registration"], False)


def test_the_same_topic_later_in_the_conversation_is_answered_again() -> None:
    # after the answer, the resident said the answer helped and talked of something else: asked again, answered again
    history = [*ANSWERED_VISA, {"event": "user", "text": "yes", "parse_data": {"intent": {"name": "affirm"}}},
               _bot("utter_glad_to_help")]
    said = _said(_tracker(history, "How do I extend my visa?", "visa_extension"))
    assert said == (["utter_faq/visa_extension"], False)


def test_said_again_instead_of_answering_the_offer_it_is_the_appeal() -> None:
    history = [*ANSWERED_VISA, _user("but how do I get my visa extended?", "visa_extension"),
               _bot("msg_answer_already_given"), _bot("utter_offer_appeal_after_faq")]
    assert _said(_tracker(history, "I need my visa extended!", "visa_extension")) == ([], True)
    # another question instead gets its own answer
    assert _said(_tracker(history, "how do I register my dog?", "dog_registration")) == (
        ["utter_faq/dog_registration"], False)


def test_the_turns_are_read_behind_the_slots_the_latest_message_set() -> None:
    tracker = _tracker(ANSWERED_VISA, "how can I get my visa extended?", "visa_extension")
    tracker.events.append({"event": "slot", "name": "language", "value": "en"})
    assert _said(tracker) == (["msg_answer_already_given"], True)


def test_the_same_question_in_another_language_gets_the_answer_in_it() -> None:
    history = [{"event": "slot", "name": "language", "value": "zh"}, *ANSWERED_VISA]
    tracker = _tracker(history, "How do I extend my visa before it expires?", "visa_extension")
    tracker.slots["language"] = "en"  # the latest message set it
    assert _said(tracker) == (["utter_faq/visa_extension"], False)


def test_the_bot_turns_are_the_last_ones_before_the_latest_message() -> None:
    events = [_bot("utter_greet"), _user("a", "t"), _bot("r1"), _user("b", "t"), _bot("r2"), _bot("r3"),
              _user("c", "t"), {"event": "slot", "name": "language", "value": "en"}]
    turns = [[e["metadata"]["utter_action"] for e in turn] for turn in bot_turns(events, 2)]
    assert turns == [["r1"], ["r2", "r3"]]
    assert [[e["metadata"]["utter_action"] for e in turn] for turn in bot_turns(events[:2], 2)] == [["utter_greet"]]
