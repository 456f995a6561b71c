"""Short replies (bot/short_replies.py): a whole message that is only "yes", "no thanks", "不用了", "結構です",
"say that again"..., in Chinese, English and Japanese, with filler, punctuation and full-width forms around it;
and the ordinary answers (places, descriptions, phone numbers, category names) that merely contain such words
and are no reply."""

import pytest

from bot.short_replies import (
    MAX_REPLY_CHARS,
    Reply,
    is_bare_reply,
    normalised,
    opening_reply,
    sentence_reply,
    short_reply,
)

YES, NO, OK, THANKS, DECLINE = Reply.YES, Reply.NO, Reply.OK, Reply.THANKS, Reply.DECLINE
REPEAT, GREETING, GOODBYE, DONT_KNOW = Reply.REPEAT, Reply.GREETING, Reply.GOODBYE, Reply.DONT_KNOW

ZH = [
    ("是", YES), ("是的", YES), ("对", YES), ("没错", YES), ("嗯", YES), ("可以", YES), ("确认", YES), ("需要", YES),
    ("不", NO), ("不是", NO), ("不对", NO), ("没有", NO), ("不要", NO), ("不需要", NO), ("错了", NO),
    ("好", OK), ("好的", OK), ("好吧", OK), ("知道了", OK), ("明白了", OK), ("收到", OK), ("OK的", OK),
    ("谢谢", THANKS), ("谢谢你", THANKS), ("多谢", THANKS), ("非常感谢", THANKS),
    ("不用了", DECLINE), ("不用", DECLINE), ("不用了谢谢", DECLINE), ("算了", DECLINE), ("跳过", DECLINE),
    ("不方便", DECLINE), ("不留了", DECLINE), ("没有了", DECLINE), ("不需要了", DECLINE),
    ("再说一遍", REPEAT), ("请再说一遍", REPEAT), ("重复一下", REPEAT), ("你说什么", REPEAT), ("没听清", REPEAT),
    ("啥", REPEAT),
    ("你好", GREETING), ("您好", GREETING), ("早上好", GREETING), ("在吗", GREETING), ("嗨", GREETING),
    ("再见", GOODBYE), ("拜拜", GOODBYE), ("晚安", GOODBYE),
    ("不知道", DONT_KNOW), ("我不知道", DONT_KNOW), ("不清楚", DONT_KNOW), ("不确定", DONT_KNOW),
    ("可能吧", DONT_KNOW), ("说不好", DONT_KNOW), ("呃", DONT_KNOW),
]
EN = [
    ("yes", YES), ("yeah", YES), ("yep", YES), ("sure", YES), ("correct", YES), ("that's right", YES),
    ("of course", YES), ("yes please", YES),
    ("no", NO), ("nope", NO), ("nah", NO), ("no it isn't", NO), ("wrong", NO), ("incorrect", NO),
    ("ok", OK), ("okay", OK), ("fine", OK), ("alright", OK), ("got it", OK), ("understood", OK), ("i see", OK),
    ("thanks", THANKS), ("thank you", THANKS), ("thx", THANKS), ("thanks a lot", THANKS), ("many thanks", THANKS),
    ("cheers", THANKS),
    ("no thanks", DECLINE), ("no thank you", DECLINE), ("skip", DECLINE), ("pass", DECLINE), ("no need", DECLINE),
    ("I'd rather not", DECLINE), ("never mind", DECLINE), ("not now", DECLINE), ("none", DECLINE),
    ("say that again", REPEAT), ("repeat", REPEAT), ("pardon", REPEAT), ("come again", REPEAT),
    ("what did you say", REPEAT), ("could you repeat that", REPEAT), ("one more time", REPEAT),
    ("hi", GREETING), ("hello", GREETING), ("hey there", GREETING), ("good morning", GREETING),
    ("good evening", GREETING),
    ("bye", GOODBYE), ("goodbye", GOODBYE), ("bye bye", GOODBYE), ("see you later", GOODBYE),
    ("good night", GOODBYE),
    ("I don't know", DONT_KNOW), ("dont know", DONT_KNOW), ("no idea", DONT_KNOW), ("not sure", DONT_KNOW),
    ("I'm not sure", DONT_KNOW), ("idk", DONT_KNOW), ("maybe", DONT_KNOW), ("hmm", DONT_KNOW),
]
JA = [
    ("はい", YES), ("ええ", YES), ("うん", YES), ("そうです", YES), ("その通りです", YES), ("合ってます", YES),
    ("お願いします", YES),
    ("いいえ", NO), ("いや", NO), ("違います", NO), ("ちがいます", NO), ("そうではありません", NO),
    ("わかりました", OK), ("分かりました", OK), ("了解です", OK), ("承知しました", OK), ("オッケー", OK),
    ("なるほど", OK),
    ("ありがとう", THANKS), ("ありがとうございます", THANKS), ("どうも", THANKS), ("どうもありがとう", THANKS),
    ("サンキュー", THANKS),
    ("結構です", DECLINE), ("けっこうです", DECLINE), ("いいえ、結構です", DECLINE), ("大丈夫です", DECLINE),
    ("いりません", DECLINE), ("スキップ", DECLINE), ("遠慮します", DECLINE), ("必要ありません", DECLINE),
    ("いいです", DECLINE),
    ("もう一度", REPEAT), ("もう一度お願いします", REPEAT), ("もう一回", REPEAT), ("もう一度言ってください", REPEAT),
    ("繰り返してください", REPEAT), ("何ですか", REPEAT), ("えっ", REPEAT),
    ("こんにちは", GREETING), ("こんばんは", GREETING), ("おはようございます", GREETING), ("もしもし", GREETING),
    ("さようなら", GOODBYE), ("またね", GOODBYE), ("失礼します", GOODBYE), ("おやすみなさい", GOODBYE),
    ("バイバイ", GOODBYE),
    ("わかりません", DONT_KNOW), ("分かりません", DONT_KNOW), ("知りません", DONT_KNOW), ("不明です", DONT_KNOW),
    ("たぶん", DONT_KNOW), ("かもしれません", DONT_KNOW), ("うーん", DONT_KNOW), ("えっと", DONT_KNOW),
]


