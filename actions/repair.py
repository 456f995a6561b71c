"""Conversation repair inside the forms (appeal, call-back, survey), in zh, en and ja.

Every message that arrives while a form waits for an answer is first judged against the question
asked (``decide``): an answer goes to the slot's validator; a question or remark about something
else (a policy question, "where is my appeal", "are you a bot?", thanks, a language switch) is
answered and the same question asked again, with nothing stored; "say that again" asks again; a
polite "no thanks" skips an optional question, and for a required one says why it is needed and
offers a way out; a correction in the resident's own words changes the answer it names; "cancel"
drops the form (after a confirmation when the appeal already holds answers); an emergency or a
request for a person is handed to the rules (data/rules.yml), which end or switch the form.

A validator that refuses an answer explains what is needed in one message and marks the question
explained, so the form does not ask it a second time in the same turn (``AskQuestion``); after two
refusals in a row the explanation offers a way out (a call-back, or cancelling).
"""

import inspect
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import phone_in_text
from actions.status import list_tickets
from bot.repair import (
    asks_about_the_question,
    asks_for_a_person,
    cancels_the_appeal,
    carries_on,
    declines_contact,
    has_cancel_cue,
    holds_on,
    is_courtesy,
    is_question,
    is_short,
    is_wish_or_request,
    names_the_appeal,
    refuses_a_number,
    refuses_to_answer,
    withdraws_the_appeal,
)
from bot.short_replies import Reply, normalised, opening_reply, sentence_reply, short_reply

REQUESTED_SLOT = "requested_slot"
LANGUAGE = "language"
EXPLAINED = "question_explained"  # the question a validator has just explained (and so asked) again
FAILURES = "repair_failures"  # {"slot": <name>, "count": <refusals in a row>}
WAY_OUT_AFTER = 2
# Refusals in a row after which a form stops asking a question it can do without (an optional one is left
# out; a multiple-choice follow-up is noted as "not sure"): the way out was offered and did not help.
GIVE_UP_AFTER = 4
# Intents that are about something else: answered, then the form's question again. (``out_of_scope``
# is not one: inside a form it is mostly an answer the model did not expect, for the validator to judge.)
INTERRUPTIONS = frozenset({"faq", "check_status", "bot_challenge", "greet", "thanks", "switch_language",
                           "ask_question", "goodbye"})
# Intents the rules handle by ending or switching the form.
ROUTED = frozenset({"emergency", "request_human"})
MIN_INTERRUPTION_CONFIDENCE = 0.6
# Questions that may stand behind a question typed at a multiple-choice question (Turn.asking_instead).
ASKED_INSTEAD = ("check_status", "bot_challenge")
MIN_RANKED_INTERRUPTION = 0.25
MIN_ASKED_TOPIC_CONFIDENCE = 0.6
DANGER_WORDING_CONFIDENCE = 1.0  # what nlu/emergency_guard.py gives an emergency it found danger wording in
SURE_EMERGENCY = 0.8  # below, the classifier's emergency does not take an answer to a short question away
MIN_CANCEL_CONFIDENCE = 0.5
SURE_FAQ_CONFIDENCE = 0.9  # a policy "question" without a question mark or word needs this much
SOCIAL_REPLIES = {Reply.THANKS: "thanks", Reply.GREETING: "greet", Reply.GOODBYE: "goodbye"}


class Kind(str, Enum):
    TEXT = "text"  # free text: a description, a topic, a comment
    PLACE = "place"
    CHOICE = "choice"  # buttons, or their words: a category, a category's question, a rating
    YES_NO = "yes_no"
    PHONE = "phone"


@dataclass(frozen=True)
class Question:
    kind: Kind
    optional: bool = False


class Move(str, Enum):
    ANSWER = "answer"
    INTERRUPT = "interrupt"
    REPEAT = "repeat"
    SKIP = "skip"
    CANCEL = "cancel"
    CORRECT = "correct"
    ROUTE = "route"  # emergency, a person: the rules take over


