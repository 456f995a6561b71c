import pytest

from bot.errors import InvalidText
from bot.lang import Lang
from bot.redact import redact
from bot.text import clean_text


def test_nfkc_and_control_characters() -> None:
    assert clean_text("  ＡＢＣ１２３\x00\u200b垃圾 ", field="d", max_chars=50) == "ABC123垃圾"


def test_length_and_type_limits() -> None:
    with pytest.raises(InvalidText, match="at most 5"):
        clean_text("123456", field="d", max_chars=5)
    with pytest.raises(InvalidText, match="empty"):
        clean_text("   ", field="d", max_chars=5)
    with pytest.raises(InvalidText, match="text"):
        clean_text(12, field="d", max_chars=5)


@pytest.mark.parametrize(
    "text, gone, tag",
    [
        ("请联系我13812345678谢谢", "13812345678", "[phone]"),
        ("call +86 138 1234 5678 please", "138 1234 5678", "[phone]"),
        ("座机010-65123456", "65123456", "[phone]"),
        ("身份证号110105199001011234", "110105199001011234", "[id]"),
        ("ID 11010519900101123X here", "11010519900101123X", "[id]"),
        ("passport E12345678", "E12345678", "[id]"),
        ("mail me: li.lei+12345@example.com.cn", "example.com", "[email]"),
        ("電話は090-1234-5678です", "1234-5678", "[phone]"),
    ],
)
def test_redacts_personal_data(text: str, gone: str, tag: str) -> None:
    redacted = redact(text)
    assert gone not in redacted and tag in redacted


def test_keeps_ordinary_numbers() -> None:
    text = "朝阳区工体北路8号院3号楼, 2026年11月22日, 12345热线, 第12路公交"
    assert redact(text) == text


def test_language_tags() -> None:
    assert Lang.parse("zh-CN") is Lang.ZH and Lang.parse("en_US") is Lang.EN
    assert Lang.parse("fr", default=Lang.ZH) is Lang.ZH
    with pytest.raises(ValueError):
        Lang.parse("fr")


def test_redacts_the_residents_own_names_but_not_single_characters() -> None:
    from bot.redact import name_variants

    names = name_variants("三", "张")
    assert redact("我是张三，住三里屯", names) == "我是[name]，住三里屯"
    assert redact("I am Wei Li, call me", name_variants("Wei", "Li")) == "I am [name], call me"
    assert redact("Li visited the library", name_variants("Wei", "Li")) == "[name] visited the library"


def test_cjk_punctuation_survives_normalisation() -> None:
    assert (clean_text("电话：１３８００１３８０００，谢谢！（急）", field="d", max_chars=50)
            == "电话：13800138000，谢谢！（急）")
