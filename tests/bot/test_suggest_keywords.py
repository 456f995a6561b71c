"""Keywords in the category suggester (bot/suggest.py): Latin ones at a word start, CJK ones anywhere, each pattern
compiled once however many keywords the taxonomy has."""

import pytest

from bot.suggest import _keyword_in, _word_start_pattern


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