@dataclass(frozen=True)
class Turn:
    """The resident's latest message as the repair sees it."""

    text: str
    intent: str | None
    confidence: float
    reply: Reply | None
    ranking: tuple[tuple[str, float], ...] = ()  # the classifier's intents, best first
    topic_confidence: float = 0.0  # how sure the policy answer selected for the message is

    @property
    def is_payload(self) -> bool:
        return self.text.startswith("/")

    @classmethod
    def of(cls, tracker: Tracker) -> "Turn":
        message = tracker.latest_message or {}
        text = str(message.get("text") or "").strip()
        intent = message.get("intent") or {}
        ranking = tuple((str(r.get("name")), float(r.get("confidence") or 0.0))
                        for r in message.get("intent_ranking") or [] if r.get("name"))
        topic = ((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return cls(text=text, intent=intent.get("name"), confidence=float(intent.get("confidence") or 0.0),
                   reply=None if text.startswith("/") else short_reply(text), ranking=ranking,
                   topic_confidence=float(topic.get("confidence") or 0.0))

    def asking_instead(self) -> "Turn | None":
        """A question at a multiple-choice question that the classifier also read as a status or "are you a
        bot?" question ("btw, did anything ever happen with the lamp I reported?": report 0.63, status 0.35):
        that question, for choices are never asked with a question."""
        if self.is_payload or not is_question(self.text) or (
                self.intent in INTERRUPTIONS and self.confidence >= MIN_INTERRUPTION_CONFIDENCE):
            return None
        # A policy question too, when its answer is sure ("北京の暖房費って、会社が負担してくれるものなんでしょうか？":
        # faq 0.57, heating 0.65).
        name, confidence = next(((n, c) for n, c in self.ranking if n in ASKED_INSTEAD or (
            n == "faq" and self.topic_confidence >= MIN_ASKED_TOPIC_CONFIDENCE)), ("", 0.0))
        if confidence < MIN_RANKED_INTERRUPTION:
            return None
        # Sure enough to interrupt: the question form and the ranking agree.
        return Turn(text=self.text, intent=name, confidence=max(confidence, MIN_INTERRUPTION_CONFIDENCE),
                    reply=self.reply, ranking=self.ranking, topic_confidence=self.topic_confidence)


def decide(turn: Turn, question: Question, *, is_correction: bool = False) -> Move:
    """What the message does to the question asked (see the module's docstring)."""
    if turn.intent == "emergency" and not turn.is_payload and turn.confidence < DANGER_WORDING_CONFIDENCE:
        # The classifier alone (no danger wording, nlu/emergency_guard.py): "someone must have beaten me to it,
        # so you can drop my report" withdraws; a short answer's "so a lot of people" is an answer.
        if withdraws_the_appeal(turn.text):
            return Move.CANCEL
        # At a multiple-choice question, the classifier alone never routes: "too many people crammed into one rented
        # flat" is words for a category, judged by the validator.
        if question.kind is Kind.TEXT or (turn.confidence >= SURE_EMERGENCY and question.kind is not Kind.CHOICE):
            return Move.ROUTE
    elif turn.intent == "emergency":
        return Move.ROUTE
    # "Actually, on second thought I'd rather not give my number": a refusal, however it opens.
    if not turn.is_payload and question.optional and not withdraws_the_appeal(turn.text) and (
            # the whole message declines ("やめておきます"): this question only (at a yes/no one: the no)
            (turn.reply is Reply.DECLINE and question.kind is not Kind.YES_NO)
            or (question.kind in (Kind.PHONE, Kind.YES_NO) and declines_contact(turn.text))
            or (question.kind is Kind.PHONE and refuses_a_number(turn.text))
            # "いいえ、けっこうです。電話だと耳が遠いもので…" (read as a request for a person): a no, whatever follows
            or (question.kind is Kind.YES_NO and opening_reply(turn.text) in (Reply.NO, Reply.DECLINE)
                and not asks_for_a_person(turn.text))):
        return Move.SKIP
    # "手机号就不留了吧，我就是个路过的" when a call-back needs the number: why it is needed, and the ways out
    if not turn.is_payload and question.kind is Kind.PHONE and not question.optional \
            and not phone_in_text(turn.text) and turn.reply is None and is_short(turn.text, words=15, cjk_chars=30) \
            and (refuses_a_number(turn.text) or declines_contact(turn.text)):
        return Move.SKIP
    if not turn.is_payload and cancels_the_appeal(turn.text):  # "この申告は取り消してください", whatever was asked
        return Move.CANCEL
    # "13910572286，中午十二点到一点打最好" (read as a greeting), "15810937264. It's my number, not my dad's" (read as
    # a correction), "電話は妻にお願いします。13911086732" (read as asking for a person): the number
    if question.kind is Kind.PHONE and not turn.is_payload and phone_in_text(turn.text) \
            and turn.intent != "emergency" and not (turn.intent == "request_human" and asks_for_a_person(turn.text)):
        return Move.ANSWER
    if is_correction and not turn.is_payload:  # "change the phone number to ..." is no request for a person
        return Move.CORRECT
    if turn.intent == "request_human" and not turn.is_payload and carries_on(turn.text):
        return Move.REPEAT  # "转个人工？……算了，你接着问吧": the question again
    if turn.intent == "request_human" and question.kind is Kind.YES_NO and not turn.is_payload \
            and not asks_for_a_person(turn.text):
        return Move.ANSWER  # "打我电话吧" to "may the department call you?": a yes, not a call-back from the hotline
    if turn.intent == "request_human" and question.kind is Kind.CHOICE and not turn.is_payload \
            and not asks_for_a_person(turn.text):
        return Move.ANSWER  # "流浪人员救助" (homeless people: help) typed for a category, read as asking for a person
    if turn.intent in ROUTED - {"emergency"}:  # emergencies are decided above
        return Move.ROUTE
    if turn.is_payload:  # a button: its intent says what it is
        if turn.intent == "cancel":
            return Move.CANCEL
        if turn.intent == "deny" and question.optional:
            return Move.SKIP
        if turn.intent in INTERRUPTIONS:
            return Move.INTERRUPT
        return Move.ANSWER
    if turn.reply is Reply.REPEAT or turn.intent == "repeat" or holds_on(turn.text):
        return Move.REPEAT  # "say that again", or "sec, typing w one hand on the bus": the question again
    if question.kind is Kind.YES_NO and turn.reply in (Reply.YES, Reply.NO, Reply.OK, Reply.DONT_KNOW):
        return Move.ANSWER  # "不晓得" (read as a deny) decides nothing: the question is asked again
    if question.kind is Kind.YES_NO and turn.reply is Reply.DECLINE:  # "no thanks": a no, or not this at all
        return Move.ANSWER if question.optional else Move.SKIP
    if turn.reply is Reply.DECLINE or (question.optional and turn.reply is Reply.NO):
        return Move.SKIP
    # "My keyboard broke, so I'll go on in English. Yes, you can call me": the yes answers, the rest is talk;
    # "Yes please. But maybe in English": the yes answers, the language is switched by its slot.
    if question.kind is Kind.YES_NO and not turn.is_payload and turn.intent != "cancel" \
            and (sentence_reply(turn.text) is not None or language_request_reply(turn) is not None):
        return Move.ANSWER
    # "No thanks, I'd rather not leave my number": no to this question, not to the whole appeal.
    # Only a short refusal that asks nothing: "nobody came, no one called", "なぜ電話番号が必要なんですか？" and "my
    # lease got cancelled by the landlord" (read as deny or cancel) refuse nothing.
    if question.optional and turn.intent in ("deny", "cancel") and not names_the_appeal(turn.text) \
            and is_short(turn.text) and not is_question(turn.text) and not asks_about_the_question(turn.text) \
            and (turn.reply is not None or refuses_to_answer(turn.text) or has_cancel_cue(turn.text)
                 or declines_contact(turn.text)):
        return Move.SKIP
    if turn.intent == "deny" and turn.confidence >= MIN_INTERRUPTION_CONFIDENCE and question.kind is not Kind.YES_NO \
            and refuses_to_answer(turn.text):
        return Move.SKIP  # "no, I'd rather not say": declines this question ("燃气表充值不到账" only has a 不)
    if turn.intent == "cancel" and turn.confidence >= MIN_CANCEL_CONFIDENCE and not is_wish_or_request(turn.text):
        return Move.CANCEL
    if turn.reply in SOCIAL_REPLIES:
        return Move.INTERRUPT
    if turn.intent in INTERRUPTIONS and turn.confidence >= MIN_INTERRUPTION_CONFIDENCE \
            and has_its_words(turn, question):
        return Move.INTERRUPT
    return Move.ANSWER


def has_its_words(turn: Turn, question: Question) -> bool:
    """Whether a message the classifier read as something else also says it in words; else it is an answer for the
    validator to judge: "whenever" (a policy question?), "2か月前に申請しました" at "how widespread?" (a status
    question?), "Tuesday morning", "still going, they are there every day" (greetings?)."""
    short_answer = question.kind in (Kind.PLACE, Kind.PHONE, Kind.CHOICE)
    if turn.intent == "faq":
        return is_question(turn.text) or (turn.confidence >= SURE_FAQ_CONFIDENCE and not short_answer)
    if turn.intent == "check_status":
        return is_question(turn.text) or question.kind is not Kind.CHOICE
    if turn.intent in ("greet", "goodbye"):  # "ここ1週間毎晩です、きのうは11時半ごろでした" (a goodbye?) answers
        return is_courtesy(turn.text)
    return True


def language_before_message(tracker: Tracker) -> str | None:
    """The conversation's language before the latest message set it (None when it did not change it)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == LANGUAGE:
            return str(event.get("value")) if event.get("value") else None
    return None


def yes_or_no_of(turn: Turn) -> bool | None:
    """The yes (True) or no (False) a message gives: a bare reply, the yes or no a sentence opens with, one
    sentence's yes or no, then the model's affirm or deny; None when it gives neither."""
    reply = turn.reply or (None if turn.is_payload else opening_reply(turn.text) or sentence_reply(turn.text)
                           or language_request_reply(turn))
    if reply in (Reply.YES, Reply.OK):
        return True
    if reply in (Reply.NO, Reply.DECLINE):
        return False
    # The model's affirm or deny, for a message that is one in other words ("sure thing, go ahead", "甭打了"); a
    # sentence about the problem ("no one has fixed it yet": affirm 0.61) says neither.
    sure = turn.confidence >= SURE_YES_NO or (
        turn.confidence >= 0.5 and is_short(turn.text, words=FEW_WORDS, cjk_chars=FEW_CJK_CHARS))
    if reply is None and sure and turn.intent in ("affirm", "deny"):
        return turn.intent == "affirm"
    return None


def language_request_reply(turn: Turn) -> Reply | None:
    """"Yes please. But maybe in English, my Chinese is poor": the yes or no before a request for a language (the
    "but" turns the language, not the answer)."""
    if turn.intent != "switch_language" or turn.is_payload:
        return None
    return opening_reply(turn.text, turned_by_contrast=False)


SURE_YES_NO = 0.85  # the model's affirm or deny for a message longer than a few words
FEW_WORDS, FEW_CJK_CHARS = 3, 8  # a message this short that the model calls affirm or deny is one


def said_again(tracker: Tracker) -> bool:
    """Whether the resident's latest message repeats the one before it, word for word (typed, not a button)."""
    texts: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            texts.append(str(event.get("text") or "").strip())
            if len(texts) == 2:
                break
    return len(texts) == 2 and not texts[0].startswith("/") and bool(normalised(texts[0])) \
        and normalised(texts[0]) == normalised(texts[1])


def follows_user_message(tracker: Tracker) -> bool:
    """Whether the form runs on a fresh message (not on its return after an interruption or at its start).

    The form's validation sees the conversation as ``..., <last action or user message>, <the form>,
    <slot candidates>``: the form was called right after the resident spoke when a user message
    comes before the form's own action.
    """
    seen_form = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return seen_form
        if kind == "action":
            if not seen_form:
                seen_form = True
                continue
            return bool(event.get("name") == "action_listen")
    return False


async def answer_interruption(dispatcher: CollectingDispatcher, tracker: Tracker, turn: Turn) -> None:
    """Answers a message about something else, in the middle of a form."""
    intent = SOCIAL_REPLIES.get(turn.reply, turn.intent) if turn.reply in SOCIAL_REPLIES else turn.intent
    if intent == "faq":
        selector = ((tracker.latest_message or {}).get("response_selector") or {}).get("faq") or {}
        utter = (selector.get("response") or {}).get("utter_action")
        dispatcher.utter_message(response=str(utter) if utter else "utter_ask_question_prompt")
    elif intent == "check_status":
        await list_tickets(dispatcher, tracker)
    elif intent == "bot_challenge":
        dispatcher.utter_message(response="msg_iamabot_in_form")
    elif intent == "thanks":
        dispatcher.utter_message(response="utter_youre_welcome")
    elif intent == "greet":
        dispatcher.utter_message(response="msg_greet_in_form")
    elif intent == "switch_language":
        dispatcher.utter_message(response="utter_language_switched")
    elif intent == "ask_question":
        dispatcher.utter_message(response="msg_ask_question_in_form")
    elif intent == "goodbye":
        dispatcher.utter_message(response="msg_goodbye_in_form")
    else:
        dispatcher.utter_message(response="utter_out_of_scope")


def failures(tracker: Tracker, slot: str) -> int:
    record = tracker.get_slot(FAILURES) or {}
    return int(record.get("count", 0)) if isinstance(record, dict) and record.get("slot") == slot else 0


def ask_again(slot: str) -> list[EventType]:
    """Nothing stored; the form asks ``slot`` again."""
    return [SlotSet(slot, None), SlotSet(REQUESTED_SLOT, slot)]


class RepairingFormValidation(FormValidationAction, ABC):
    """A form's validation with repair first (``decide``); subclasses name their questions."""

    @abstractmethod
    def name(self) -> str:
        """``validate_<form>``."""

    QUESTIONS: ClassVar[dict[str, Question]] = {}
    # What a required question is for, and what to do instead (a response per slot).
    WHY_NEEDED: ClassVar[dict[str, str]] = {}
    # After two refused answers in a row: the ways out of a required question.
    WAY_OUT: ClassVar[str] = "msg_way_out"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        if not requested or not follows_user_message(tracker) or tracker.active_loop.get("name") != self.form_name():
            plain: list[EventType] = await super().run(dispatcher, tracker, domain)
            return plain
        turn = Turn.of(tracker)
        question = self.QUESTIONS.get(requested, Question(Kind.TEXT))
        if question.kind is Kind.CHOICE:
            turn = turn.asking_instead() or turn
        events = await self.repaired(requested, question, turn, dispatcher, tracker, domain)
        # An address or a number is no choice of language ("sorry, I only have it in Chinese: 朝阳区…"):
        # the conversation goes on in the language it had.
        kept = language_before_message(tracker)
        if question.kind in (Kind.PLACE, Kind.PHONE) and turn.intent != "switch_language" and kept \
                and kept != tracker.get_slot(LANGUAGE):
            events = [SlotSet(LANGUAGE, kept), *events]
        return events

    async def repaired(self, requested: str, question: Question, turn: Turn, dispatcher: CollectingDispatcher,
                       tracker: Tracker, domain: DomainDict) -> list[EventType]:
        special = await self.before_repair(requested, turn, dispatcher, tracker, domain)
        if special is not None:
            return special
        if requested in self.WHY_NEEDED and not turn.is_payload and turn.intent not in ROUTED \
                and asks_about_the_question(turn.text) and not cancels_the_appeal(turn.text):
            # "Why you need my address? The problem is the company": what the question is for, and it again.
            dispatcher.utter_message(response=self.WHY_NEEDED[requested])
            return [*ask_again(requested), SlotSet(EXPLAINED, requested)]
        move = decide(turn, question, is_correction=self.is_correction(turn, tracker))
        if move is Move.INTERRUPT and said_again(tracker):
            move = Move.ANSWER  # the same words again after they were taken for something else: they are the answer
        if move is Move.ANSWER:
            said_before = len(dispatcher.messages)
            if turn.is_payload:  # a button: Rasa's slot mappings read its intent and entities
                events = await super().run(dispatcher, tracker, domain)
            elif question.kind is Kind.YES_NO:
                events = await self.yes_or_no(requested, turn, dispatcher, tracker, domain)
            else:
                # Typed words answer the question whatever intent the model gave them (a street name
                # taken for "cancel" is still the street): the slot's validator judges them.
                events = await self.answer(requested, turn.text, dispatcher, tracker, domain)
            return await self.count_refusal(requested, events, dispatcher, tracker, domain, said_before)
        if move is Move.ROUTE:
            return [ActionExecutionRejected(self.form_name())]
        if move is Move.INTERRUPT:
            await answer_interruption(dispatcher, tracker, turn)
            return ask_again(requested)
        if move is Move.REPEAT:
            return ask_again(requested)
        if move is Move.SKIP:
            return await self.skip(requested, question, dispatcher, tracker, domain)
        if move is Move.CANCEL:  # what Rasa took from the message for the question asked goes too
            return [SlotSet(requested, None), *await self.cancel(dispatcher, tracker, domain)]
        return await self.correct(turn, requested, dispatcher, tracker, domain)

    # ---- hooks for the forms ----

    async def before_repair(self, requested: str, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> list[EventType] | None:
        """A form's own handling of a question that is not an ordinary one (a confirmation); None: go on."""
        return None

    def is_correction(self, turn: Turn, tracker: Tracker) -> bool:
        return False

    async def correct(self, turn: Turn, requested: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType]:
        return ask_again(requested)

    async def skip(self, requested: str, question: Question, dispatcher: CollectingDispatcher, tracker: Tracker,
                   domain: DomainDict) -> list[EventType]:
        """A required question declined: why it is needed, and the ways out."""
        dispatcher.utter_message(response=self.WHY_NEEDED.get(requested, "msg_required_question"))
        return [*ask_again(requested), SlotSet(EXPLAINED, requested)]

    async def cancel(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """By default the rules cancel (``intent: cancel`` under the form's ``active_loop``)."""
        return [ActionExecutionRejected(self.form_name())]

    # ---- answering outside Rasa's extraction ----

    async def answer(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> list[EventType]:
        """``value`` for ``slot`` through the slot's validator, as if the form had extracted it."""
        result: dict[str, Any] = {slot: value}
        method = getattr(self, f"validate_{slot}", None)
        if method is not None:
            validated = method(value, dispatcher, tracker, domain)
            result = await validated if inspect.isawaitable(validated) else validated
        return await self.settle([SlotSet(name, v) for name, v in result.items()], dispatcher, tracker, domain)

    async def yes_or_no(self, slot: str, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> list[EventType]:
        """"いいえ、結構です", "不用了", "yes please", "sure, you can call me": the words decide (a bare reply,
        then the yes or no a sentence opens with), then the model's affirm or deny."""
        said = yes_or_no_of(turn)
        if said is not None:
            return await self.answer(slot, said, dispatcher, tracker, domain)
        dispatcher.utter_message(response="msg_answer_yes_or_no")
        return [*ask_again(slot), SlotSet(EXPLAINED, slot)]

    async def settle(self, events: list[EventType], dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> list[EventType]:
        """``events`` plus the next question (for forms that choose it themselves; Rasa does for the others)."""
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return [*events, next_slot] if next_slot else events

    # ---- refusals ----

    async def count_refusal(self, requested: str, events: list[EventType], dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: DomainDict, said_before: int) -> list[EventType]:
        """After a validator refused the answer: count it; from the second refusal in a row, the way out
        replaces the validator's explanation (one message, never the same one three times); after
        ``GIVE_UP_AFTER``, a question the form can do without is no longer asked (``give_up``)."""
        slot_events = [e for e in events if e.get("event") == "slot" and e.get("name") != REQUESTED_SLOT]
        if not slot_events:
            return events  # nothing taken from the message: Rasa rejects the form and the rules answer it
        # Refused: the question's slot stays empty and nothing else was taken (an unknown place kept for
        # the resident to confirm is no refusal).
        refused = any(e.get("name") == requested and e.get("value") is None for e in slot_events) and not any(
            e.get("value") not in (None, "", {}, []) and e.get("name") not in (EXPLAINED, FAILURES)
            for e in slot_events)
        if not refused:
            return [*events, SlotSet(FAILURES, None)]
        count = failures(tracker, requested) + 1
        if count >= GIVE_UP_AFTER:
            explanation = dispatcher.messages[said_before:]
            del dispatcher.messages[said_before:]
            given_up = await self.give_up(requested, dispatcher, tracker, domain)
            if given_up is not None:
                return [SlotSet(FAILURES, None), *given_up]
            dispatcher.messages.extend(explanation)
        extra: list[EventType] = [SlotSet(FAILURES, {"slot": requested, "count": count})]
        if count % WAY_OUT_AFTER == 0:  # explanation and way out alternate, never three alike
            optional = self.QUESTIONS.get(requested, Question(Kind.TEXT)).optional
            del dispatcher.messages[said_before:]
            dispatcher.utter_message(response="msg_way_out_optional" if optional else self.WAY_OUT)
            extra.append(SlotSet(EXPLAINED, requested))
        return [*events, *extra]

    async def give_up(self, requested: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType] | None:
        """What stops asking ``requested`` after ``GIVE_UP_AFTER`` refused answers, None to keep asking: an
        optional question is left out, as if declined."""
        question = self.QUESTIONS.get(requested, Question(Kind.TEXT))
        if not question.optional:
            return None
        return await self.skip(requested, question, dispatcher, tracker, domain)


class AskQuestion(Action, ABC):
    """``action_ask_<slot>``: asks the form's question, unless a validator just explained it this turn.

    An explanation ("that doesn't look like a phone number: please type 5 to 20 digits") already asks;
    asking again in the same turn would be a second message saying the same thing. Subclasses name the
    slot (``SLOT``) and the action; the response is ``utter_ask_<slot>`` unless ``RESPONSE`` says otherwise.
    """

    SLOT: ClassVar[str]
    RESPONSE: ClassVar[str | None] = None

    @abstractmethod
    def name(self) -> str:
        """``action_ask_<SLOT>``."""

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        dispatcher.utter_message(response=self.RESPONSE or f"utter_ask_{self.SLOT}")
        return []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot(EXPLAINED) == self.SLOT and _explained_this_turn(tracker):
            return [SlotSet(EXPLAINED, None)]
        events = await self.ask(dispatcher, tracker)
        return [*events, SlotSet(EXPLAINED, None)] if tracker.get_slot(EXPLAINED) else events


def _explained_this_turn(tracker: Tracker) -> bool:
    """Whether ``question_explained`` was set after the resident's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == EXPLAINED and event.get("value"):
            return True
    return False


_KEEP_GOING = re.compile(r"(不取消|别取消|不要取消|先别取消|继续|接着|取り消さない|取り消しません|続け|"
                         r"don'?t cancel|do not cancel|keep (it|going)|continue|go on|carry on)", re.IGNORECASE)


def said_no(turn: Turn) -> bool:
    """No (to "cancel this appeal?" and the like), including "don't cancel", "继续", "続けます"."""
    return turn.reply in (Reply.NO, Reply.DECLINE) or turn.intent == "deny" or bool(_KEEP_GOING.search(turn.text))


def is_cancel_reply(turn: Turn) -> bool:
    """Yes to "cancel this appeal?" (asked before): "yes", "取消吧", "キャンセルで"; never a "don't cancel"."""
    if _KEEP_GOING.search(turn.text):
        return False
    if not turn.is_payload and cancels_the_appeal(turn.text):  # "はい、出さないでください": a yes, in the words
        return True
    if not turn.is_payload and Reply.YES in (turn.reply, opening_reply(turn.text)):  # "确定，不用了": the yes first
        return True
    if said_no(turn):
        return False
    return turn.intent == "cancel" or turn.reply is Reply.YES or (turn.intent == "affirm" and turn.reply is None)