@pytest.mark.parametrize("table", [ZH, EN, JA], ids=["zh", "en", "ja"])
def test_each_language_has_every_kind_of_reply(table: list[tuple[str, Reply]]) -> None:
    assert {reply for _, reply in table} == set(Reply)


@pytest.mark.parametrize("text, reply", ZH)
def test_a_chinese_short_reply_is_recognised(text: str, reply: Reply) -> None:
    assert short_reply(text) is reply


@pytest.mark.parametrize("text, reply", EN)
def test_an_english_short_reply_is_recognised(text: str, reply: Reply) -> None:
    assert short_reply(text) is reply


@pytest.mark.parametrize("text, reply", JA)
def test_a_japanese_short_reply_is_recognised(text: str, reply: Reply) -> None:
    assert short_reply(text) is reply


@pytest.mark.parametrize("text, reply", [
    # zh: filler words and particles around the reply, full-width punctuation
    ("是的！", YES), ("嗯，是的", YES), ("嗯，好的吧", OK), ("好的呀", OK), ("知道了啦", OK), ("ＯＫ的", OK),
    ("谢谢。", THANKS), ("啊，谢谢", THANKS), ("不用了，谢谢", DECLINE), ("不用了 谢谢", DECLINE),
    ("嗯，不用了吧", DECLINE), ("再说一遍？", REPEAT), ("什么？", REPEAT), ("您好！", GREETING), ("拜拜啦", GOODBYE),
    ("不知道啊", DONT_KNOW),
    # en: case, punctuation, quotes, curly apostrophes, full-width letters, filler on either side
    ("Yes!", YES), ("YES.", YES), ("ＹＥＳ！", YES), ("  sure  ", YES), ("um, yes", YES), ("well, um, yes then", YES),
    ("Yes, that's right", YES), ("That’s right.", YES), ("No.", NO), ("Well, no", NO), ("ok then", OK),
    ("Okay!", OK), ("ｏｋ", OK), ("...ok...", OK), ("Thank you very much!", THANKS), ("Ｔｈａｎｋｓ", THANKS),
    ("No, thanks", DECLINE), ("uh, no thanks", DECLINE), ("I’d rather not", DECLINE), ("Skip.", DECLINE),
    ("skip please", DECLINE), ("Say that again?", REPEAT), ("what?!", REPEAT), ("Could you repeat that?", REPEAT),
    ("Hello!", GREETING), ("Goodbye!", GOODBYE), ("I don’t know", DONT_KNOW), ('"maybe"', DONT_KNOW),
    # ja: 、。！？, 「」, sentence-final ね/よ, half-width katakana
    ("はい。", YES), ("「はい」", YES), ("はい、そうです", YES), ("はい、お願いします", YES), ("いいえ、違います", NO),
    ("いやです", NO), ("わかりましたよ", OK), ("ｵｯｹｰ", OK), ("ありがとうございます！", THANKS),
    ("ありがとう～", THANKS), ("いいえ、結構です。", DECLINE), ("結構ですよ", DECLINE), ("ｽｷｯﾌﾟ", DECLINE),
    ("もう一度お願いしますね", REPEAT), ("え？", REPEAT), ("こんにちは！", GREETING),
    ("えっと、わかりません", DONT_KNOW),
])
def test_filler_punctuation_and_full_width_forms_around_a_reply_are_ignored(text: str, reply: Reply) -> None:
    assert short_reply(text) is reply


