"""Rasa NLG that answers in the conversation's language (the ``language`` slot).

Configured in endpoints.yml as ``nlg: type: assistant.nlg.TranslatedNLG``. Actions and
rules speak in response names; this class turns a name into text from the catalogue.

Two conversation-wide guards live here because every message passes through them:
- a conversation whose language was never told (only "ok", "thx", "hi there" so far, in Latin
  letters) is answered in English, not in the default Chinese (bot/lang.py);
- the same message is never sent three times in a row, and the same words never get the same
  answer a third time in a row ("ABC, ABC, ABC"): the resident is offered an operator's call-back or
  a fresh start instead (``msg_loop_breaker``), once in the turn.
"""

import logging
from collections import OrderedDict
from typing import Any

from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from assistant import speedups
from bot.lang import Lang, undetermined_latin
from translations.catalog import Catalog, load_catalog

logger = logging.getLogger(__name__)


class TranslatedNLG(NaturalLanguageGenerator):
    """Responses from ``translations/`` in zh, en or ja, filled from slots and action parameters."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None,
                 catalog: Catalog | None = None) -> None:
        self.catalog = catalog or load_catalog()
        # The turns given the way out already. An action's messages are all rendered before any reaches the
        # tracker, so the tracker alone cannot tell the second of them that the first was the way out.
        self._ways_out: OrderedDict[tuple[str, float], None] = OrderedDict()
        if not speedups.applied():
            logger.warning("The assistant was not started with `python -m assistant run`: the speed fixes are off and "
                           "the WeChat and Telegram channels are on only if the credentials file names them.")

    async def generate(self, utter_action: str, tracker: DialogueStateTracker, output_channel: str,
                       **kwargs: Any) -> dict[str, Any] | None:
        language = conversation_language(tracker).value
        slots = {name: slot.value for name, slot in tracker.slots.items()}
        rendered = self.catalog.render(utter_action, language, {**slots, **kwargs})
        if rendered is None or utter_action == LOOP_BREAKER:
            return rendered
        text = rendered.get("text")
        if said_twice_in_a_row(tracker, utter_action, text) or answered_alike_twice(tracker, utter_action, text):
            logger.info("conversation %s: %s would go round in a circle", tracker.sender_id, utter_action)
            if LOOP_BREAKER in this_turns_responses(tracker) or not self._first_way_out(tracker):
                return None  # the way out was offered in this turn already: one is enough
            return self.catalog.render(LOOP_BREAKER, language, slots)
        return rendered

    def _first_way_out(self, tracker: DialogueStateTracker) -> bool:
        """Whether this turn has not had the way out yet (and now has it)."""
        latest = tracker.latest_message
        turn = (tracker.sender_id, float(latest.timestamp) if latest is not None else 0.0)
        if turn in self._ways_out:
            return False
        self._ways_out[turn] = None
        while len(self._ways_out) > WAYS_OUT_REMEMBERED:
            self._ways_out.popitem(last=False)
        return True


LOOP_BREAKER = "msg_loop_breaker"
WAYS_OUT_REMEMBERED = 10_000  # turns; a turn's messages are rendered within moments of each other
HISTORY_LOOKED_AT = 60  # events: enough for a few turns, the cost stays flat however long the history


def conversation_language(tracker: DialogueStateTracker) -> Lang:
    """The ``language`` slot; English while a conversation has only said Latin-letter replies."""
    language = Lang.parse(tracker.get_slot("language"), default=Lang.ZH)
    if language is not Lang.ZH:
        return language
    texts: list[str] = []
    for event in list(tracker.events)[-HISTORY_LOOKED_AT:][::-1]:
        if isinstance(event, SlotSet) and event.key == "language":
            return language  # the language was told (or carried over): keep it
        external = str((event.intent or {}).get("name") or "").startswith("EXTERNAL_") if isinstance(
            event, UserUttered) else False
        if isinstance(event, UserUttered) and event.text and not event.text.startswith("/") and not external:
            texts.append(event.text)
    return Lang.EN if undetermined_latin(texts) else language


def said_twice_in_a_row(tracker: DialogueStateTracker, utter_action: str, text: object) -> bool:
    """Whether the two bot messages before this one were this response, with one same text.

    Notifier events (``EXTERNAL_*``) are news, not a loop; a ticket list's lines differ in text.
    """
    intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
    if utter_action == LOOP_BREAKER or str(intent or "").startswith("EXTERNAL_"):
        return False
    previous: list[BotUttered] = []
    for event in list(tracker.events)[-HISTORY_LOOKED_AT:][::-1]:
        if isinstance(event, BotUttered):
            previous.append(event)
            if len(previous) == 2:
                break
    if len(previous) < 2:
        return False
    names = {(e.metadata or {}).get("utter_action") for e in previous}
    return names == {utter_action} and previous[0].text == previous[1].text == text


def _turns(tracker: DialogueStateTracker) -> list[tuple[str, list[tuple[str, str]]]]:
    """The recent turns: what the resident wrote (normalised) and the (response, text) the bot sent."""
    turns: list[tuple[str, list[tuple[str, str]]]] = []
    for event in list(tracker.events)[-HISTORY_LOOKED_AT:]:
        if isinstance(event, UserUttered):
            turns.append((" ".join(str(event.text or "").split()).lower(), []))
        elif isinstance(event, BotUttered) and turns:
            turns[-1][1].append((str((event.metadata or {}).get("utter_action") or ""), str(event.text or "")))
    return turns


def this_turns_responses(tracker: DialogueStateTracker) -> set[str]:
    turns = _turns(tracker)
    return {name for name, _ in turns[-1][1]} if turns else set()


def answered_alike_twice(tracker: DialogueStateTracker, utter_action: str, text: object) -> bool:
    """Whether the resident's words now were said in the two turns before too, each time answered with
    this same message: a third identical answer would be a loop.

    Notifier events (``EXTERNAL_*``) and buttons ("/...") are not words said again.
    """
    turns = _turns(tracker)
    if len(turns) < 3:
        return False
    words = turns[-1][0]
    if not words or words.startswith("/") or words.startswith("external_"):
        return False
    return all(said == words and (utter_action, str(text)) in sent for said, sent in turns[-3:-1])
