"""The NLG's loop breaker (assistant/nlg.py): no message three times in a row, and no third identical
answer to the same words, on real trackers and the real response catalog."""

import asyncio
from typing import Any

from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.nlg import LOOP_BREAKER, TranslatedNLG

FAQ = "utter_faq/hotline_info"
FEEDBACK = "utter_did_that_help"


def bot(nlg: TranslatedNLG, name: str, language: str = "en") -> BotUttered:
    rendered = nlg.catalog.render(name, language, {})
    assert rendered is not None, name
    return BotUttered(rendered.get("text"), metadata={"utter_action": name})


def tracker_of(events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("resident", [SlotSet("language", "en"), *events])


def generate(nlg: TranslatedNLG, name: str, tracker: DialogueStateTracker) -> dict[str, Any] | None:
    return asyncio.run(nlg.generate(name, tracker, "rest"))


def turn(nlg: TranslatedNLG, words: str, *responses: str) -> list[Event]:
    return [UserUttered(words), *(bot(nlg, name) for name in responses)]


def test_same_words_answered_alike_twice_get_the_way_out_the_third_time() -> None:
    nlg = TranslatedNLG()
    words = "the water pressure is very weak every evening"
    history = [*turn(nlg, words, FAQ, FEEDBACK), *turn(nlg, words, FAQ, FEEDBACK), UserUttered(words)]
    answer = generate(nlg, FAQ, tracker_of(history))
    assert answer == nlg.catalog.render(LOOP_BREAKER, "en", {"language": "en"})


def test_the_way_out_is_offered_once_in_a_turn() -> None:
    nlg = TranslatedNLG()
    words = "the water pressure is very weak every evening"
    history = [*turn(nlg, words, FAQ, FEEDBACK), *turn(nlg, words, FAQ, FEEDBACK), UserUttered(words),
               bot(nlg, LOOP_BREAKER)]
    assert generate(nlg, FEEDBACK, tracker_of(history)) is None


def test_the_same_answer_twice_is_no_loop() -> None:
    nlg = TranslatedNLG()
    words = "how do I extend my visa"
    history = [*turn(nlg, words, FAQ, FEEDBACK), UserUttered(words)]
    assert generate(nlg, FAQ, tracker_of(history))["text"] == bot(nlg, FAQ).text


def test_other_words_between_are_no_loop() -> None:
    nlg = TranslatedNLG()
    history = [*turn(nlg, "tell me about 12345", FAQ, FEEDBACK), *turn(nlg, "what is 12345", FAQ, FEEDBACK),
               UserUttered("tell me about 12345")]
    assert generate(nlg, FAQ, tracker_of(history))["text"] == bot(nlg, FAQ).text


def test_buttons_pressed_again_are_no_loop() -> None:
    nlg = TranslatedNLG()
    press = '/choose_category{"appeal_category": "street_light_out"}'
    history = [*turn(nlg, press, FAQ, FEEDBACK), *turn(nlg, press, FAQ, FEEDBACK), UserUttered(press)]
    assert generate(nlg, FAQ, tracker_of(history))["text"] == bot(nlg, FAQ).text


def test_one_message_three_times_in_a_row_is_replaced() -> None:
    nlg = TranslatedNLG()
    history = [*turn(nlg, "hm", "utter_ask_appeal_location"), *turn(nlg, "hmm", "utter_ask_appeal_location"),
               UserUttered("hmmm")]
    answer = generate(nlg, "utter_ask_appeal_location", tracker_of(history))
    assert answer == nlg.catalog.render(LOOP_BREAKER, "en", {"language": "en"})


def test_one_response_asking_a_new_question_is_no_loop() -> None:
    nlg = TranslatedNLG()
    asked = "Is anyone in immediate danger right now?"
    history = [BotUttered(asked, metadata={"utter_action": "msg_ask_appeal_attribute"}), UserUttered("say again"),
               BotUttered(asked, metadata={"utter_action": "msg_ask_appeal_attribute"}), UserUttered("yes, kids")]
    answer = asyncio.run(nlg.generate("msg_ask_appeal_attribute", tracker_of(history), "rest",
                                      question="Exact location (building, floor, entrance)"))
    assert answer is not None and answer["text"] == "Exact location (building, floor, entrance)"
    again = asyncio.run(nlg.generate("msg_ask_appeal_attribute", tracker_of(history), "rest", question=asked))
    assert again == nlg.catalog.render(LOOP_BREAKER, "en", {"language": "en"})


def test_two_messages_of_one_action_give_one_way_out() -> None:
    """An action's messages are rendered before either reaches the tracker: the second is dropped."""
    nlg = TranslatedNLG()
    history = [*turn(nlg, "hello", "msg_greet_in_form", "utter_ask_appeal_location"),
               *turn(nlg, "hello", "msg_greet_in_form", "utter_ask_appeal_location"), UserUttered("hello")]
    tracker = tracker_of(history)
    first = generate(nlg, "msg_greet_in_form", tracker)
    assert first == nlg.catalog.render(LOOP_BREAKER, "en", {"language": "en"})
    assert generate(nlg, "utter_ask_appeal_location", tracker) is None
    # Another resident's loop in the same moment still gets its way out.
    other = DialogueStateTracker.from_events("someone-else", [SlotSet("language", "en"), *history])
    assert generate(nlg, "msg_greet_in_form", other) == first
