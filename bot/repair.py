"""What a resident's message does to the question a form asked, beyond answering it (zh, en, ja).

Pure text logic, no Rasa: the forms' validation (actions/repair.py) combines it with the NLU
intent. Here: corrections in the resident's own words ("not the street light, the manhole cover",
"不是路灯，是井盖", "街灯じゃなくてマンホールです", "actually it's on the north side"), which field a
message names, wishes and requests that are not cancellations ("〜てほしい", "希望尽快处理",
"please fix it"), and whether a text looks like a place.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.short_replies import Reply, is_bare_reply, normalised, opening_reply, short_reply
from bot.text import nfkc

FIELDS = ("description", "location", "category", "phone")


@dataclass(frozen=True)
class Correction:
    """``new`` replaces ``old`` (when the resident said what was wrong) in ``field`` (when they named it);
    with ``adds``, ``new`` is the resident's correction in their words, added to the description."""

    new: str
    old: str | None = None
    field: str | None = None
    adds: bool = False


_FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "location": ("location", "address", "place", "where", "地点", "地址", "位置", "地方", "场所", "住所",
                 "場所", "所在地"),
    "category": ("category", "type of problem", "kind of problem", "类别", "分类", "类型", "種類", "カテゴリ", "分類"),
    "description": ("description", "what happened", "the problem", "描述", "问题描述", "内容", "情况", "説明"),
    "phone": ("phone", "number", "mobile", "电话", "手机", "号码", "電話", "番号", "携帯"),
}
_STRIP = " ,，、。.!！?？:：;；\"'“”「」『』"

# "not X but Y" and its kin. Groups: old (optional) and new.
_NOT_BUT = (
    re.compile(r"^(?:不对[，,、 ]*)?(?:(?P<fieldword>地址|地点|位置|电话|号码|类别|描述)(?:也)?"
               r"|(?P<subject>(?!(?:我|你|他|她|我们|你们|他们)(?:不|并)|是|在)[^，,。、；;：:\s不]{1,8}?))?"
               r"(?<!是)(?:不是|并不是|不在)(?!很|太|特别|非常|那么|这么|一般|只|光|说|讲|告诉|写了|写过|跟你|问过)(?P<old>.+?)"
               r"(?:[，,、 ]*(?:而)?(?:是|在)|[，,、 ]+)(?P<new>.+)$"),
    re.compile(r"^(?:(?P<fieldword>場所|住所|電話番号|番号|種類|内容)は)?(?:[^。]*[、，,])?(?P<old>[^。、，,！!？?]+?)"
               r"(?:じゃなくて|ではなくて|ではなく|でもなくて|でもなく|じゃなく|じゃない)[、, ]*"
               r"(?P<new>.+?)(?:です|でした)?$"),
    re.compile(r"^(?:no[, ]+)?(?:the (?P<fieldword>address|location|place|category|phone number|number) is )?"
               r"(?:it'?s |it is |they'?re |they are |we'?re |we are |that'?s |that is |he'?s |she'?s )?"
               r"not (?!only|far|a big|that|very|too|so|sure|really|much|bad)"
               r"(?:the |a |an |in |on |at )?(?P<old>.+?)"
               r"(?:,? (?:but|it'?s|it is) |[,;] )(?:the |a |an |in |on |at )?(?P<new>.+)$", re.IGNORECASE),
    re.compile(r"^(?:no[, ]+|sorry[, ]+)?(?:[\w']+ (?:says|said|told me|checked)(?: that)?,? )?(?:actually,? )?"
               r"(?:it'?s |it is |we'?re |we are |i'?m |i am |they'?re "
               r"|they are |that'?s |that is |(?:the|my|our|her|his) (?:[\w-]+ ){1,3}?(?:is|was|are|were) )"
               r"(?:the |a |an |in |on |at )?(?P<new>.+?),? not (?:the |a |an |in |on |at )?(?P<old>.+)$",
               re.IGNORECASE),
    # "是…，不是…", "我们租的是常营的鑫兆佳园，不是万象新天" ("是不是" asks, it corrects nothing)
    re.compile(r"^(?:(?:不对|不是的|错了|说错了|抱歉|对不起|哦)[，,、 ]*)?"
               r"(?:(?!(?:我|你|他|她|我们|你们|他们)(?:不|并))[^，,。、；;：:\s不是在]{1,8}?)?(?:是在|是|在)"
               r"(?P<new>[^，,。、；;：:]+?)[，,、 ]*(?<!是)(?:而不是|不是|不在)(?P<old>.+)$"),
    # "孩子今年四岁，不是五岁": the new value, then the old (which must be among the answers given)
    re.compile(r"^(?:[^，,。；;]*?(?=[\d一二两三四五六七八九十]+[^\d，,]{0,3}[，,]\s*(?:而)?不是[\d一二两三四五六七八九十]))?"
               r"(?P<new>[^，,。；;]+?)[，,]\s*(?:而)?不是(?P<old>[^，,。；;？?]+)$"),
    # "it wasn't a normal bike, it was my electric scooter"
    re.compile(r"^(?:no[, ]+|sorry[, ]+)?(?:actually,? )?(?:it|that|they|he|she|this) "
               r"(?:wasn'?t|isn'?t|weren'?t|aren'?t|was not|is not|were not|are not) "
               r"(?!only|far|that|very|too|so|sure|really|much|bad)(?:the |a |an |in |on |at )?(?P<old>.+?)[,;] "
               r"(?:but )?(?:it|that|they|he|she|this) (?:was|is|were|are) (?:the |a |an |in |on |at )?(?P<new>.+)$",
               re.IGNORECASE),
)
# "actually it's Y", "更正：Y", "正しくはY": the new value only.
_NEW_ONLY = (
    re.compile(r"^(?:sorry[, ]+)?(?:actually|correction|i meant|i mean|sorry i meant|i made a mistake)[,:;]?\s+"
               r"(?:it'?s |it is |the \w+ is )?(?P<new>.+)$", re.IGNORECASE),
    re.compile(r"^(?:change|correct|update) (?:the |my )?(?P<field>location|address|place|description|category|"
               r"phone(?: number)?|mobile(?: number)?|number) to (?P<new>.+)$", re.IGNORECASE),
    re.compile(r"^(?:更正|纠正|修改|改正|我说错了|说错了|写错了)[一下]*[:：，, ]*(?:应该是|是)?(?P<new>.+)$"),
    re.compile(r"^(?:应该是|其实是|准确地说是|我的意思是)(?P<new>.+)$"),
    re.compile(r"^(?:把)?(?P<field>地点|地址|位置|描述|类别|分类|类型|电话号码|电话|手机号码|手机号|号码)"
               r"(?:改成|改为|换成)(?P<new>.+)$"),
    re.compile(r"^(?:訂正|修正|間違えました|間違いました)[です。、,: ：]*(?:正しくは)?(?P<new>.+)$"),
    re.compile(r"^(?:正しくは|本当は|実は)(?P<new>.+?)(?:です|でした)?$"),
    re.compile(r"^(?P<field>場所|住所|内容|説明|種類|カテゴリー?|電話番号|携帯番号)を(?P<new>.+?)"
               r"に(?:変更|訂正|修正|直)"),
)
# After "correction:" or "更正：", the new value, then the old: "floors 11 to 15, not 12 to 15", "三号楼，不是五号楼".
_NEW_NOT_OLD = re.compile(r"^(?P<new>[^,，;；]+?)(?:,\s*not |[，,]\s*(?:而)?不是)(?:the |a |an )?(?P<old>.+)$",
                          re.IGNORECASE)
# The words that name a field, in every language, as the field's name.
_FIELD_ALIASES = {
    "address": "location", "place": "location", "地点": "location", "地址": "location", "位置": "location",
    "場所": "location", "住所": "location",
    "描述": "description", "内容": "description", "説明": "description",
    "类别": "category", "分类": "category", "类型": "category", "種類": "category", "カテゴリ": "category",
    "カテゴリー": "category",
    "number": "phone", "phone number": "phone", "mobile": "phone", "mobile number": "phone", "电话": "phone",
    "号码": "phone", "电话号码": "phone", "手机号": "phone", "手机号码": "phone", "電話番号": "phone",
    "番号": "phone", "携帯番号": "phone",
}


def _clean(text: str) -> str:
    return text.strip().strip(_STRIP).strip()


