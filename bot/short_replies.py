"""Short replies in Chinese, English and Japanese: "yes", "no thanks", "不用了", "結構です", "say that again".

A form needs to know, whatever the NLU model says, when an answer is only a reply word: a bare "ok"
is no description of a problem and no place, "no thanks" to the phone question declines that question
(not the whole appeal), and "再说一遍" asks to hear the question again. The lists hold whole replies
(after normalisation: NFKC, lower case, no punctuation or filler), not words found inside longer text,
so "I don't know where exactly, near the park" is never read as a reply.
"""

import re
import unicodedata
from enum import Enum


class Reply(str, Enum):
    YES = "yes"
    NO = "no"
    OK = "ok"
    THANKS = "thanks"
    DECLINE = "decline"  # no to this one question: "no thanks", "skip", "不用了", "結構です"
    REPEAT = "repeat"  # "say that again"
    GREETING = "greeting"
    GOODBYE = "goodbye"
    DONT_KNOW = "dont_know"


_REPLIES: dict[Reply, tuple[str, ...]] = {
    Reply.YES: (
        "yes", "y", "yeah", "yep", "yup", "sure", "correct", "right", "thats right", "that is right", "exactly",
        "yes please", "yes thats right", "of course", "definitely", "absolutely", "affirmative", "indeed",
        "是", "是的", "对", "对的", "对啊", "对对对", "对对", "没错", "是啊", "嗯", "嗯嗯", "要", "需要",
        "可以", "行", "好啊", "要的", "需要的", "可以的", "行的", "是滴",
        "确认", "正确", "确定", "确定的", "确定取消", "是的确定",
        "はい", "ええ", "うん", "そうです", "そう", "その通りです", "お願いします", "はいお願いします",
        "はいそうです",
        # "call me" said to "may the department call you?"
        "call me", "you can call me", "打我电话", "打我电话吧", "给我打电话", "打电话吧", "可以打电话", "打吧",
        "電話ください", "電話してください", "電話お願いします",
        "合ってます", "合っています", "正しいです",
        "no problem", "no problem at all", "no worries", "go for it", "go ahead", "please do", "ya", "yah", "yea", "ye",
        "yess", "中", "中啊", "成", "得嘞", "いいですよ", "いいよ", "どうぞ", "よろしくお願いします", "ぜひ",
        "ぜひお願いします",
    ),
    Reply.NO: (
        "no", "n", "nope", "nah", "not really", "no it isnt", "no its not", "wrong", "incorrect", "negative",
        "不", "不是", "不是的", "不对", "没有", "否", "不要", "不需要", "不行", "错了", "不正确", "不要的", "不需要的",
        "いいえ", "いや", "いえ", "ううん", "違います", "ちがいます", "違う", "いいえ違います",
        "そうではありません", "ないです",
        "没", "没拍", "木有", "没有呢", "没呢", "ありません", "ないです", "ない",
    ),
    Reply.OK: (
        "ok", "okay", "k", "kk", "fine", "alright", "all right", "got it", "i see", "understood", "cool", "noted",
        "好", "好的", "好的好的", "好吧", "いいですね", "いいね", "行吧", "知道了", "明白", "明白了", "了解",
        "收到", "嗯好的", "哦", "噢", "ok的",
        "わかりました", "分かりました", "了解です", "了解しました", "承知しました", "オッケー", "なるほど",
        "おけ", "おけー", "おっけー", "おっけ", "おk", "りょ", "りょうかい", "りょーかい", "okです",
    ),
    Reply.THANKS: (
        "thanks", "thank you", "thx", "ty", "ok thanks", "ok thank you", "okay thanks", "thanks a lot",
        "thank you very much", "many thanks", "cheers",
        "谢谢", "谢谢你", "好的谢谢", "好谢谢", "多谢", "感谢", "谢啦", "非常感谢", "谢谢啦",
        "ありがとう", "ありがとうございます", "はいありがとうございます", "どうも", "どうもありがとう",
        "サンキュー", "感謝します",
    ),
    Reply.DECLINE: (
        "no thanks", "no thank you", "skip", "pass", "no need", "not needed", "rather not", "id rather not",
        "i would rather not", "dont want to", "i dont want to", "no i dont want to", "not now", "leave it",
        "never mind", "nevermind", "no need thanks", "nothing", "none", "no photo", "no number", "skip it",
        "forget it", "ill pass", "i will pass", "ill pass on that", "ill pass on this", "pass on that",
        "ill pass thanks", "ill skip", "ill skip that", "ill skip it", "ill skip this one",
        "不用", "不用了", "不用了谢谢", "不用谢谢", "不必", "不必了", "算了", "跳过", "先不用", "不留", "不留了",
        "不想留", "不方便", "没有了", "不需要了", "免了", "不用麻烦了",
        "結構です", "けっこうです", "大丈夫です", "大丈夫", "いりません", "要りません", "不要です", "スキップ",
        "なしで",
        "いいです", "なし", "遠慮します", "遠慮しておきます", "やめておきます", "なしでお願いします",
        "必要ありません",
        "甭", "甭了", "甭麻烦了", "甭麻烦了您", "不用麻烦了您", "不用啦", "不要啦", "算了吧不用了",
        "im good", "im fine", "im ok", "im okay", "its not necessary", "not necessary", "its fine without",
        "im fine without it", "all good", "no im good", "thanks but no thanks", "not this time", "maybe next time",
        "お構いなく", "おかまいなく", "お気持ちだけで十分です", "ご遠慮いたします", "遠慮させていただきます",
        "見送ります",
        "今回は見送ります", "今回はいいかな", "いいかな", "今回は結構です", "今回はいいです",
        "いえ結構です", "いいえ結構です", "いいえけっこうです", "いえけっこうです",
    ),
    Reply.REPEAT: (
        "say that again", "say it again", "repeat", "repeat that", "repeat please", "please repeat",
        "come again", "pardon", "pardon me", "what", "what did you say", "again", "can you repeat that",
        "could you repeat that", "one more time", "huh",
        "再说一遍", "再说一次", "重复一下", "重复一遍", "你说什么", "什么", "没听清", "没看清", "再讲一遍",
        "请再说一遍",
        "啥", "再来一遍",
        "もう一度", "もう一度お願いします", "もう一回", "もう一回お願いします", "もう一度言ってください", "何ですか",
        "えっ", "え", "なんて", "もう一度言って", "繰り返してください",
        "蛤", "您说什么", "你说啥", "说啥", "啥意思", "今なんて", "ごめんなんて", "なんて言いました", "sorry what",
        "what was that", "say again",
    ),
    Reply.GREETING: (
        "hi", "hello", "hey", "hi there", "hello there", "hey there", "good morning", "good afternoon",
        "good evening", "yo",
        "你好", "您好", "嗨", "哈喽", "早上好", "下午好", "晚上好", "在吗", "你好啊",
        "こんにちは", "こんばんは", "おはようございます", "おはよう", "どうも", "もしもし", "やあ",
    ),
    Reply.GOODBYE: (
        "bye", "goodbye", "bye bye", "see you", "see you later", "good night",
        "再见", "拜拜", "回见", "晚安",
        "さようなら", "じゃあね", "またね", "失礼します", "おやすみなさい", "バイバイ",
    ),
    Reply.DONT_KNOW: (  # and "maybe": neither yes nor no
        "i dont know", "dont know", "no idea", "not sure", "im not sure", "im not really sure", "dunno",
        "idk", "maybe", "perhaps",
        "possibly", "kind of", "sort of",
        "不知道", "我不知道", "我也不知道", "不清楚", "不太清楚", "不是很清楚", "不确定", "说不清", "可能",
        "可能吧", "也许", "也许吧", "大概", "说不好",
        "不好说",
        "わかりません", "分かりません", "よくわかりません", "よく分かりません", "あのー", "知りません",
        "わからない", "分からない", "不明です", "たぶん", "多分",
        "かもしれません", "どうでしょう", "微妙です",
        "不晓得", "说不上来", "还没想好", "没想好", "不太确定", "no clue", "i have no clue", "not a clue", "beats me",
        "分かんない", "わかんない", "迷ってます", "迷っています", "まだ決めてないです", "まだ決めていません",
        "なんとも言えないです", "何とも言えません", "なんとも言えません",
        # hesitations: no answer yet
        "hmm", "hm", "hmmm", "um", "uh", "erm", "呃", "额", "这个", "那个", "うーん", "ええと", "えーと", "えっと",
        "あの",
    ),
}
# Filler around a reply: "ok then", "嗯，好的吧", "はい、お願いします".
_FILLER = re.compile(r"^(?:(?:um+|uh+|well|oh|ah|so|alright then)\b|嗯|啊|哦|呃|那就|那|えっと|あの|じゃあ|じゃ|では"
                     r"|それでは|それで)\s*"
                     r"|\s*(?:then|please|lol|啊|吧|呀|哦|啦|ね|よ|です)$")
