"""nlu/language_request.py: of several languages a message names, only the one it asks for fills the slot."""

import re

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.language_request import LanguageRequest, requested_languages

NAMES = (("en", "English"), ("zh", "Chinese|中文|中国語"), ("ja", "Japanese|日本語"))


def _entities(text: str) -> list[dict[str, object]]:
    return [{"entity": "language", "value": code, "start": m.start(), "end": m.end()}
            for code, pattern in NAMES for m in re.finditer(pattern, text)]


@pytest.mark.parametrize("text, kept", [
    ("Yes please. But maybe in English, my Chinese is poor", {"en"}),
    ("我中文不好，用日本語可以吗", {"ja"}),
    ("中文不好，English please", {"en"}),
    ("日本語でお願いします。中国語が苦手です", {"ja"}),
    ("Chinese or English, whatever", set()),  # nothing asked: the conversation keeps its language
])
def test_the_language_asked_for_is_kept(text: str, kept: set[str]) -> None:
    assert requested_languages(text, _entities(text)) == kept


def test_a_single_language_is_left_alone() -> None:
    assert requested_languages("English please", _entities("English please")) is None


def test_the_component_drops_the_other_names_only() -> None:
    text = "Yes please. But maybe in English, my Chinese is poor"
    message = Message(data={"text": text, "entities": [*_entities(text), {"entity": "field", "value": "phone"}]})
    LanguageRequest().process([message])
    assert [e["value"] for e in message.get("entities")] == ["en", "phone"]