# What a correction says around it about the rest: "刚才打错了", "别的没问题", "the rest is right",
# "あとはそのままで大丈夫です".
_REMARK = re.compile(r"^(?:(?:刚才|之前|前面)?(?:打|写|说|记)(?:错|反|岔)了|数字打反了|别的(?:都)?(?:没问题|对|没错)"
                     r"|其他(?:的)?(?:都)?(?:没问题|对|没错)|其余(?:都)?(?:没问题|对)"
                     r"|(?:the )?rest is (?:right|fine|correct|ok|okay)|everything else is (?:right|fine|correct|ok)"
                     r"|(?:the )?(?:address|location|place|number|phone) is (?:right|fine|correct|ok)"
                     r"|(?:can|could) you (?:please )?(?:fix|change|correct|update) (?:that|it|this)(?: please)?\??"
                     r"|please (?:fix|change|correct|update) (?:that|it|this)|(?:帮我|麻烦)?改一下(?:吧|啊)?"
                     r"|直して(?:もらえますか|いただけますか|ください)"
                     r"|あとは.{0,10}(?:大丈夫|そのまま|合って|問題(?:ない|ありません))"
                     r"|(?:ほか|他)は.{0,6}(?:大丈夫|そのまま|合って|問題(?:ない|ありません)))(?:です)?[。.!！…]*$",
                     re.IGNORECASE)
_CLAUSES = re.compile(r"[，,。.!！；;]\s*")


def _without_remarks(text: str) -> str:
    """``text`` without the remarks about the rest that follow a correction (``_REMARK``)."""
    kept = text.rstrip()
    while True:
        last = next((m for m in reversed(list(_CLAUSES.finditer(kept))) if m.end() < len(kept)), None)
        if last is None or not _REMARK.match(kept[last.end():].strip()):
            return kept
        kept = kept[:last.start()]


def correction(text: str) -> Correction | None:
    """The correction ``text`` makes, if it is one; None for ordinary answers (and for "actually, yes")."""
    found = _correction(_clean(_without_remarks(text.replace("’", "'").replace("‘", "'"))))
    # "I only know the area, not the building number, is that enough?": a question, not the new value
    if found is None or is_bare_reply(found.new) or (len(found.new) < 2 and not found.new.isdigit()) \
            or (re.search(r"[?？]\s*$", text) and text.rstrip(" ?？").endswith(found.new.strip(_STRIP))):
        return None
    # "…の空き地でした。これで確定です", "…next to the Kempinski. Everything else is right": its own sentence (the
    # first that says something: "wrong. The office moved, it's on Xueyuan Road now" is the second)
    sentences = [part.strip(_STRIP) for part in re.split(r"。|\.\s+(?=[A-Z])", found.new)]
    new = next((part for part in sentences if len(part.split()) >= 2 or (not part.isascii() and len(part) >= 2)),
               found.new.strip(_STRIP)) or found.new
    new = _COPULA.sub("", new).strip(_STRIP) or new
    # "I mixed up the number. It is Gulou East Street 79, not 97": a house number, not the phone
    field = None if found.field == "phone" and not re.search(r"\d{5}", new) else found.field
    new = _NEW_TAIL.sub("", new) or new
    # "it's the toilet next to Exit B, not C": a letter or number for a letter or number
    last = new.split()[-1] if new.split() else new
    if found.old and found.old.isascii() and found.old.isalnum() and len(found.old) <= 3 and last.isascii() \
            and last.isalnum() and len(last) <= 3 and last != new and last.isdigit() == found.old.isdigit():
        new = last
    return Correction(new=new, old=found.old, field=field)


# "是莲花池东路那边的", "隣の村のほう": where it is, without the pointing words.
_NEW_TAIL = re.compile(r"(那边|那儿|那里|这边|这儿|那块|一带)(的)?$|(の)?(ほう|方|あたり|辺り)$")


_COPULA = re.compile(r"(です|でした|だ|吧)$")


# "Wait, I gave you the wrong street. It's ..., not ...", "哎地址说错了，是…，不是…": a lead, then the correction.
_LEAD_END = re.compile(r"[.!?。！？:：;；，,、]\s*")
_CORRECTION_LEAD = re.compile(r"(wrong|mistake|correct|meant|typo|one fix|a fix|small fix|说错|写错|写差|说差|打错|记错"
                              r"|记岔|说岔|得改|搞混|不对|错了|搞错|弄错|更正|間違|訂正|違います|違いました)",
                              re.IGNORECASE)
MAX_LEAD = 60


def _correction(plain: str) -> Correction | None:
    if not plain or len(plain) > 500:
        return None
    found = _whole_correction(plain)
    if found is not None:
        return found
    for separator in _LEAD_END.finditer(plain):
        lead, tail = plain[:separator.start()], plain[separator.end():]
        if len(lead) > MAX_LEAD:
            break
        # After a lead, only "not X but Y" (whose X must be among the answers given), unless the lead
        # says it is a correction ("I made a mistake: ...").
        found = _whole_correction(tail, new_only=bool(_CORRECTION_LEAD.search(lead)))
        if found is not None:
            return Correction(new=found.new, old=found.old, field=found.field or named_field(lead))
    return None


# What was wrong ends with its clause: "not Haidian South Road. Same number, 30", "不是金星路，我给记岔了",
# "不是信息路那边了".
_OLD_END = re.compile(r"[，。；！？;!?、]|,\s|\.\s+(?=[A-Za-z])")
_OLD_TAIL = re.compile(r"(那边|那儿|那里|这边|这儿|那块)了?$|(?<=[路街道巷])上$|\s+either$", re.IGNORECASE)


# "ごみが放置されているのはレストランの裏ではなく…": what was wrong follows the topic ("…のは").
_JA_TOPIC = re.compile(r"^.+(?:のは|のが)(?=.)|^.+(?:は|が)(?=[0-9０-９一二三四五六七八九十])")  # "契約の残りは5か月"


def _old_part(old: str) -> str:
    first = _OLD_END.split(old, maxsplit=1)[0]
    first = _JA_TOPIC.sub("", first)
    return _clean(_OLD_TAIL.sub("", _clean(first)) or first)


def _whole_correction(plain: str, new_only: bool = True) -> Correction | None:
    if not plain:
        return None
    for pattern in _NOT_BUT:
        found = pattern.match(plain)
        old = _old_part(found["old"]) if found else ""
        # "不是万象新天，万象新天是我上一个租的地方": what follows says more about the old one, it is not the new one
        if found and _clean(found["new"]) and old and (found.start("new") < found.start("old")
                                                       or not normalised(found["new"]).startswith(normalised(old))):
            named = found.groupdict().get("fieldword")
            field = _FIELD_ALIASES.get(named.lower(), named.lower()) if named else named_field(old)
            return Correction(new=_clean(found["new"]), old=old, field=field)
    for pattern in _NEW_ONLY if new_only else ():
        found = pattern.match(plain)
        if found and _clean(found["new"]):
            named = found.groupdict().get("field")
            field = _FIELD_ALIASES.get(named.lower(), named.lower()) if named else None
            # "Correction: it's floors 11 to 15, not 12 to 15": what was wrong too, when the rest says it
            said = _clean(found["new"])
            said = re.split(r":\s+", said)[-1] or said  # "I recounted from my photos: it's 10 rooms, not 9"
            both = _whole_correction(said, new_only=False)  # "纠正一下：不是华龙苑北里，是华龙苑南里"
            if both is not None and both.old:
                return Correction(new=both.new, old=both.old, field=field or both.field)
            inner = _NEW_NOT_OLD.match(said)
            old = _old_part(inner["old"]) if inner else ""
            if inner and old and _clean(inner["new"]):
                return Correction(new=_clean(inner["new"]), old=old, field=field or named_field(old))
            return Correction(new=_clean(found["new"]), field=field)
    return None


# The number of a building, flat or house is part of the place, not a phone number ("棟の番号を間違えました").
_PLACE_NUMBER = re.compile(r"(棟|部屋|号室|番地|门牌|楼|房|building|house|flat|door|street|block|apartment|unit)"
                           r"\s*(の)?\s*(番号|号码|号|number|no\.?)|(楼号|房号|门牌号|棟番号|部屋番号)", re.IGNORECASE)


# "有个地方说错了" (one thing was wrong): 地方 as "a point", not the place
_A_POINT = re.compile(r"(有|一|几|这|那)(个|些)?地方")


