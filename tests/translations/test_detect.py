import pytest

from bench.detect_eval import load_labelled, score
from bot.lang import Lang
from translations.detect import detect, detect_language


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


# --- detect_language: the conversation, other languages, confidence, the labelled set ---------------

@pytest.mark.parametrize("text, context, code", [
    ("ok", Lang.EN, "en"), ("ok", Lang.JA, "ja"), ("5", Lang.ZH, "zh"), ("yes", Lang.JA, "ja"),
    ("年金", Lang.JA, "ja"), ("住民票", Lang.JA, "ja"), ("年金", Lang.ZH, "zh"), ("年金", None, "zh"),
    ("你好", Lang.JA, "zh"), ("はい", Lang.ZH, "ja"), ("How do I extend my visa?", Lang.ZH, "en"),
    ("我想投诉噪音", Lang.EN, "zh"), ("hello", None, "en"), ("ok", None, "en"), ("🙂", None, "zh"),
])
def test_the_conversation_decides_short_and_han_only_messages(text: str, context: Lang | None, code: str) -> None:
    assert detect_language(text, context=context).code == code


@pytest.mark.parametrize("text, code", [
    ("안녕하세요", "ko"), ("Как продлить визу?", "ru"), ("مرحبا", "ar"),
    ("Bonjour, je voudrais prolonger mon visa de travail", "fr"),
])
def test_other_languages_keep_their_code_and_are_answered_in_english(text: str, code: str) -> None:
    found = detect_language(text, context=Lang.ZH)
    assert (found.code, found.language, found.served) == (code, Lang.EN, False)
    assert found.confidence >= 0.9


def test_allowed_set_narrows_what_is_answered_in_its_own_language() -> None:
    found = detect_language("ビザの延長はどうすればいいですか", allowed={"zh", "en"})
    assert (found.code, found.language) == ("ja", Lang.EN)


def test_confidence_is_lower_when_only_the_conversation_speaks() -> None:
    assert detect_language("ok", context=Lang.JA).confidence < detect_language("はい", context=Lang.JA).confidence


def test_accuracy_on_the_labelled_short_messages_is_at_least_98_percent() -> None:
    samples = load_labelled()
    assert len(samples) >= 300 and {"zh", "en", "ja", "ko", "ru"} <= {s.language for s in samples}
    assert sum(s.short for s in samples) >= 150
    result = score(lambda text, context: detect_language(text, context=context).code, samples)
    assert result.accuracy("all") >= 0.98, result.misses
    for group in ("zh", "en", "ja", "other"):
        assert result.accuracy(group) >= 0.95, (group, result.misses)


@pytest.mark.parametrize("text, code", [
    ("Hallo, ich möchte mein Visum verlängern, was muss ich tun", "de"),
    ("Hola, quiero renovar mi visado de trabajo en Pekín", "es"),
    ("Hallo, ik wil mijn visum verlengen, wat is de procedure", "nl"),
    ("Jeg vil gerne have hjælp for min opholdstilladelse i Beijing", "da"),
    ("Ich will mein Visum verlängern, was kann ich für die Verlängerung tun", "de"),
])
def test_latin_languages_sharing_words_with_english_still_reach_langdetect(text: str, code: str) -> None:
    assert detect_language(text, context=Lang.ZH).code == code


def test_plain_english_is_english_without_asking_langdetect(monkeypatch: pytest.MonkeyPatch) -> None:
    import translations.detect

    def refuse(*args: object, **kwargs: object) -> list[tuple[str, float]]:
        raise AssertionError("langdetect was asked")

    monkeypatch.setattr(translations.detect, "langdetect_probabilities", refuse)
    found = detect("The street light outside my building has been broken for a week, can you fix it")
    assert found is not None and (found.language, found.reason) == (Lang.EN, "latin")
