"""NLU component: of several languages a message names, the one it asks for.

"Yes please. But maybe in English, my Chinese is poor" names English and Chinese; the ``language`` slot (filled
from the ``language`` entity of ``switch_language``) took Chinese and the assistant went on in Chinese. A name
said of what the resident cannot do ("my Chinese is poor", "中文不好", "日本語が苦手") is no request; a name after
"in", "用", or before "please", "で" is one. When several names remain and none is asked for, none is kept: the
conversation keeps its language rather than guessing.
"""

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.input_guard import StatelessComponent

LANGUAGE = "language"
NEAR = 16  # characters looked at on each side of a language's name
_ASKED_BEFORE = re.compile(r"(\b(in|into|to|use|speak|switch to|change to|reply in|answer in|write in)\s+"
                           r"|用|说|讲|改成|换成|改为|切换到|切换成)\s*$", re.IGNORECASE)
_ASKED_AFTER = re.compile(r"^\s*(please|pls|plz|instead|吧|可以吗|行吗|でお願い|でおねがい|で話|で対応|でいい"
                          r"|に(して|変え)|で(お願い|いい|大丈夫))", re.IGNORECASE)
_CANNOT_BEFORE = re.compile(r"(\bmy\s+|\b(don'?t|do not|can'?t|cannot) (speak|read|write|understand)\s+"
                            r"|不会(说|讲|看)?|看不懂|听不懂)\s*$", re.IGNORECASE)
_CANNOT_AFTER = re.compile(r"^\s*(is (poor|bad|not good|terrible|weak|limited)|isn'?t (good|great)"
                           r"|不好|不太好|不行|很差|一般|が(苦手|下手|できない|できません|わからない|分からない|話せない|読めない)"
                           r"|は(苦手|できません|話せません))", re.IGNORECASE)


def _asked(text: str, start: int, end: int) -> bool | None:
    """True when the name at [start, end) is asked for, False when it is said of what the resident cannot do."""
    before, after = text[max(0, start - NEAR):start], text[end:end + NEAR]
    if _CANNOT_BEFORE.search(before) or _CANNOT_AFTER.search(after):
        return False
    if _ASKED_BEFORE.search(before) or _ASKED_AFTER.search(after):
        return True
    return None


def requested_languages(text: str, entities: list[dict[str, Any]]) -> set[str] | None:
    """The values of the ``language`` entities to keep (None: keep them all, a single language is named)."""
    named = [e for e in entities if e.get("entity") == LANGUAGE]
    if len({e.get("value") for e in named}) < 2:
        return None
    verdicts = [(e.get("value"), _asked(text, int(e.get(ENTITY_ATTRIBUTE_START, 0)),
                                        int(e.get(ENTITY_ATTRIBUTE_END, 0)))) for e in named]
    asked = {value for value, verdict in verdicts if verdict is True}
    if asked:
        return {str(v) for v in asked}
    left = {value for value, verdict in verdicts if verdict is not False}
    return {str(v) for v in left} if len(left) == 1 else set()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageRequest(StatelessComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = list(message.get(ENTITIES) or [])
            keep = requested_languages(message.get(TEXT) or "", entities)
            if keep is None:
                continue
            message.set(ENTITIES, [e for e in entities if e.get("entity") != LANGUAGE or e.get("value") in keep],
                        add_to_output=True)
        return messages