def named_field(text: str) -> str | None:
    """The field of the appeal a short text talks about ("the address", "地点", "場所"), if exactly one."""
    lowered = _A_POINT.sub("", text.lower())
    if len(lowered) > 40:
        return None
    if _PLACE_NUMBER.search(lowered):
        return "location"
    named = [field for field, words in _FIELD_WORDS.items() if any(word in lowered for word in words)]
    return named[0] if len(named) == 1 else None


def names_field(text: str, field: str) -> bool:
    """Whether ``text`` (of any length) has a word naming ``field`` ("address", "地址", "電話"); "where" is too
    common in a longer text ("the empty house next to it, where the builders left rubbish") to name the place."""
    lowered = text.lower()
    return any(word in lowered for word in _FIELD_WORDS[field] if word != "where")


# A wish or a polite request asks for something to happen: never a cancellation.
_WISH = (
    re.compile(r"(てほしい|て欲しい|てもらいたい|ていただきたい|てください|て下さい|お願いします|お願いしたい|"
               r"たいです|直して|修理して|対応して|確認して)"),
    re.compile(r"(希望|请|麻烦|想要|想请|帮我|帮忙|能不能|可不可以|能否|尽快|赶紧|要求)"),
    re.compile(r"\b(please|would like|i'?d like|want (you|someone|them) to|can you|could you|need (you|someone) to|"
               r"fix|repair|send someone|i want to report|i wish)\b", re.IGNORECASE),
)
# Words that ask to stop, drop or withdraw something: a "cancel" without any of them is a misreading.
_CANCEL_CUES = re.compile(
    # 停 only as "stop" (停下, 停一下, 先停), never 停车/停水/停电 (parking, outages); stop/drop as words, never
    # "bus stop", "stopped working", "drop-off"; 止め never 止めてある (parked).
    r"(取消|撤销|撤回|撤了|不报了|不提交|不想提交|不要了|不用了|不办了|不弄了|不处理|算了|停(?=[下止一！!吧]|$)|先停"
    r"|别提交|别发|不反映|不想反映|不投诉|"
    r"不要提交|先不|不想报|不继续|不用继续|不想继续|不要继续|不搞了|作罢|终止|中止|退出|放弃|不要这个|删掉"
    r"|キャンセル|取り消|取りやめ|取り下げ|やめ|止め(?!て(あ|い|お))|中止|中断|ストップ|なかったこと|なし|無し|もういい|いいです"
    r"|結構|破棄"
    r"|送信しない|提出しない|出さない|報告しません|続けなくて"
    r"|cancel|(?<!bus )(?<!tram )\bstop\b(?![- ](sign|shelter|light|line))|\bhalt\b|never ?mind|\bforget\b"
    r"|changed my mind|don'?t (file|submit|send|want|go ahead)|rather not"
    r"|call\b[\w\s']{0,25}?\boff\b|don'?t bother|nothing for you to do|点错了|按错了"
    r"|abort|quit"
    r"|\bdrop\b(?!-)|withdraw|\bscrap\b|not do this|don'?t continue|let'?s not|call it off)",
    re.IGNORECASE)
# Cancel words that mean cancelling whatever follows them.
_UNMISTAKABLE_CANCEL = re.compile(r"(取消|撤销|撤回|キャンセル|取り消|取り下げ|中止|中断|無しに|なしに|"
                                  r"cancel|withdraw|never ?mind|"
                                  r"forget it|call (it|this|that|the whole thing|everything) off|don'?t go ahead)",
                                  re.IGNORECASE)
_WHOLE_APPEAL = re.compile(r"(appeal|complaint|report|ticket|the whole thing|everything|all of it"
                           r"|诉求|投诉|反映|举报|工单|全部|整个|这个事|这件事|这事|这单|这一单|这个单|单子"
                           r"|申し立て|申告|通報|報告|依頼|苦情|すべて|全て|この話|この件)",
                           re.IGNORECASE)
SHORT_CJK_CHARS, SHORT_WORDS = 12, 5


def has_cancel_cue(text: str) -> bool:
    """Whether ``text`` has a word that asks to stop or drop something (zh, en, ja)."""
    return bool(_CANCEL_CUES.search(text))


def names_the_appeal(text: str) -> bool:
    """Whether a refusal is about the whole appeal ("cancel the appeal", "取消投诉"), not one question."""
    return bool(_WHOLE_APPEAL.search(text))


# Verbs of reporting, negated or withdrawn: they can only mean the appeal ("那我就先不报了，撤了吧").
_APPEAL_DROPPED = re.compile(
    r"((先|就|也)?不(想|用|必|再)?(报|反映|投诉|举报|提交)了|别(再)?(往上)?(报|提交|反映|投诉)了|撤(了|回|掉)吧"
    r"|撤了(?=[，。！,.!~～]|$)|别(再)?(记|登记|录|记录)了|不用(登记|记录|记|报|提交|反映)|不(登记|记录)了"
    r"|(这个|这事|这件事)?(就)?不用(再)?提了"
    r"|don'?t bother (filing|sending|submitting|reporting|with (it|this|that))"
    r"|(送ら|出さ|提出し|申告し|報告し)なくて(大丈夫|いい|結構)|なかったことに"
    r"|don'?t (file|submit|send|report|open|log|start) (it|this|that|anything|a (ticket|case|complaint|report))"
    r"|no need to (file|submit|report)( it| this)?"
    r"|(withdraw|drop) (it|this|my)|i'?ll (drop|withdraw) it"
    r"|\b(drop|withdraw|cancel|scrap|forget) (the|my|this)( whole)? (report|appeal|complaint|ticket|thing)\b"
    r"|(申告|報告|通報|提出|届け出)(は)?(しなくて|しません|しないで|を?取り下げ|はやめ)|取り下げ(ます|させて|たい|で)"
    # a request to cancel with nothing else to cancel: "no need anymore, pls cancel", "取り消していただけますか"
    r"|\b(please|pls|plz|can you|could you|just) cancel( it| this| that)?( please| pls| plz)?\s*[.!]*$"
    r"|no need for (this|it)( anymore)?|not needed any ?more"
    r"|(请|帮我|麻烦)(帮我|你)?(取消|撤销|撤回)(吧|一下|掉|了吧)?[。！!～~]*$|不用(再)?(处理|管)了|不需要(处理|反映)了"
    r"|(^|[、。\s]|これ(を|は)|それ(を|は)|今回(の分)?は)(取り消し|キャンセル)(て|に|を|で)?(して)?"
    r"(ください|いただけ|もらえ|ほしい|お願い))",
    re.IGNORECASE)


# A clause that is a request to cancel and nothing else ("…offering to pay the vet. Please cancel this one",
# "Let's not file this after all, cancel please", "すみません、やっぱり今回は取り消します。", "还是取消吧"): with no
# object of its own, it can only mean the appeal.
_CANCEL_CLAUSE = re.compile(
    r"((so|then|ok|okay|just|actually|yeah|no|oh|well|hmm|sorry|please|pls|can you|could you)\s+)*"
    r"(cancel|withdraw|scrap|delete)( (it|this|that|this one|that one|the whole thing|everything|it all|mine"
    r"|my (one|appeal|report|complaint|request)))?"
    r"( (please|pls|then|for now|after all|thanks|thank you))*"
    r"|((so|then|ok|okay|actually|well|hmm|sorry)\s+)*(let'?s|i'?ll|we'?ll|i will|we will) not"
    r" (file|send|submit|report|do) (it|this|that|this one)( after all| then| for now)?"
    r"|((so|then|ok|okay|actually|well|hmm|sorry)\s+)*(i'?d|i would|we'?d) rather not (file|send|submit|report)"
    r" (it|this|that|this one)( after all| then| for now)?"
    # "…His mum apologised. Forget I said anything", "…we should talk to them first. Sorry, forget it" (a "forget
    # it" that is the whole message at an optional question refuses that question only: actions/repair.py)
    r"|((so|then|ok|okay|just|actually|well|hmm|sorry|please|nah|oh)\s+)*scratch (this|that|it)( one)?"
    r"( (please|then|thanks|sorry))*"
    r"|((so|then|ok|okay|just|actually|well|hmm|sorry|please|nah|oh)\s+)*forget (it|i said anything|i (ever )?asked"
    r"|i (ever )?wrote|the whole thing|all of it|about (it|this|that))( (please|then|thanks|sorry|after all))*"
    r"|(那|那就|就|这次|这个|我这个|我的|我这边的?|还是|算了|那还是)*(帮我|麻烦你?)?(取消|撤销|撤回)(掉|了)?(吧|吧谢谢|谢谢|了吧)?"
    r"|(すみません|ごめんなさい|あ|やっぱり|やはり|今回は|これは|では)*(取り消します|取り消してください|取り消させてください|キャンセルします|キャンセルしてください"
    r"|取り消しでお願いします|キャンセルでお願いします)"
    r"|(すみません|ごめんなさい|あ)*(やっぱり|やはり|今回は|今日は|今日のところは|いったん)+(やめて|やめに)"
    r"(おきます|します|ください)"
    # "…もう解決したみたいなので、やめておきます", "やっぱりいいです、すみません。…"
    r"|(すみません|ごめんなさい|あ|じゃあ|では)*(やめておきます|やめときます|やめにします)"
    r"|(すみません|ごめんなさい|あ|じゃあ|では)*(やっぱり|やはり)(いいです|大丈夫です|結構です|けっこうです)(すみません)?"
    r"|(やっぱり|やはり|今回は|今日は)*(取りやめ|とりやめ|取り消し|キャンセル)(に|を)?(したい|します|してください)(です)?"
    r"|.{0,8}?(出さ|送ら|提出し|申告し|登録し)ない(ことにします|でおきます|でください|でいいです)",
    re.IGNORECASE)
