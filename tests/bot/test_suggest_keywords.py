"""Keywords in the category suggester (bot/suggest.py): Latin ones at a word start, CJK ones anywhere, each pattern
compiled once however many keywords the taxonomy has."""

import pytest

from bot.suggest import KeywordFinder, _keyword_in, _word_start_pattern
from bot.taxonomy import load_taxonomy


@pytest.mark.parametrize(("keyword", "text", "found"), [
    ("street light", "the street light is out", True), ("light", "the street light is out", True),
    ("light", "the streetlight is out", False), ("bike", "my e-bike was stolen", True), ("ight", "light", False),
    ("路灯", "门口的路灯坏了", True), ("油烟", "楼下饭店", False), ("Street Light", "the street light is out", True),
])
def test_latin_keywords_start_a_word_and_cjk_keywords_match_anywhere(keyword: str, text: str, found: bool) -> None:
    assert _keyword_in(keyword, text) is found


def test_each_keyword_pattern_is_compiled_once() -> None:
    _word_start_pattern.cache_clear()
    for _ in range(3):
        assert _keyword_in("pothole", "a big pothole on our street")
    info = _word_start_pattern.cache_info()
    assert info.misses == 1 and info.hits == 2


def test_finding_every_keyword_at_once_agrees_with_asking_one_by_one() -> None:
    # The finder replaced 3,000+ checks a suggestion; it must find exactly what each check finds.
    leaves = load_taxonomy().leaves
    texts = [example.lower() for leaf in leaves[::14] for examples in leaf.examples.values() for example in examples]
    texts += ["the streetlight is out", "my e-bike was stolen", "路灯street light坏了", "(noise) at night", ""]
    for language in ("zh", "en", "ja"):
        keywords = {k for leaf in leaves for k in leaf.keywords.get(language, ())} | {"(noise)", "light"}
        finder = KeywordFinder(keywords)
        for text in texts:
            assert finder.found(text) == {k.lower() for k in keywords if _keyword_in(k, text)}, text