_NOT_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_LOOKUP: dict[str, Reply] = {}
for _reply, _texts in _REPLIES.items():
    for _text in _texts:
        _LOOKUP.setdefault(_text, _reply)  # "どうも" is THANKS (listed before GREETING)
MAX_REPLY_CHARS = 40


def normalised(text: str) -> str:
    """NFKC, lower case, apostrophes dropped ("don't" -> "dont"), other punctuation as spaces, spaces collapsed."""
    plain = unicodedata.normalize("NFKC", text).lower().replace("'", "").replace("’", "")
    plain = _NOT_WORD.sub(" ", plain)
    plain = _SPACES.sub(" ", plain).strip()
    # CJK replies carry no spaces: "不用了 谢谢" is "不用了谢谢"
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", plain)


_REFUSALS = (Reply.NO, Reply.DECLINE)


def _reply_with_thanks(plain: str) -> Reply | None:
    """A yes or a no beside a thanks. "nah thanks", "nope, thank you", "不要谢谢", "いいえ、ありがとう",
    "thanks, no need" decline the question (they are no thanks for the help); "是的谢谢" is a yes."""
    cuts = [i for i, c in enumerate(plain) if c == " "] if plain.isascii() else range(1, len(plain))
    for cut in cuts:
        first, second = _LOOKUP.get(plain[:cut].strip()), _LOOKUP.get(plain[cut:].strip())
        if Reply.THANKS not in (first, second):
            continue
        other = second if first is Reply.THANKS else first
        if other in _REFUSALS:
            return Reply.DECLINE
        if other is Reply.YES:
            return Reply.YES
    return None


