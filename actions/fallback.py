"""When the assistant is unsure: ask back with the two likeliest intents, then offer a human.
Also: answers for bad input. The call-back itself is actions/callback.py."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import is_announcement, is_descriptive, language_of, latest_entity, written_language
from actions.me_too import answer_same_case
from actions.other_language import note_other_language
from actions.texts import fragment
from bot.input_check import MAX_MESSAGE_CHARS
from bot.short_replies import Reply, short_reply

# Intents not worth a button: answers to questions, internal ones, and ones needing entities.
NOT_OFFERED = {"nlu_fallback", "bad_input", "affirm", "deny", "choose_category", "inform_attribute",
               "correct_appeal", "EXTERNAL_appeal_filed", "out_of_scope", "switch_language", "inform_phone",
               "share_location", "share_media", "unsupported_message"}
DEFAULT_OPTIONS = ("report_problem", "ask_question")
SAME_BUTTON = {"faq": "ask_question"}
# Set by action_clarify: a message not understood right after a clarifying question that tells something (an
# account, not "ok" or "嗯那个") is taken as the appeal; the rules start it with the message as its description.
TAKEN_AS_APPEAL = "clarified_into_appeal"


def tells_something(text: str) -> bool:
    return not text.startswith("/") and short_reply(text) is None and is_descriptive(text) \
        and not is_announcement(text)


def _already_clarified(tracker: Tracker) -> bool:
    """Whether the bot's previous action (before this user message) was a clarifying question."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") not in ("action_listen", None):
            return bool(event.get("name") == "action_clarify")
    return False


class ActionClarify(Action):
    """First time: "did you mean A or B?" as buttons. Second time in a row: an account is taken as the appeal,
    anything else is offered an appeal or a human."""

    def name(self) -> str:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await self.clarify(dispatcher, tracker, may_take_as_appeal=True)

    async def clarify(self, dispatcher: CollectingDispatcher, tracker: Tracker, *,
                      may_take_as_appeal: bool) -> list[EventType]:
        language = language_of(tracker)
        noted = note_other_language(dispatcher, tracker)
        if _already_clarified(tracker):
            text = str((tracker.latest_message or {}).get("text") or "").strip()
            taken = may_take_as_appeal and tells_something(text)
            dispatcher.utter_message(response="msg_taken_as_appeal" if taken else "msg_offer_human")
            return [*noted, SlotSet(TAKEN_AS_APPEAL, taken)]
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        # A policy question is offered as "ask a question" (its topic is what we did not get).
        likely = [SAME_BUTTON.get(r["name"], r["name"]) for r in ranking if r.get("name") not in NOT_OFFERED]
        options = list(dict.fromkeys([*likely, *DEFAULT_OPTIONS]))[:2]  # always two distinct choices
        labels = [fragment(f"label_{name}", language) for name in options]
        buttons = [{"title": label, "payload": f"/{name}"} for name, label in zip(options, labels, strict=False)]
        dispatcher.utter_message(response="msg_ask_rephrase", option_1=labels[0], option_2=labels[-1],
                                 buttons=buttons)
        return [*noted, SlotSet(TAKEN_AS_APPEAL, False)]


class ActionExplainBadInput(Action):
    def name(self) -> str:
        return "action_explain_bad_input"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        problem = latest_entity(tracker, "input_problem") or "unreadable"
        dispatcher.utter_message(response=f"msg_bad_input_{problem}", max_chars=MAX_MESSAGE_CHARS)
        return []


class ActionBareReply(Action):
    """"yes" or "no thanks" when nothing was asked: what can I do for you, or a short polite close.

    Only for a reply the words make (bot/short_replies.py): anything else the model took for yes or no
    (a sentence in Korean, "嗯那个") is asked back like any message not understood.
    """

    def name(self) -> str:
        return "action_bare_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        answered = await answer_same_case(dispatcher, tracker)  # yes or no to "is it the same problem as ...?"
        if answered is not None:
            return answered
        reply = short_reply(str((tracker.latest_message or {}).get("text") or ""))
        if reply is None or written_language(tracker):
            return await ActionClarify().clarify(dispatcher, tracker, may_take_as_appeal=False)
        if reply in (Reply.NO, Reply.DECLINE, Reply.GOODBYE):
            dispatcher.utter_message(response="utter_polite_close")
        else:
            dispatcher.utter_message(response="utter_what_else")
        return []