@pytest.mark.parametrize("text, reply", [
    ("no thanks", DECLINE), ("No thank you.", DECLINE), ("不用了", DECLINE), ("不需要了", DECLINE),
    ("いいえ、結構です", DECLINE),
    ("no", NO), ("不需要", NO), ("いいえ", NO),
])
def test_declining_one_question_is_told_apart_from_a_plain_no(text: str, reply: Reply | None) -> None:
    assert short_reply(text) is reply


@pytest.mark.parametrize("text, reply", [
    ("um", DONT_KNOW), ("hmm", DONT_KNOW), ("呃", DONT_KNOW), ("えっと", DONT_KNOW), ("あの", DONT_KNOW),
    ("嗯", YES), ("嗯嗯", YES),
    ("oh", None), ("well", None), ("啊", None),
])
def test_a_hesitation_alone_is_dont_know_and_bare_filler_is_nothing(text: str, reply: Reply | None) -> None:
    assert short_reply(text) is reply


def test_doumo_is_thanks_rather_than_a_greeting() -> None:
    assert short_reply("どうも") is THANKS and short_reply("どうもありがとう") is THANKS


ZH_ANSWERS = [
    "不用了的旧家具堆在楼道里", "不知道谁把垃圾扔在楼道里", "好的路灯坏了", "谢谢你们处理路灯", "是井盖", "是在三里屯",
    "不是路灯，是井盖", "对面的楼", "好几天了", "路灯坏了一个星期", "三里屯", "朝阳区三里屯街道工体北路8号", "东直门",
    "路灯", "噪音", "垃圾", "13800138000",
]
EN_ANSWERS = [
    "I don't know where exactly, near the park", "yes the street light is broken", "yes, at 5 Dongzhimen Street",
    "no, the one near the school", "no water since yesterday", "ok so the manhole cover is missing",
    "what happened", "what time", "skip the queue", "pass me the salt", "none of them", "nothing happened",
    "right side", "5 Dongzhimen Street", "Sanlitun", "near the park", "street light", "noise", "garbage",
    "+86 138 0013 8000",
]
JA_ANSWERS = [
    "はい、家の前の街灯が壊れています", "はい、三丁目です", "いいえ、駅の近くです", "街灯が壊れています",
    "はい、そうです。お願いします。街灯です", "三丁目5番地", "公園", "東直門", "街灯", "騒音", "ゴミ", "090-1234-5678",
]


@pytest.mark.parametrize("text", ZH_ANSWERS)
def test_a_chinese_answer_that_contains_reply_words_is_no_reply(text: str) -> None:
    assert short_reply(text) is None and not is_bare_reply(text)


@pytest.mark.parametrize("text", EN_ANSWERS)
def test_an_english_answer_that_contains_reply_words_is_no_reply(text: str) -> None:
    assert short_reply(text) is None and not is_bare_reply(text)


@pytest.mark.parametrize("text", JA_ANSWERS)
def test_a_japanese_answer_that_contains_reply_words_is_no_reply(text: str) -> None:
    assert short_reply(text) is None and not is_bare_reply(text)


@pytest.mark.parametrize("text", [None, "", "   ", "？？？", "!!!", "👍", "。"])
def test_empty_or_wordless_messages_are_no_reply(text: str | None) -> None:
    assert short_reply(text) is None and not is_bare_reply(text)


