import pytest

from bot.lang import Lang
from translations.detect import detect


@pytest.mark.parametrize("text, expected", [
    ("我的签证快到期了怎么办", Lang.ZH), ("你好", Lang.ZH), ("谢谢", Lang.ZH), ("说中文", Lang.ZH),
    ("How do I extend my visa?", Lang.EN), ("hello", Lang.EN), ("English please", Lang.EN),
    ("ビザの延長はどうすればいいですか", Lang.JA), ("日本語で", Lang.JA), ("東京駅", Lang.JA),
    ("我想问一下visa的事", Lang.ZH), ("Where is 三里屯 police station?", Lang.EN),
])
def test_detects_the_language(text: str, expected: Lang) -> None:
    found = detect(text)
    assert found is not None and found.language is expected, found


@pytest.mark.parametrize("text", ["ok", "5", "住民票", "年金", "🙂", "", "   "])
def test_short_or_ambiguous_text_leaves_the_conversation_language(text: str) -> None:
    assert detect(text) is None


def test_repeatable() -> None:
    assert len({detect("三里屯 police").language for _ in range(20)}) == 1  # type: ignore[union-attr]
