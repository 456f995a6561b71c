"""English words of our own text (translations/data/english_words.txt) spare langdetect for plain English."""

import pytest

from tools.english_words import TARGET, render
from translations.detect import all_known_english, detect


def test_the_word_file_is_built_from_the_current_text() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), "run: python -m tools.english_words"


@pytest.mark.parametrize("text", ["street light broken near my building", "garbage not collected since monday",
                                  "noisy construction site at night", "landlord refuses deposit refund"])
def test_plain_english_in_known_words_needs_no_langdetect(text: str) -> None:
    assert all_known_english(text.split())
    found = detect(text)
    assert found is not None and found.code == "en"


@pytest.mark.parametrize(("text", "code"), [
    ("la lumière de la rue est cassée depuis une semaine devant mon immeuble", "fr"),
    ("die Straßenlaterne vor meinem Haus ist seit einer Woche kaputt", "de"),
    ("el vecino hace mucho ruido todas las noches y no podemos dormir", "es"),
])
def test_other_latin_languages_still_go_to_langdetect(text: str, code: str) -> None:
    assert not all_known_english(text.lower().split())
    found = detect(text)
    assert found is not None and found.code == code and found.language.value == "en"