def test_a_message_longer_than_a_reply_is_never_one() -> None:
    assert short_reply("ok" + "!" * (MAX_REPLY_CHARS - 2)) is OK
    assert short_reply("ok" + "!" * (MAX_REPLY_CHARS - 1)) is None


@pytest.mark.parametrize("text", ["ok", "不用了", "はい", "say that again", "不知道"])
def test_a_bare_reply_is_no_description_or_place(text: str) -> None:
    assert is_bare_reply(text)


@pytest.mark.parametrize("text, plain", [
    ("Don't", "dont"), ("I’m", "im"), ("Ｈｅｌｌｏ，Ｗｏｒｌｄ！", "hello world"), ("  a   b  ", "a b"),
    ("不用了 谢谢", "不用了谢谢"), ("不用了，谢谢。", "不用了谢谢"), ("ok 谢谢", "ok 谢谢"), ("ｽｷｯﾌﾟ", "スキップ"),
    ("いいえ、結構です。", "いいえ結構です"), ("「はい」", "はい"), ("", ""),
])
def test_normalised_text_is_nfkc_lower_case_without_punctuation(text: str, plain: str) -> None:
    assert normalised(text) == plain


@pytest.mark.parametrize("text, reply", [
    ("不是的", NO),
    ("いえ", NO),
    ("ううん", NO),
    ("对对对", YES),
    ("好的好的", OK),
    ("不太清楚", DONT_KNOW),
    ("不是很清楚", DONT_KNOW),
    ("我也不知道", DONT_KNOW),
    ("よくわかりません", DONT_KNOW),
    ("あのー", DONT_KNOW),
    ("I'm not really sure", DONT_KNOW),
    ("なし", DECLINE),
])
def test_common_replies_once_missed_are_understood(text: str, reply: Reply) -> None:
    assert short_reply(text) is reply


@pytest.mark.parametrize("text", ["ok thanks", "好的，谢谢", "はい、ありがとうございます"])
def test_two_replies_together_are_still_a_bare_reply(text: str) -> None:
    assert is_bare_reply(text)


def test_sounds_good_in_japanese_is_no_decline() -> None:
    assert short_reply("いいですね") in (YES, OK)


@pytest.mark.parametrize("text, reply", [
    ("sure, you can call me", Reply.YES),
    ("yes please call me", Reply.YES),
    ("可以，打我电话吧", Reply.YES),
    ("はい、お願いします", Reply.YES),
    ("no, I'd rather you didn't", Reply.NO),
    ("nope not today", Reply.NO),
    ("yes, but not after 6pm", None),
    ("可以，但是晚上别打", None),
    ("the light is broken", None),
    ("今日は雨です、はい", None),
])
def test_the_yes_or_no_a_sentence_opens_with(text: str, reply: Reply | None) -> None:
    assert opening_reply(text) is reply


@pytest.mark.parametrize(("text", "reply"), [
    ("Sorry, my Japanese keyboard just stopped working, so I'll continue in English. Yes, you can call me", Reply.YES),
    ("すみません、英語で書きます。はい、電話してください", Reply.YES), ("I moved last month. No.", Reply.NO),
    ("好的。不过我不想留电话", None), ("Yes. No.", None), ("the light is out. it is dark.", None)])
def test_one_sentences_yes_or_no(text: str, reply: Reply | None) -> None:
    assert sentence_reply(text) is reply


@pytest.mark.parametrize(("text", "reply"), [
    ("nah thanks", DECLINE), ("Nah, thanks.", DECLINE), ("nope, thank you", DECLINE), ("thanks, no need", DECLINE),
    ("不要，谢谢", DECLINE), ("不需要，谢谢啦", DECLINE), ("いいえ、ありがとう", DECLINE),
    ("大丈夫です、ありがとう", DECLINE),
    ("yes thanks", YES), ("是的谢谢", YES), ("ok thanks", THANKS), ("thanks thanks", THANKS),
])
def test_a_yes_or_a_no_beside_a_thanks_keeps_its_meaning(text: str, reply: Reply | None) -> None:
    # batch h311: "nah thanks" at the call-back question was a thanks, answered and asked again forever
    assert short_reply(text) is reply


def test_nah_opens_a_longer_no() -> None:
    assert opening_reply("nah, you don't need to call me") is NO