def short_reply(text: str | None) -> Reply | None:
    """The reply ``text`` is, when the whole message is one (with filler and punctuation around it)."""
    if not text or len(text) > MAX_REPLY_CHARS:
        return None
    plain = normalised(text)
    for _ in range(3):  # "嗯，好的吧": filler on either side, up to three layers
        if plain in _LOOKUP:
            return _LOOKUP[plain]
        stripped = _SPACES.sub(" ", _FILLER.sub("", plain)).strip()
        if stripped == plain or not stripped:
            break
        plain = stripped
    return _LOOKUP.get(plain) or _LOOKUP.get(_once(plain)) or _reply_with_thanks(plain)


_REPEATED_CJK = re.compile(r"^([^\x00-\x7f]{1,2}?)\1{1,3}$")
_REPEATED_WORD = re.compile(r"^(\w+)(?: \1){1,3}$")


def _once(plain: str) -> str:
    """A reply said two to four times, said once: "要要要", "好好好", "yes yes", "ok ok ok"."""
    repeated = _REPEATED_CJK.match(plain) or _REPEATED_WORD.match(plain)
    return repeated.group(1) if repeated else plain


def is_bare_reply(text: str | None) -> bool:
    """Whether the message is only a reply word, so it cannot be a description, a place or a topic."""
    return short_reply(text) is not None


_CLAUSE_END = re.compile(r"[,，、。.!！;；:：]")
_CONTRAST = re.compile(r"\b(but|however|although|though|except)\b|但|不过|可是|就是|でも|けど|しかし|ただ",
                       re.IGNORECASE)
# After an opening "no" without a comma, the words a reply goes on with ("no I don't want", "nope not now").
_NEGATIONS = ("no", "nope", "nah")
_AFTER_A_NO = frozenset("i im ill id we you it its that thats thanks thank please pls need not dont do never sorry "
                        "just "
                        "way call calls phone number photo photos need needed".split())
_OPENING_WORDS = ("no problem", "yes", "yeah", "yep", "sure", "ok", "okay", "of course", "definitely", "absolutely",
                  "no", "nope", "nah")


def opening_reply(text: str | None, *, turned_by_contrast: bool = True) -> Reply | None:
    """The yes or no a longer message opens with: "sure, you can call me", "可以，打我电话吧",
    "はい、お願いします", "no, I'd rather you didn't". None when the rest turns it ("yes, but ..."), unless
    ``turned_by_contrast`` is False (the rest is known to be about something else, e.g. a language)."""
    if not text or len(text) > 200:
        return None
    plain = text.strip()
    split = _CLAUSE_END.search(plain)
    first, rest = (plain[:split.start()], plain[split.end():]) if split else (plain, "")
    lowered = plain.lower()
    if not split:
        word = next((w for w in _OPENING_WORDS if lowered.startswith(w + " ")), None)
        if word is None:
            return None
        first, rest = plain[:len(word)], plain[len(word):]
        following = rest.split()[0].lower().replace("'", "").replace("’", "") if rest.split() else ""
        if word in _NEGATIONS and following not in _AFTER_A_NO:
            return None  # "no one has fixed it yet", "No hot water since yesterday": a determiner, no reply
    reply = short_reply(first)
    if reply not in (Reply.YES, Reply.OK, Reply.NO, Reply.DECLINE) or (turned_by_contrast and _CONTRAST.search(rest)):
        return None
    return reply


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")
MAX_SENTENCES_CHARS = 400


def sentence_reply(text: str | None) -> Reply | None:
    """The yes or no one sentence of a longer message gives: "Sorry, my keyboard broke, so I'll go on in
    English. Yes, you can call me". None when sentences disagree, none is a yes or no, or the message
    turns ("好的。不过我不想留电话")."""
    if not text or len(text) > MAX_SENTENCES_CHARS or _CONTRAST.search(text):
        return None
    found = set()
    for sentence in _SENTENCE_END.split(text.strip()):
        reply = short_reply(sentence) or opening_reply(sentence)
        if reply in (Reply.YES, Reply.OK):
            found.add(Reply.YES)
        elif reply in (Reply.NO, Reply.DECLINE):
            found.add(Reply.NO)
    return found.pop() if len(found) == 1 else None