# Ending the whole thing, with or without naming it: "nvm just cancel it all", "quit", "end this conversation", "close
# the case", "全取消", "结束吧", "结束对话", "キャンセル", "今回の件は取り消します", "手続きを中止してください",
# "相談自体キャンセルで", "この会話を終わらせてください".
_END_CLAUSE = re.compile(
    r"((nvm|never mind|ok|okay|just|so|then|please|pls|i give up|actually)\s+)*"
    r"(quit|abort|cancel (it|this|that|everything|it all|all)( please| pls)?|cancel all( of it)?"
    r"|end (this|the) (conversation|chat)"
    r"|close (the|this|my) (case|appeal|ticket|report|conversation|chat)|stop (this|everything|it all))"
    r"|(那|那就|还是|算了|算啦|好吧)*(全部?|都|整个)(取消|撤销|撤回)(掉|了)?(吧)?|(那|那就|还是|算了|算啦)*结束(吧|了吧|对话|会话|对话吧)"
    r"|(やっぱり|やはり|すみません)*((今回の件|この件|件|手続き|相談|問い合わせ|お問い合わせ|この会話|会話|申し立て|申告)(は|を|も|自体)?)?"
    r"(キャンセル(で|します|してください|でお願いします)?|取り消し(ます|てください|たいです|でお願いします)|中止(します|してください|で)"
    r"|終了(します|してください|で)|終わらせて(ください|ほしいです)|終わりにします)(です)?",
    re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(r"[.!?。！？;；,，、:：…]+|\.\.\.")


def cancels_in_a_clause(text: str) -> bool:
    """Whether one clause of ``text`` only asks to cancel ("cancel please", "今回は取り消します")."""
    return any(_CANCEL_CLAUSE.fullmatch(clause.strip()) or _END_CLAUSE.fullmatch(clause.strip())
               for clause in _CLAUSE_SPLIT.split(text) if clause.strip())


def withdraws_the_appeal(text: str) -> bool:
    """The strong forms of ``cancels_the_appeal``: a report withdrawn ("不报了", "取り下げます") or an unmistakable
    cancel of the appeal ("取消投诉"); "算了，电话不留了，怕邻居知道是我反映的" is none of them."""
    return bool(_APPEAL_DROPPED.search(text)) or bool(_UNMISTAKABLE_CANCEL.search(text) and names_the_appeal(text))


# Someone else reported it already, so this one is not needed: "我闺女说她已经帮我在手机上报过了 那就不用了啊",
# "妻がもう通報したので、大丈夫です".
_ALREADY_REPORTED = re.compile(
    r"(已经|早就|早都|都)[^，。？?]{0,10}(报过|反映过|投诉过|打过12345|报了|反映了|投诉了)[^？?]{0,12}(不用了|算了|不报了|不用报了"
    r"|就不用|不麻烦)"
    r"|(もう|すでに|既に)[^。？?]{0,12}(通報|連絡|申し立て|電話)(して(くれ)?(い)?ました|しました|した)[^？?]{0,16}"
    r"(大丈夫です|いいです|結構です|やめ|取り消|キャンセル)"
    # "wait my wife says she already called about this yesterday. cancel mine"
    r"|\b(already|just) (called|phoned|rang|reported|filed|complained|sent)\b[^?]{0,60}"
    r"\b(cancel|withdraw|never ?mind|no need|don'?t (file|send|need))\b", re.IGNORECASE)


# The problem went away, so stop: "あっ、いま出ました！水が戻ったので、もう大丈夫です。やめてください",
# "水来了，不用了，撤了吧", "oh the water's back, never mind, cancel".
_RESOLVED_SO_STOP = re.compile(
    r"(直りました|直った|戻りました|戻った|出ました|つきました|解決しました|解決した|もう大丈夫)[^？?]{0,24}"
    r"(やめてください|やめて下さい|やめます|やめにします|取り消してください|取り消します|キャンセルしてください)"
    r"|(修好了|好了|来水了|来电了|来暖气了|解决了|没事了)[^？?]{0,16}"
    r"(不用了|不报了|算了|取消吧|撤了吧|撤销吧|别报了)"
    r"|\b(it'?s (back|fixed|working( again)?|sorted)|(came|come) back|got fixed|fixed itself|sorted itself out)\b"
    r"[^?]{0,40}\b(cancel|never ?mind|forget it|no need|don'?t (file|send|bother))\b", re.IGNORECASE)


def cancels_the_appeal(text: str) -> bool:
    """"Please cancel this report", "この申告は取り消してください", "申告はやめておきます", "那我这个就先不报了，
    撤了吧": the whole appeal is dropped in words, whatever the question asked."""
    if _APPEAL_DROPPED.search(text) or cancels_in_a_clause(text) or _ALREADY_REPORTED.search(text) \
            or _RESOLVED_SO_STOP.search(text):
        return True
    return has_cancel_cue(text) and names_the_appeal(text) and not is_wish_or_request(text) \
        and not _CANCELLED_BEFORE.search(text)


# Something cancelled before, talked about: "取消了的那个单子还能恢复吗", "the appeal I cancelled yesterday".
_CANCELLED_BEFORE = re.compile(r"(取消|撤销|撤回)了?的|(被|已经|已)(取消|撤销|撤回)"
                               r"|\b(i|we|you) (cancell?ed|withdrew)\b"
                               r"|\bcancell?ed (appeal|complaint|report|ticket|one)"
                               r"|(キャンセル|取り消)した(申し立て|件|もの)",
                               re.IGNORECASE)


def is_short(text: str, words: int = SHORT_WORDS, cjk_chars: int = SHORT_CJK_CHARS) -> bool:
    """At most ``words`` words (Latin text) or ``cjk_chars`` characters (Chinese, Japanese)."""
    plain = text.strip()
    return len(plain) <= cjk_chars if not plain.isascii() else len(plain.split()) <= words


def is_wish_or_request(text: str) -> bool:
    """"Please fix the light", "希望尽快处理", "街灯を直してほしい", "please stop the noise at night": a request
    that something happen, not a cancellation.

    A request whose cancel word is unmistakable ("请取消", "キャンセルしてください"), names the appeal
    ("申し立てをやめたいです") or is all the message says ("やめたいです") is no wish here.
    """
    if not any(pattern.search(text) for pattern in _WISH):
        return False
    if not has_cancel_cue(text):
        return True
    return not (_UNMISTAKABLE_CANCEL.search(text) or names_the_appeal(text) or is_short(text))


_QUESTION = re.compile(
    # an English question word opens a sentence or clause: "registering where I live", "what I want is a refund" ask
    # nothing
    r"[?？]|(^|[.!,;:]\s*|\b(and|but|so|also|btw|then|or)\s+|\bby the way,?\s+)"
    r"(how|what|where|when|why|which|who|can i|do i|is there|are there|should i|could you tell)\b"
    r"|怎么|如何|什么|哪里|哪儿|哪个|多少|是否|能不能|有没有|是不是|要不要|可不可以|可以吗|吗$|吗[，。,.]|呢$"
    r"|(?<!没)啥(?![^，。,.！!？?]{0,6}?[都也])"  # "啥地址？", "为啥"; not "啥通知都没有", "没啥事"
    r"|どう|何|どこ|いつ|なぜ|ですか|ますか|でしょうか", re.IGNORECASE)


# Saying the place cannot be given exactly: "就是因为没门牌号才找你们的嘛，我只能说个大概位置", "I don't know the exact
# address", "番地が分かりません".
_NO_EXACT_PLACE = re.compile(
    r"(只能|只知道|只能说)(个|一个)?大概(的)?(位置|地方|地址|方位)|没(有)?门牌(号)?|说不清(楚)?(具体)?(的)?(地址|位置|在哪)"
    r"|不知道(具体|详细)?(的)?(地址|位置|门牌)"
    r"|\b((don'?t|do not) know the (exact |street |full )?(address|number)"
    r"|there'?s no (house |street |building )?number"
    r"|no (house|street|door) number|can only (give|tell) you (a |an |the )?(rough|approximate|general))"
    r"|(住所|番地|場所)(が|は)(よく|正確に(は)?)?(分か|わか)(ら|りません)|番地(が|は)(ない|ありません)"
    r"|大体の(場所|位置)(しか|だけ)"
    # the place is on no map yet: "住所が地図に出ないから困ってるんですけど…", "地图上搜不到", "it's not on any map"
    r"|地図(アプリ)?(に|で)(は)?(出|載|表示され|見つから)(ない|ません|なくて)|地图(上)?(搜|找|查)不到|地图上没有"
    r"|(not|isn'?t) (on|in) (any |the )?(map|maps|navigation)|(maps?|navigation) (can'?t|cannot|doesn'?t) find",
    re.IGNORECASE)


def cannot_give_the_place(text: str) -> bool:
    """Whether ``text`` says the place cannot be given exactly and names none besides ("I don't know the exact
    address, it's near the Sanlitun Soho" names one)."""
    return bool(_NO_EXACT_PLACE.search(text)) and not looks_like_place(_NO_EXACT_PLACE.sub("", text))


def is_question(text: str) -> bool:
    """Whether ``text`` asks something (a question mark or a question word), in zh, en or ja."""
    return bool(_QUESTION.search(text))


_PLACE = (
    re.compile(r"(?<!以)(?<!之)(?<!路)[路街巷号弄院楼栋区县镇乡村桥门站园馆寺庙塔](?!灯)"
               r"|胡同|小区|社区|大厦|广场|公园|地铁|学校|医院|市场|附近|旁边|对面|门口|楼下|楼上|路口"),
    re.compile(r"(通り|丁目|番地|ビル|マンション|アパート|公園|駅|近く|付近|向かい|入口|交差点|区|号|路|街|(?<!以)前|横)"),
    re.compile(r"\b(street|st|road|rd|avenue|ave|lane|alley|hutong|district|building|bldg|block|tower|community|"
               r"compound|estate|park|station|bridge|gate|square|market|school|hospital|mall|near|outside|opposite|"
               r"behind|next to|corner|entrance|north|south|east|west|floor|apartment|unit)\b|\bno\.\s*\d|#\s*\d|\d",
               re.IGNORECASE),
)
# Japanese forms of the kanji in Beijing's place names, to look them up in the (simplified) gazetteer.
_JA_TO_SIMPLIFIED = str.maketrans({
    "陽": "阳", "東": "东", "門": "门", "関": "关", "園": "园", "楽": "乐", "華": "华", "豊": "丰", "広": "广",
    "龍": "龙", "竜": "龙", "順": "顺", "義": "义", "慶": "庆", "興": "兴", "懐": "怀", "雲": "云", "溝": "沟",
    "場": "场", "際": "际", "橋": "桥", "団": "团", "結": "结", "亜": "亚", "運": "运", "村": "村", "営": "营",
    "単": "单", "灯": "灯", "鉄": "铁", "駅": "站", "堂": "堂", "厳": "严", "長": "长", "陳": "陈", "馬": "马",
    "麗": "丽", "蘭": "兰", "両": "两", "爾": "尔", "県": "县", "区": "区", "區": "区", "涼": "凉", "湯": "汤",
    "鐘": "钟", "鼓": "鼓", "閣": "阁", "観": "观", "寿": "寿", "萬": "万", "万": "万", "壽": "寿", "緑": "绿",
    "転": "转", "頭": "头", "圧": "压", "庁": "厅", "楼": "楼", "樓": "楼", "纏": "缠", "鶏": "鸡", "鳳": "凤",
    "凰": "凰", "臺": "台", "灣": "湾", "湾": "湾", "飛": "飞", "呉": "吴", "貢": "贡", "銀": "银", "錦": "锦",
    "荘": "庄", "宮": "宫", "壇": "坛", "館": "馆", "紅": "红", "盧": "卢", "徳": "德", "勝": "胜",
})


def gazetteer_form(text: str) -> str:
    """``text`` with Japanese kanji forms in simplified Chinese, for the gazetteer's names."""
    return text.translate(_JA_TO_SIMPLIFIED)


_COURTESY = re.compile(r"辛苦|谢谢|多谢|感谢|你好|您好|哈哈|在吗|早上好|晚上好|麻烦你了|不好意思|不容易|再见|拜拜"
                       r"|哈喽|嗨|喂"
                       r"|\b(thanks?|thank you|hello|hi|hey|hiya|howdy|yo|hi there|haha|lol|good (morning|afternoon"
                       r"|evening|night)|appreciate"
                       r"|must be (a )?(hard|tough|busy)|bye|goodbye|see you)\b"
                       r"|お疲れ|ありがとう|こんにちは|こんばんは|おはよう|恐縮|助かります|助かる|感謝|ご苦労|大変でしょう"
                       r"|大変ですね|さようなら|失礼します|すみません|すいません", re.IGNORECASE)


def is_courtesy(text: str) -> bool:
    """Whether ``text`` has words of courtesy, greeting or small talk ("辛苦辛苦", "thanks for working late")."""
    return bool(_COURTESY.search(text))


# A question about the question asked: why it is needed, or what to put ("Why you need my address?",
# "乗った場所と降りた場所、どちらを書けばいいですか？", "写公司地址还是家里地址？").
_ABOUT_THE_QUESTION = re.compile(
    r"\bwhy (do |would |does |d )?(you|u|they|ya) (need|want|ask|asking)|\bwhy (is|are) (my|the|this|a) \w+ "
    r"(needed|required|necessary)|\bwhat do you need (my|the|this) \w+ for|\bwhich (one|address|place|location"
    r"|category) (should|do|shall) i\b|\bwhat should i (write|put|enter|say) (here|for)"
    r"|\b(my|our|his|her|their|the) (address|place|flat|home|house|shop)[^?]{0,20}\bor (my|our|his|her|their|the)"
    r"\b[^?]{0,20}\?"  # "my mum's address or mine?"
    r"|为什么(要|需要|得)|为啥(要|需要|得)|干嘛(要|需要)|要.{0,6}(干嘛|干什么|做什么)用?|(写|填|选)哪(个|一个|里)"
    r"|(写|填)[^？?，,]{0,12}还是[^？?]{0,12}[？?]"  # "是填我妈家地址还是我家的？"
    r"|(跟|和)(地址|地点|位置|电话|手机号?)有(啥|什么)关系|what does (the|my) (address|location|place|phone( number)?)"
    r" have to do with|(住所|場所|電話番号?)(と|が)(何の|なんの)関係"
    r"|(应该|该)(写|填|选)(什么|哪)|还是.{1,12}(地址|地点)[？?]"
    r"|(なぜ|なんで|どうして).{0,10}(必要|いる|要る|聞く|書く)|(どちら|どっち|どれ|どこ|何)を(書け|書い|入力|選べ|選ん)"
    # which address: "the flat's address, right? not mine?", "病院の住所でしょうか？義父の家の住所でしょうか？"
    r"|\b(address|place|location), right\?|\bnot (mine|ours|my (address|home|place))\?"
    r"|の(住所|場所)(でしょうか|ですか|ですよね|のこと)[？?]"
    # how exact: "还要写多细？楼号也要？", "how detailed?", "どこまで詳しく"
    r"|(要|得)写多(细|详细)|(楼号|门牌号?|几号楼|单元号?)也(要|得)(写)?[吗嘛]?[？?]|\bhow (detailed|exact|precise)\b"
    r"|どこまで(詳しく|細かく)|番地(まで|も)(必要|いります|要ります)"
    # said already: "は？さっき通州って言ったじゃん", "我刚才不是说了是通州吗？"
    r"|(さっき|もう).{0,12}(言った|書いた)(じゃん|でしょ|よね|のに)|刚才.{0,12}(说|写)(过|了)(啊|呀|吗|嘛)?[？?]"
    r"|\bi (already|just) (said|told you|wrote)\b"
    # whether it matters: "does it matter where I am? it's my phone", "地址重要吗", "場所は関係ありますか"
    r"|\b(does|do) (it|the (place|address|location)) (matter|make a difference)|\bwhy does (it|the place) matter"
    r"|(地址|地点|位置|在哪)(重要|有关系|有影响)(吗|么)|(说|写|填)[^？?，,]{1,10}(行不行|可以吗|行吗|成吗)[？?]|(場所|住所)(は|って)(関係|重要|必要)(あります|ある|です)か",
    re.IGNORECASE)


def asks_about_the_question(text: str) -> bool:
    """Whether ``text`` asks why the question is asked or what to answer (not the answer itself)."""
    return is_question(text) and bool(_ABOUT_THE_QUESTION.search(text))


def looks_like_place(text: str) -> bool:
    """Whether ``text`` names or points to a place: an address word, a landmark word, a number."""
    plain = text.strip()
    return bool(plain) and any(pattern.search(plain) for pattern in _PLACE)


def mentions(text: str, fragment: str) -> bool:
    """Whether ``fragment`` (a word the resident says was wrong) occurs in ``text``, ignoring case and spacing; a
    letter or two of Latin script as a word of its own ("Exit C", not the c of "cubicle")."""
    if fragment.isascii() and fragment.isalnum() and len(fragment) <= 2:
        return bool(_as_a_word(re.compile(re.escape(fragment), re.IGNORECASE), fragment).search(nfkc(text)))
    return bool(fragment) and normalised(fragment) in normalised(text)


def _as_a_word(pattern: re.Pattern[str], old: str) -> re.Pattern[str]:
    """``pattern`` for ``old``, matching a number as a whole number ("9", not the 9 of "2019") and a letter or two
    of Latin script as a word ("C" of "Exit C", not of "public")."""
    if old.isdigit():
        return re.compile(rf"(?<!\d){pattern.pattern}(?!\d)", re.IGNORECASE)
    if old.isascii() and old.isalnum() and len(old) <= 2:
        return re.compile(rf"(?<![A-Za-z0-9]){pattern.pattern}(?![A-Za-z0-9])", re.IGNORECASE)
    return pattern


def replace_mention(text: str, old: str, new: str) -> str:
    """``text`` with the first ``old`` replaced by ``new`` (ignoring case, width and spacing, as ``mentions``);
    ``new`` alone when ``old`` is absent."""
    wanted = [ch for ch in unicodedata.normalize("NFKC", old) if not ch.isspace()]
    if not wanted:
        return new.strip()
    written = nfkc(text)  # full-width letters and digits as ASCII; CJK punctuation kept
    pattern = re.compile(r"\s*".join(re.escape(ch) for ch in wanted), re.IGNORECASE)
    pattern = _as_a_word(pattern, "".join(wanted))
    found = pattern.search(written)
    if found is None:
        return new.strip()
    # "floors 11 to 15" for "12 to 15" in "on floors 12 to 15": the words the new value repeats go too
    start, said = found.start(), new.strip()
    shared = next((size for size in range(min(len(said), start), 1, -1)
                   if written[start - size:start].lower() == said[:size].lower()
                   and (start - size == 0 or not written[start - size - 1].isalnum())), 0)
    return written[:start - shared] + said + written[found.end():]


_SEGMENT_END = re.compile(r"[,，、;；]")
_NUMBER_BEFORE = re.compile(r"(?:no\.?\s*|#\s*)?\d+[a-z]?\s*$", re.IGNORECASE)


def replace_place(place: str, old: str, new: str) -> str:
    """``place`` with the street ``old`` replaced by ``new``. When ``new`` brings its own number
    ("阜成路42号院5号楼", "number 16 on Chegongzhuang West Road"), the old street's number goes with it:
    the rest of that part of the address (up to the next comma) is replaced, and a number just before it."""
    if not any(ch.isdigit() for ch in nfkc(new)):
        return replace_mention(place, old, new)
    wanted = [ch for ch in unicodedata.normalize("NFKC", old) if not ch.isspace()]
    written = nfkc(place)
    found = _as_a_word(re.compile(r"\s*".join(re.escape(ch) for ch in wanted), re.IGNORECASE),
                       "".join(wanted)).search(written) if wanted else None
    if found is None:
        return new.strip()
    separators = [m.end() for m in _SEGMENT_END.finditer(written, 0, found.start())]
    segment_start = separators[-1] if separators else 0
    start = found.start()
    number = _NUMBER_BEFORE.search(written, segment_start, start)
    if number is not None:
        start = number.start()
    # "上地信息路" corrected to "上地东路35号": the words the new street repeats go too
    # ("上地东路", not "上地上地东路").
    shared = next((size for size in range(min(6, start - segment_start), 0, -1)
                   if written[start - size:start] == new.strip()[:size]), 0)
    start -= shared
    end_match = _SEGMENT_END.search(written, found.end())
    end = end_match.start() if end_match else len(written)
    before = written[:start].rstrip()
    gap = " " if new.isascii() and (before.endswith((",", ";")) or (
        written[segment_start:start].strip() and written[start - 1:start].isascii())) else ""
    return (before + gap + new.strip() + written[end:]).strip()


_DECLINES_CONTACT = re.compile(
    r"((不|别|不想|不要|不用|不愿意|不方便)(再)?(留|给|告诉|打|联系|透露|回电))"
    r"|(电话|号码|手机|回电|回访|来电)[^，,。]{0,6}(不留|别留|不给|算了|不用|免了|不需要|没必要)"
    r"|don'?t (want to )?(give|leave|share|call)|rather not|no (phone|number|call)|without (my )?(phone|number)"
    r"|no need (for a |to )?(phone |call ?back|call)|(don'?t|do not) (need|want) (a |any )?(phone ?)?call"
    r"|call ?backs? (is |are )?not (needed|necessary)"
    r"|(電話|番号|連絡先|連絡|折り返し|コールバック)[^、。]{0,8}(結構|いりません|いらない|要らない|不要|必要(ない|ありません)"
    r"|遠慮|教えたくない|残したくない|控え|なしで|けっこう)",
    re.IGNORECASE)


def declines_contact(text: str) -> bool:
    """"电话还是别留了，怕公司知道", "I'd rather not give my number", "電話は遠慮します": no phone call."""
    return bool(_DECLINES_CONTACT.search(text))


# A message that says an answer given was wrong, without the "not X but Y" shape: "Oh wait, that's my office
# address, sorry!", "等一下，地址不对", "ちょっと待ってください、訂正があります".
_ANNOUNCES_CORRECTION = re.compile(
    r"\b(mistake|meant|typo|(oh |hang on|hold on)?wait|hang on|hold on|fix (something|that|what)"
    r"|(one|a|small|quick) fix|i wrote earlier|correction|(to|must|need to|have to|let me|i'll|i will) correct"
    r"|correct (the|my|that|this|it|something|one|a))\b"
    r"|说错|写错|写差|说差|打错|记错|记岔|说岔|搞混|搞错|弄错|更正|等一下|等等|得改|要改一下|改一下"
    r"|訂正|ちょっと待|言い直|言い間違|書き間違", re.IGNORECASE)
# Words that say something is wrong, about an answer or about the problem itself ("水费不对", "the bill is wrong",
# "料金が間違っている"): an announcement when they open the message or name an answer ("地址不对").
_SOMETHING_WRONG = re.compile(r"\b(wrong|incorrect|not right)\b|不对|错了|間違|違います|違いました|違う", re.IGNORECASE)
_OPENS_WITH_WRONG = re.compile(r"^\W*(oh,? |sorry,? |no,? |嗯，?|啊，?|あ、?|すみません、?)?"
                               r"(wrong|that'?s wrong|not right|不对|错了|不是|違います|違う|間違えました)",
                               re.IGNORECASE)


# Or that something is missing from it: "刚才说得不全", "one more thing", "言い忘れましたが".
_ADDS_TO_IT = re.compile(r"说得不全|写得不全|没写全|说得不(太)?准|说得不对|没说全|没说完|补充|忘了说|还有一点|还有一件"
                         r"|哦还有|前面说的"
                         r"|漏了一|落了一|也(写|加)上|(加|补)上(这|一)"
                         r"|\b(one more thing|i forgot to (say|mention)|to add|i should add"
                         r"|also,? i (saw|noticed|forgot)|(you )?(left|missed) (out )?(something|one thing)"
                         r"|(please |can you )?(also )?add (that|this))\b"
                         r"|言い忘れ|付け加え|補足|追加で|抜けて(い|ま)|書いておいて|書き加え|足して", re.IGNORECASE)


def announces_correction(text: str) -> bool:
    """Whether ``text`` says that something given before was wrong or incomplete (zh, en, ja)."""
    if _ANNOUNCES_CORRECTION.search(text) or _ADDS_TO_IT.search(text):
        return True
    return bool(_SOMETHING_WRONG.search(text)) and (
        bool(_OPENS_WITH_WRONG.match(text)) or any(names_field(text, field) for field in FIELDS))


_EN_STREET = r"(?:Road|Street|Avenue|Lane|Alley|Hutong|Lu|Jie|Rd|St|Ave|Boulevard|Blvd)"
_PLACE_SPANS = (
    re.compile(rf"\b(?:No\.?\s*)?\d+[A-Za-z]?,?\s+(?:[A-Z][\w'-]*\s+){{1,4}}{_EN_STREET}\b"
               rf"|\b(?:[A-Z][\w'-]*\s+){{1,4}}{_EN_STREET}\b(?:\.?\s*(?:No\.?\s*)?\d+[A-Za-z]?\b)?"),
    re.compile(r"[\u4e00-\u9fff]{1,8}?(?:大街|路(?![灯面过上边人线况])|街(?!道)|胡同|巷)(?:\d+号楼|\d+号)?(?:院)?(?:\d+(?:号楼|栋|号))?"
               r"|[\u4e00-\u9fff]{2,8}?\d+号(?:院|楼)?(?:\d+号楼)?"),
)
# Words before a street that belong to the sentence: "现在在上地东路35号", "不是信息路那边".
_SPAN_LEAD = re.compile(r"^(?:现在|目前|其实|应该|实际上|我们|我家|我|公司|单位|家里|就|还|也|不是|而是"
                        r"|是在|住在|搬到了?|搬去了?|在|是|麻烦|请|帮我|帮忙|改成|改为|换成|写成|应该是)+")


_AREA_BEFORE = re.compile(r"^.*(?:街道|地区|区|镇|乡)")


def place_spans(text: str) -> list[str]:
    """The street addresses written in ``text`` ("Huizhong Road 12", "上地东路35号"), in order."""
    plain = nfkc(text)
    found: list[tuple[int, str]] = []
    for pattern in _PLACE_SPANS:
        for match in pattern.finditer(plain):
            span = _SPAN_LEAD.sub("", match.group()).strip()
            street = _AREA_BEFORE.sub("", span)  # "三里屯街道工体北路8号": the street is "工体北路8号"
            span = street if len(street) >= 3 else span
            if len(span) >= 3 and "的" not in span:
                found.append((match.start(), span))
    return [span for _, span in sorted(found)]


def place_correction(text: str, place: str) -> Correction | None:
    """A street in ``text`` that is not in the place given: the place, corrected loosely ("Oh wait, that's my
    office address! We live at Huizhong Road 12"); the street it replaces is the one of ``place`` the message
    names, else the place's first street. Without a new street, a new number for a numbered part of the place
    ("it was Terminal 2", "the number is 58, not 85", "是12号楼")."""
    spans = place_spans(text)
    new = [span for span in spans if not mentions(place, span)]
    # "开在北蜂窝路上，正式地址是北蜂窝路3号院": one street, said twice; the fuller address stands for both
    new = [span for span in new if not any(other != span and mentions(other, span) for other in new)]
    if len(new) > 1:  # "扯电线的是隔壁12号楼，麻烦改成右内西街12号楼": the one on the place's own street
        given = {_street_stem(span) for span in place_spans(place)}
        new = [span for span in new if _street_stem(span) in given] or new
    if len(new) != 1:
        return number_correction(text, place) if not new else None
    named = [span for span in spans if mentions(place, span) and _street_stem(span)]  # "9号楼" names no street
    old = named[0] if named else next(iter(place_spans(place)), None)
    return Correction(new=new[0], old=old, field="location")


_SENTENCE_END = re.compile(r"(?<=[.!?。！？;；])\s*")
# What comes before the place in a sentence that gives one: "The flat is ...", "we live at ...", "养老院在...",
# "老人ホームは...".
_PLACE_LEADS = (
    re.compile(r"^(?:but |and |so |no,? )?(?:the |our |my |his |her |their )?(?:[\w'-]+ ){0,3}?"
               r"(?:is|are|was|were|'s|lives?|stays?|sits?)\s+(?:actually |really |in fact )?(?:at |in |on |near )?",
               re.IGNORECASE),
    re.compile(r"^(?:但|不过|其实|实际上)?[\u4e00-\u9fff]{0,8}?(?:位于|是在|在|地址是|地点是)(?=.{3,})"),
    re.compile(r"^[^。、]{0,12}?(?:は|が)(?=.{4,})"),
)
_PLACE_TAILS = re.compile(r"(?:路上|街上)$|(?:上|那边|那儿|那里|这边|です|にあります|にある|あたり|にいます)$")


def place_in_words(text: str, place: str, names_a_place: Callable[[str], bool]) -> str | None:
    """The place a correction gives in a sentence of its own ("The flat is Building 3, Shaoyaoju Beili, still in
    Taiyanggong", "养老院在兴谷街道平翔路上"): the last sentence that, without its lead ("the flat is", "养老院在")
    and tail ("上", "にあります"), ``names_a_place`` (the city's gazetteer knows its area) and is not in ``place``."""
    for sentence in reversed([part for part in _SENTENCE_END.split(text.strip()) if part.strip()]):
        clause = _clean(sentence)
        if is_question(sentence):
            continue
        for lead in _PLACE_LEADS:
            clause = lead.sub("", clause, count=1)
        clause = _clean(_PLACE_TAILS.sub(lambda m: "路" if m.group().startswith("路") else
                                         ("街" if m.group().startswith("街") else ""), clause))
        after_colon = re.split(r"[:：]\s*", clause, maxsplit=1)[-1]  # "my mum's building: Building 212, …"
        if after_colon != clause and len(after_colon) >= 3 and names_a_place(after_colon):
            clause = after_colon
        if len(clause) >= 3 and names_a_place(clause) and not mentions(place, clause):
            return clause
    return None


_IS_LEAD = re.compile(r"^(?:应该是|其实是|是在|是|在|叫|it'?s |it is |the (?:compound|estate|building) is )",
                      re.IGNORECASE)
_NOT_A_NAME_END = re.compile(r"[的了吗呢吧啊]$")


def fuller_part(text: str, place: str) -> Correction | None:
    """A part of the place said more exactly ("小区写得不全，是康盛园三区" for "…, 康盛园小区"): a clause whose name
    begins as one part of the place does (three characters, or its first word) and is not shorter: it replaces
    that part."""
    parts = [part for part in re.split(r"[,，、;；\s]+", nfkc(place)) if part]
    for clause in re.split(r"[，,。；;！!？?]", nfkc(text)):
        new = _IS_LEAD.sub("", clause.strip()).strip()
        if not 3 <= len(new) <= MAX_PART_CHARS or mentions(place, new) or _NOT_A_NAME_END.search(new):
            continue
        for part in parts:
            if len(new) < len(part) - 1 or normalised(part) == normalised(new):
                continue
            if new.isascii():
                shares = new.split()[0].lower() == part.split()[0].lower() if " " in new else False
            else:
                shares = normalised(new)[:3] == normalised(part)[:3]
            if shares:
                return Correction(new=new, old=part, field="location")
    return None


MAX_PART_CHARS = 20


_PART_END = re.compile(r"[,，、;；]\s*")


def names_other_parts(new: str, old: str) -> bool:
    """Whether ``new`` names a compound or street that ``old`` does not have, numbers aside ("Building 212,
    Nanhu Zhongyuan" for "Building 3, Nanhu Xiyuan"): another place, not another number of the same one."""
    return any(len(stem) >= 3 and not mentions(old, stem) for stem in map(_street_stem, _PART_END.split(new)))


_NUMBERING = re.compile(r"\d+|no\.?\s*|#|号|番|号楼|号院|栋|棟|单元|門|门|层|階|楼|院", re.IGNORECASE)


def _street_stem(span: str) -> str:
    """A street address without its numbers ("右内西街12号楼" -> "右内西街")."""
    return normalised(_NUMBERING.sub("", nfkc(span)))


# A number with what it numbers: "Terminal 2", "Building 5", "Gate #3" (the word before); "12号楼", "3棟",
# "5単元" (the word after).
_LABEL_BEFORE = re.compile(r"\b([A-Za-z][A-Za-z'-]{2,})\.?\s*(?:no\.?\s*|#\s*)?(\d+)\b", re.IGNORECASE)
_LABEL_AFTER = re.compile(r"(\d+)\s*(号楼|号院|号门|栋|棟|单元|単元|号|番地|番|層|层|階|楼|院|门|門|口)")
_NUMBER_WORDS = re.compile(r"\b(number|no\.|house number|street number|digits?)\b|门牌|号码|門牌|番地|番号",
                           re.IGNORECASE)
_NOT_LABELS = {"at", "on", "in", "it", "is", "was", "the", "and", "but", "its", "it's", "about", "around", "after",
               "before", "since", "for", "from", "than", "last", "every", "until", "till", "past"}


def number_correction(text: str, place: str) -> Correction | None:
    """A new number for one numbered part of ``place``: the same word numbered ("Terminal 2" for "Terminal 3",
    "12号楼" for "10号楼"), or, when the message speaks of the number and the place has exactly one, that one
    ("I got the number backwards. It's 58")."""
    written, given = nfkc(text), nfkc(place)
    numbers = set(re.findall(r"\d+", written))
    if len(numbers) != 1 or numbers <= set(re.findall(r"\d+", given)):
        return None
    (number,) = numbers
    for pattern, label_group, number_group in ((_LABEL_BEFORE, 1, 2), (_LABEL_AFTER, 2, 1)):
        for said in pattern.finditer(written):
            label = said.group(label_group)
            if said.group(number_group) != number or label.lower() in _NOT_LABELS:
                continue
            for old in pattern.finditer(given):
                if old.group(label_group).lower() == label.lower() and old.group(number_group) != number:
                    start, end = old.span(number_group)
                    return Correction(new=given[:start] + number + given[end:], old=place, field="location")
    in_place = list(re.finditer(r"\d+", given))
    if _NUMBER_WORDS.search(written) and len(in_place) == 1:
        start, end = in_place[0].span()
        return Correction(new=given[:start] + number + given[end:], old=place, field="location")
    return None


_NEGATION = re.compile(r"\b(no|not|nope|don'?t|won'?t|rather|skip|without|out)\b"
                       r"|不|没|别|免|ない|ません|結構|遠慮|やめ|なし|無し", re.IGNORECASE)


def refuses_a_number(text: str) -> bool:
    """At a phone question: words with a "no" in them and not a digit ("hmm, actually no, please leave my
    number out") refuse to give one."""
    plain = nfkc(text)
    return not any(ch.isdigit() for ch in plain) and bool(_NEGATION.search(plain))


# A request taken back in the same message: "能不能转人工？……算了，你接着问吧", "actually never mind, carry on".
_CARRY_ON = re.compile(r"算了|不用了|不转了|接着问|继续问|你继续|接着来|继续吧|还是继续|"
                       r"\b(never ?mind|forget it|carry on|go on|let'?s (just )?continue|keep going|continue)\b"
                       r"|続けて|やっぱり(いい|大丈夫|結構)|このまま(で|進め)|先に進", re.IGNORECASE)


def carries_on(text: str) -> bool:
    """Whether ``text`` takes back what it asked and asks to go on with the form."""
    return bool(_CARRY_ON.search(text))


# Asking for a person in words: "no, can I talk to a person?", "不要，转人工", "オペレーターと話したい".
_ASKS_FOR_PERSON = re.compile(r"\b(a person|a human|real person|operator|someone real|an agent|talk to someone)\b"
                              r"|人工|真人|客服|话务员|接线员|オペレーター|担当者と|人と話", re.IGNORECASE)


def asks_for_a_person(text: str) -> bool:
    """Whether ``text`` asks, in words, to talk to a person."""
    return bool(_ASKS_FOR_PERSON.search(text))


# Declining to answer in words: "no, I'd rather not say", "不想说", "言いたくないです".
_REFUSES_TO_SAY = re.compile(
    r"\b(rather not|prefer not|don'?t want to (say|tell|answer)|not telling|skip( it| this)?)\b"
    r"|不想说|不方便说|不告诉|不想回答|不说了|言いたくない|答えたくない|秘密|内緒", re.IGNORECASE)


def refuses_to_answer(text: str) -> bool:
    """Whether ``text`` declines the question asked: a bare no or a no it opens with, or words that refuse."""
    return short_reply(text) in (Reply.NO, Reply.DECLINE) or opening_reply(text) in (Reply.NO, Reply.DECLINE) \
        or bool(_REFUSES_TO_SAY.search(text))


# Asking to wait, and nothing else yet: "sec, typing w one hand on the bus", "等一下，我找找", "ちょっと待ってください".
_HOLD_ON = re.compile(r"^((ok|okay|oh|um+|uh+|sorry)[ ,]+)?((one |a |just a |gimme a )?(sec|second|moment|minute|min)\b"
                      r"|(hold on|hang on|wait)\b)"
                      r"|^(ok|okay|好|嗯|哦)?[ ,，]*(请|您|请您)?(等一下|等等|稍等|等我一下"
                      r"|(等下|等会儿?)(?=$|[，,。！!…～~\s啊哈吧我]))"
                      r"|^(えーと|えっと|あの|あのー|うーん)?[、,\s]*(ちょっと|ちょっ|ちょ)?[、,\s]*待って"
                      # going to look it up: "団地の名前の漢字が分からないので、調べますね。少々お待ちください"
                      r"|((少々|少し|ちょっと)お待ちください|調べます(ね|ので)?|確認します(ね|ので))[。！!…]*$"
                      r"|\b(let me (check|look it up|find it)|i'?ll (check|look it up|find out)|one moment please)\W*$"
                      r"|(我)?(查一下|查查|找一下|找找|看一下|问一下家里人)(啊|哈|吧)?[。！!…～~]*$"
                      # asking for a moment at the end, after an apology or a feeling: "sorry, I'm really upset,
                      # give me a second", "不好意思，让我缓一下", "すみません、少し時間をください"
                      r"|\b(give me|gimme|need|just|wait|hold on|hang on)( just)? (a|one|a few|a couple of)"
                      r" (sec|secs|second|seconds|moment|moments|minute|minutes|min)( please)?\W*$|\bbear with me\W*$"
                      r"|(给我|让我)(一点|一会儿|点)?(时间|缓(一下|一缓|缓)|想(一下|想))(吧|啊)?[。！!…～~]*$"
                      r"|(等我|稍等)(一下|一会儿|片刻)(啊|哈|吧)?[。！!…～~]*$"
                      r"|(少し|ちょっと)(時間を|だけ)?(ください|待って(ください|ね|くださいね)?)[。！!…]*$"
                      r"|(少々|しばらく)お待ち(ください|を)[。！!…]*$"
                      # busy now, the answer later: "すみません今ちょっと手が離せなくて、あとで", "等会儿再发你",
                      # "busy right now, I'll send it later"
                      r"|手が離せな|(すみません|すいません|ごめん)[^。！？]{0,12}(今|いま)[^。！？]{0,24}(ていて|てて|ている最中|中なので|中で)"
                      r"[…。.]*$"
                      r"|[、,，]\s*(あとで|後で|のちほど)(送|書|連絡|入力|返信)?(します|しますね|ね|で)?[。！!…]*$"
                      r"|(等会儿|一会儿|待会儿|回头)(再)?(发|说|告诉你|补|回)(给你|你)?(吧|啊|哈)?[。！!…～~]*$"
                      r"|\b(i'?ll|i will|will) (send|tell you|give (it|you)|write|type|do) (it |that |you )?later\W*$"
                      r"|\bbusy (right )?now\b", re.IGNORECASE)


def holds_on(text: str) -> bool:
    """Whether ``text`` only asks the assistant to wait (no place, number or correction in it): "wait", "等下",
    "OK wait，我确认一下门牌号", "您稍等，我戴上老花镜", "えーと、ちょっと待ってください、地図アプリで確認します"."""
    plain = text.strip()
    return bool(_HOLD_ON.search(plain)) and not any(ch.isdigit() for ch in plain) and not place_spans(plain) \
        and not is_question(plain) \
        and not announces_correction(_HOLD_ON.sub("", plain, count=1)) and correction(plain) is None
