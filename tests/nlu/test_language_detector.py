"""nlu.language: the detected language is tagged only when the text tells."""

from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.language import ENTITY, LanguageDetector


def _tagged(text: str) -> str | None:
    [message] = LanguageDetector().process([Message(data={TEXT: text})])
    found = [e["value"] for e in message.get(ENTITIES) or [] if e["entity"] == ENTITY]
    return found[0] if found else None


def test_each_language_that_tells_is_tagged() -> None:
    assert _tagged("楼下的路灯坏了一个星期") == "zh"
    assert _tagged("街灯が一週間ついていません") == "ja"
    assert _tagged("the street light is out") == "en"


def test_an_address_both_languages_write_keeps_the_conversations_language() -> None:
    assert _tagged("北京市海淀区万柳地区万泉河路68号") is None
    assert _tagged("我家在北京市海淀区万柳地区万泉河路68号") == "zh"  # a Chinese sentence around it
