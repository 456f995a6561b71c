"""Facts about the conversation that several actions need: language, resident, appeal key."""

import hashlib
import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from actions.texts import fragment
from bot.gazetteer import Gazetteer, load_gazetteer
from bot.lang import Lang, undetermined_latin

# Rasa input channel names -> the channel names the backend stores.
CHANNELS = {"socketio": "webchat", "rest": "rest", "telegram": "telegram", "wechat": "wechat", "webchat": "webchat"}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana, Han, Hangul syllables
SERVED_LANGUAGES = {lang.value for lang in Lang}
# The appeal form's confirmations (actions/appeal_form.py): before cancelling an appeal that holds
# answers, and before taking a place the city's gazetteer does not know.
CANCEL_PENDING, CANCEL_CONFIRMATION = "cancel_pending", "cancel_confirmation"
LOCATION_CANDIDATE, LOCATION_CHECK = "location_candidate", "location_confirmed"
APPEAL_SLOTS = ("appeal_description", "appeal_written_language", "appeal_location",
                "appeal_latitude", "appeal_longitude",
                "appeal_media_url", "appeal_category", "appeal_attribute", "appeal_attributes",
                "category_options", "contact_consent", "contact_phone", "appeal_confirmed", "correction_field",
                CANCEL_PENDING, CANCEL_CONFIRMATION, LOCATION_CANDIDATE, LOCATION_CHECK, "repair_failures")
_PHONE = re.compile(r"^\+?[0-9 ()-]{5,20}$")


HISTORY_LOOKED_AT = 60  # as assistant/nlg.py: a few turns, a flat cost however long the history


def language_of(tracker: Tracker) -> str:
    """The conversation's language (assistant.nlg.conversation_language, on the action server's tracker)."""
    language = Lang.parse(tracker.get_slot("language"), default=Lang.ZH)
    if language is not Lang.ZH:
        return str(language.value)
    texts: list[str] = []
    for event in tracker.events[-HISTORY_LOOKED_AT:][::-1]:
        if event.get("event") == "slot" and event.get("name") == "language":
            return str(language.value)
        text = str(event.get("text") or "") if event.get("event") == "user" else ""
        intent = str(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")
        if text and not text.startswith("/") and not intent.startswith("EXTERNAL_"):
            texts.append(text)
    return str((Lang.EN if undetermined_latin(texts) else language).value)


def resident_of(tracker: Tracker) -> tuple[str, str]:
    """(channel, channel user id): who this conversation belongs to, as the backend knows them."""
    channel = tracker.get_latest_input_channel() or "rest"
    return CHANNELS.get(channel, channel), tracker.sender_id


def appeal_key(tracker: Tracker, form: str = "appeal_form") -> str:
    """An Idempotency-Key for the current appeal: the conversation plus when its form started.

    Filing the same appeal twice (a retry, the outbox) sends the same key; a new appeal in the
    same conversation starts the form again and so gets a new key. ``form`` names the form
    that collected it (the appeal form, or the call-back form).
    """
    started = next(
        (e.get("timestamp") for e in reversed(tracker.events)
         if e.get("event") == "active_loop" and e.get("name") == form),
        None,
    )
    scope = tracker.sender_id if form == "appeal_form" else f"{tracker.sender_id}|{form}"  # appeal keys as before
    digest = hashlib.sha256(f"{scope}|{started}".encode()).hexdigest()
    return f"assistant:{digest[:32]}"


def is_phone_number(text: str) -> bool:
    """Whether ``text`` looks like a phone number (digits, spaces, brackets, dashes, a leading +)."""
    return bool(_PHONE.match(text)) and sum(ch.isdigit() for ch in text) >= 5


_PHONE_IN_TEXT = re.compile(r"(?<![\d+])\+?\d[\d ()-]{5,18}\d(?!\d)")
MIN_PHONE_DIGITS = 7  # a number in words around it: a landline without area code at least ("5123 4567")


def phone_in_text(text: str) -> str | None:
    """The one phone number in a message that says more ("13910572286，中午十二点到一点打最好"); None when there
    is none or more than one (which one to call is then the resident's to say)."""
    plain = unicodedata.normalize("NFKC", text)
    found = [m.group().strip() for m in _PHONE_IN_TEXT.finditer(plain)
             if sum(ch.isdigit() for ch in m.group()) >= MIN_PHONE_DIGITS]
    return found[0] if len(found) == 1 else None


# What an opener says without saying what happened: "I want to report a problem", "我想反映一个问题".
_OPENER_WORDS = frozenset("i id want would like to report a an the problem issue complaint complain make file have "
                          "there is about something please need help with my me some sorry excuse hi hello hey lodge "
                          "raise tell say talk speak someone".split())
_OPENER_PHRASES = re.compile(r"我要|我想|想要|投诉|反映|举报|一个|问题|一下|有个|情况|事情|请问|你好|您好|报告|"
                             r"不好意思|打扰|件事|个事|事儿|有事|有点事|想跟|跟你们|你们|说说|说|讲讲|讲|麻烦|"
                             r"問題|報告|申し立て|申告|通報|相談|苦情|したい|があります|ありまして|あります|について|です|ます|"
                             r"お願い|ちょっと|すみません|すいません|こと|のですが|んですが|ですが|言いたい|話したい|聞いて|申し上げ|伺い"
                             r"|させていただき|いたしました|ご連絡|連絡しました"
                             r"|困って|困った|ていること|があって|ほしい|もらいたい")


_LINK_WORDS = frozenset("in on at of for our we us it this that these those here there near next by".split())


def is_descriptive(text: str) -> bool:
    """Whether a message says what happened, not just "I want to complain" (opener words do not count)."""
    cjk = len(_CJK.findall(_OPENER_PHRASES.sub("", text)))
    # any alphabet; "I'd" is "id", and words that only place or link ("in our compound") say nothing happened
    words = [w for w in re.findall(r"[^\W\d_]+", text.lower().replace("'", "").replace("’", ""))
             if w not in _OPENER_WORDS and w not in _LINK_WORDS]
    return cjk >= 6 or len(words) >= 3


# An opener that names only what it is about: "新しく買ったマンションのことで相談があります", "我想反映一下小区停车的
#问题", "I'd like to complain about my new apartment". What happened is still to be told.
_TOPIC_ONLY = (
    re.compile(r"^.{1,20}?(のことで|の件で|について|に関して)[、,]?(ちょっと|少し)?(ご?相談|お話|話|お願い|苦情|申し立て|申告"
               r"|質問|お聞きしたいこと)(が|を|し)?(言い|申し上げ|伺い|お聞きし|聞き|入れ|させ|乗って)?"
               r"[ぁ-ん、。！!？?\s]{0,16}$"),
    re.compile(r"^.{1,12}?(のことで|の件で|について|に関して)[。.…、]*$"),  # "騒音の件で"
    # "犬の登録の件で困っていて…"
    re.compile(r"^.{1,20}?(のことで|の件で|について|に関して)[、,]?(ちょっと|少し)?(困って|悩んで)(いて|います|いる|いるんです|るんです)"
               r"(が|けど)?[。.…、]*$"),
    # "すみません、観光で来ている母のことなんですが"
    re.compile(r"^.{1,30}?(のこと|の件)(なんですが|なんですけど|なのですが|なんですけれども|ですが|ですけど)[。.…、]*$"),
    # "会社のスタッフのことで、代わりに相談させてください"
    re.compile(r"^.{1,30}?(のことで|の件で|について|に関して)[、,]?[^。]{0,8}?(ご?相談|お話|話)(させて|したい|しても)"
               r"(ください|いただけますか|いただきたい|もらえますか|いい(ですか|でしょうか))?(です|のですが|んですが)?[。.!！?？]?$"),
    # "工事現場のことで報告したいです", "バス路線の要望をお伝えしたいのですが、ここでいいですか？"
    re.compile(r"^.{1,20}?(のことで|の件で|について|に関して|の)[、,]?(ちょっと|少し)?(報告|通報|連絡|要望|意見|苦情|相談|問い合わせ)?"
               r"(を|が)?(お伝え|伝え|言い|申し上げ|お願い|お聞き|伺い|聞き)?(し|させて|させていただき)?(たい|ください)(の|ん)?"
               r"(です|ですが|ですけど|けど|ことが(あります|あって|ありまして))?[、,]?"
               r"((ここ|こちら)で(いい|大丈夫|よろしい)(ですか|でしょうか)[？?]?)?[。.！!]?$"),
    re.compile(r"^我?(想|要)?(跟你们)?(反映|咨询|说|投诉|举报|问|聊)(一下|下)?(一个|一件|个|件|点)?(关于)?.{0,15}?的?(事儿?|问题|情况)"
               r"[。！!，,]?$"),
    re.compile(r"^关于.{1,15}?的?(事儿?|问题|情况)[，,]?我?(想|要)?(反映|咨询|说|投诉|问)(一下)?[。！!]?$"),
    re.compile(r"^我?(想|要)(举报|投诉|反映)(一下)?[^，,。！!？?]{2,6}[。！!]?$"),  # "我要举报公司违法辞退"
    # "I'd like to report something about my son's class teacher, but I'm worried it could come back on him"
    re.compile(r"^(i('d| would)? (want|like|need) to|can i) (report|tell you|say) something (about|regarding) "
               r"[^.!?,:;]{1,50}(,? but (i'?m|i am) (worried|afraid|scared|nervous|not sure)[^.!?]{0,80})?[.!]?$",
               re.IGNORECASE),
    # "I would like to file a complaint regarding my employer.", "I am writing to lodge a formal complaint."
    re.compile(r"^(i('d| would)? (want|like|need) to|i am writing to|i'?m writing to) (file|lodge|make|raise|submit) "
               r"(a|an) (formal )?(complaint|concern|report)( (about|regarding|concerning|against) (my|the|our|a|an) "
               r"([\w'’-]+ ){0,2}[\w'’-]+)?[.!]?$", re.IGNORECASE),
    re.compile(r"^(hi,? |hello,? )?(i('d| would)? (want|like|need) to (complain|talk|speak|report something)"
               r"|i have (a|an|some) (complaints?|problems?|issues?)) (about|regarding|concerning) (my|the|our|a|an) "
               r"([\w'’-]+ ){0,2}[\w'’-]+[.!]?$", re.IGNORECASE),
    # asking whether this is the place for it: "hello? is this the right place for problems with a building?",
    # "这里能反映物业的问题吗？", "ここでマンションの相談はできますか？"
    re.compile(r"^((hi|hello|hey)\W*)?(is this|am i (in|at)) the right (place|number|service|hotline|chat)\b"
               r"[^.!]{0,60}$"
               r"|^((hi|hello|hey)\W*)?(can|could) i (report|complain about|ask about) [^.!]{0,50}\b(here|to you)\W*$"
               # "is this where I report a problem with our building's water tank?"
               r"|^is this (where|the place where|the place) ((i|we|one|you) (can |should |could )?|to )"
               r"(report|complain|ask|raise|tell)\b[^.!]{0,70}$",
               re.IGNORECASE),
    re.compile(r"^.{0,6}(这里|这儿|你们这儿?|你们)(能|可以|管不管|管)(反映|投诉|处理|管).{0,20}(吗|么|不)[？?]?$"),
    # "我想问问丢了东西能不能在这儿登记一下": whether it can be told here, not yet what happened
    re.compile(r"^(我)?(想)?(问问|问一下|请问)?.{1,20}?(能不能|可不可以|可以|能)(在)?(这儿|这里|你们这儿?)"
               r"(登记|反映|投诉|报|说|办|处理)(一下)?(吗|么)?[？?。]?$"),
    # "Hi, can you help me with a problem at work?"
    re.compile(r"^(can|could) you help (me|us) with (a|an|my|our|some) (problem|issue)"
               r"( (at|with|in|about|regarding) ((my|the|our|a|an) )?([\w'’-]+ ){0,2}[\w'’-]+)?\W*$", re.IGNORECASE),
    # "quick complaint abt street parking"
    re.compile(r"^((a|one|my|just a) )?((quick|short|small|little) )?(complaint|question|issue|problem|report|query)s? "
               r"(about|abt|re|regarding|concerning|on|with) ((my|the|our|a|an) )?([\w'’-]+ ){0,2}[\w'’-]+[.!]?$",
               re.IGNORECASE),
    # "hey, got a parking issue near my building", "I've got a noise complaint"
    re.compile(r"^((i|we)('ve| have)? )?(got|have) (a|an|some|one) ((quick|small|little|big|serious|real) )?"
               r"([\w'’-]+ )?(issue|problem|complaint|question|suggestion|request|concern)s?"
               r"( ?(slash|/|and|or|plus) ?(a |an )?(issue|problem|complaint|question|suggestion|request|concern))?"
               r"( (about|abt|re|regarding|concerning|on|with|near|at"
               r"|in|outside|behind|by) ((my|the|our|a|an|this|that) )?([\w'’-]+ ){0,2}[\w'’-]+)?[.!]?$",
               re.IGNORECASE),
    # "this is a question slash complaint about a university"
    re.compile(r"^this is (a|an|my) (question|complaint|query|report|request|problem)( ?(slash|/|and|or|plus) ?"
               r"(a |an )?(question|complaint|query|report|request))? (about|regarding|concerning|with) "
               r"((my|the|our|a|an|this|that) )?([\w'’-]+ ){0,3}[\w'’-]+[.!]?$", re.IGNORECASE),
    re.compile(r"^.{0,6}(ここで|こちらで).{0,16}(相談|申し立て|通報|苦情)(は|を|も)?(でき|し(ても|て)?いい|受け付け).{0,10}$"),
    # whether it is the hotline's business: "问一下，路挖开了不给填回去这种事归你们管吗？"
    re.compile(r"^(问一下|请问|想问一下|想问问)?[，,]?.{1,30}?(这种|这类|这样的)?(事儿?|事情|问题|情况)?(归|是)?你们(管|负责)"
               r"(吗|么|不|不管)[？?]*$"),
)

# Saying whom the appeal is for, and about them, before what happened: "I'm writing for my neighbour downstairs,
# Mrs Zhao. She's 86 and doesn't use a smartphone", "我替我爸妈反映个事，他们岁数大了不会打字",
# "近所のおばあさんに頼まれて連絡しています". These clauses say nothing happened.
_ON_BEHALF_CLAUSE = re.compile(
    r"\b(writing|asking|messaging|reporting|contacting you|here|typing|texting) (this )?(for|on behalf of) "
    r"|\bon behalf of (my|a|an|our|the|her|his)\b|\b(it'?s|this is) (not for me|for my|about my|on behalf)"
    r"|\b(i'?m|i am) (the|a) (landlord|daughter|son|neighbou?r|carer|caregiver|relative|friend|colleague)\b"
    r"|\b(he|she|they)('s| is| are| was) (\d+|old|elderly|very old|deaf|hard of hearing|confused|blind|not good with)"
    r"|\b(he|she|they) (doesn'?t|does not|don'?t|do not|can'?t|cannot) (use|speak|read|type|write|understand|do)\b"
    r"|\bgets? confused\b|\b(doesn'?t|does not|can'?t|cannot) (speak|read|type|use) (chinese|english|a smartphone"
    r"|smartphones|wechat|the chat|phones?)\b"
    r"|(我)?(替|帮|代)(我)?[^，,。]{0,8}(反映|问问?|说|投诉|咨询|联系|打|发)"
    r"|岁数大了|年纪大了|不会(打字|用手机|用智能手机|用微信|上网|说中文)|耳朵背|看不清字"
    r"|(代わりに|代理で)(ご)?(連絡|相談|お問い合わせ|送)|に頼まれて|から連絡があって|(日本語|中国語)(が|を)?(話せ|でき)(ない|ません)"
    r"|スマホ(が|を)(使え|使い)(ない|ません)|耳が遠|(を|に)(人に)?貸して(いる|います)(のですが|んですが)"
    r"|^.{1,30}(の話|のこと)です$", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,，、。.!！?？;；:：]\s*")


def _without_whom_for(text: str) -> str:
    """``text`` less its clauses about whom the appeal is for (``_ON_BEHALF_CLAUSE``); ``text`` when it has none."""
    clauses = [c for c in _CLAUSE_END.split(text) if c.strip()]
    kept = [c for c in clauses if not _ON_BEHALF_CLAUSE.search(c.strip())]
    return "，".join(kept) if len(kept) < len(clauses) else text


# A greeting before the opener: "在吗，想反映个老师的事", "hello, is this where I report ...".
_LEADING_GREETING = re.compile(r"^((hi|hello|hey)( there)?|(good )?(morning|afternoon|evening)"
                               r"|你好|您好|在吗|在不在|喂|哈喽|嗨"
                               r"|こんにちは|こんばんは|おはようございます|すみません)"
                               r"[\s,，、。.!！?？~～]*", re.IGNORECASE)


# A last sentence that says only how long it has lasted: "Can I report a bus driver here? It's been going on for weeks".
_DURATION_TAIL = re.compile(r"(?<=[.!?。！？])\s*(it'?s been (going on |happening |like this )?(for|since) [^.!?]{1,30}"
                            r"|(这事|这个情况|这情况)?(已经)?(好久|很久|好几(天|周|个月)|一个多月)了|もう[^。！？]{0,12}"
                            r"(続いて(います|る)|経ちます))[.!。！]?$", re.IGNORECASE)


# Who the resident is, before the opener: "hi, I'm a parent, I have a complaint about my son's school",
# "我是这个小区的业主，想反映个事", "北京在住の日本人です。相談したいことがあります".
_SELF_INTRODUCTION = re.compile(r"^((i'?m|i am|we'?re|we are) (a|an|the) [\w'’ -]{1,30}?|[\w'’ -]{1,30}? here"
                                r"|我(是|们是)[^，,。！!？?]{1,20}|(私は)?[^、。！？]{1,20}(です|の者です))[\s,，、。.!！]+",
                                re.IGNORECASE)
# Not knowing whom to turn to, after the opener: "我想举报个事儿，不知道该找谁", "not sure who to ask".
_WHO_TO_ASK_TAIL = re.compile(
    r"(?<=[，,。.!！、\s])\s*((也|我)?(不知道|不晓得|不清楚)(该|应该|要)?(找谁|找哪个部门|找哪儿|找哪里|问谁|去哪)"
    r"[^，。！？]{0,6}"
    r"|(也|我)?(不知道|不晓得|不清楚)(找|问)(你们|这里|这儿)(对不对|行不行|合适吗|可以吗|对吗|管不管)"
    r"|(也|我)?(不知道|不晓得|不清楚)(你们|这里|这儿|你们这儿?)(管不管|能不能管|管吗|能管吗)"
    r"|((i'?m )?not sure|(i )?(don'?t|do not) know) (who|where|whom) (to|i should|should i)"
    r" (ask|go|turn|contact|talk to)[^.!?]{0,20}"
    r"|(どこ|誰)に(相談|連絡|言え|言)(すれば|したら|ば|えば)(いい|よい)(か|の)?(わから|分から)[^。！？]{0,6})[。.!！?？]?$",
    re.IGNORECASE)


def _without_tails(text: str) -> str:
    return _WHO_TO_ASK_TAIL.sub("", _DURATION_TAIL.sub("", text.strip()).strip()).strip()


def _forms(plain: str) -> tuple[str, str, str]:
    """``plain``, without its greeting, and without who the resident is as well (these say nothing happened)."""
    bare = _LEADING_GREETING.sub("", plain, count=1)
    return plain, bare, _SELF_INTRODUCTION.sub("", bare, count=1)


def names_only_a_topic(text: str) -> bool:
    """Whether ``text`` only says what it is about ("マンションのことで相談があります"), not what happened."""
    forms = _forms(_without_tails(text))
    return any(pattern.match(form) for pattern in _TOPIC_ONLY for form in forms)


def is_announcement(text: str) -> bool:
    """Whether a message only announces that there is something ("苦情を言いたいんですが", "有个事儿想跟你们说一下",
    "I want to make a complaint", "マンションのことで相談があります"): opener words, and too little besides them,
    or only what it is about. "路灯不亮" is short, not an opener."""
    plain = _without_tails(text) or text.strip()
    has_opener = bool(_OPENER_PHRASES.search(plain)) or any(
        w in _OPENER_WORDS for w in re.findall(r"[a-z']+", plain.lower()))
    told = _forms(plain)[2]
    # for someone else, and nothing yet about what happened: "Hello, I'm writing for my mother, she gets confused
    # by the chat buttons"
    for_someone = _without_whom_for(_forms(plain)[1])
    if for_someone != _forms(plain)[1] and (not is_descriptive(for_someone) or names_only_a_topic(for_someone)):
        return True
    return names_only_a_topic(plain) or (has_opener and not is_descriptive(told or plain))


def latest_entity(tracker: Tracker, name: str) -> Any:
    return next(tracker.get_latest_entity_values(name), None)


def written_language(tracker: Tracker) -> str | None:
    """The latest message's language when we do not serve it (``ko``, ``ru``...), else None.

    nlu/language.py answers such messages in English and keeps the written language's code in
    the ``written_language`` attribute of its ``detected_language`` entity.
    """
    for entity in (tracker.latest_message or {}).get("entities") or []:
        code = entity.get("written_language") if entity.get("entity") == "detected_language" else None
        if isinstance(code, str) and code and code not in SERVED_LANGUAGES:
            return code
    return None


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def shared_location(tracker: Tracker) -> tuple[float, float, str] | None:
    """(latitude, longitude, readable text) of a location the latest message shared, if any.

    Channels send a shared location as ``/share_location{"latitude": .., "longitude": ..,
    "location_label": ..}``; the label (an address, when the platform gives one) is optional.
    """
    if latest_intent(tracker) != "share_location":
        return None
    try:
        latitude = float(latest_entity(tracker, "latitude"))
        longitude = float(latest_entity(tracker, "longitude"))
    except (TypeError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    label = str(latest_entity(tracker, "location_label") or "").strip()[:500]
    return latitude, longitude, label or described_point(latitude, longitude, language_of(tracker))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return load_gazetteer()


def described_point(latitude: float, longitude: float, language: str) -> str:
    """Coordinates a resident can check: ``39.93340, 116.45430 (near Sanlitun Subdistrict, Chaoyang)``."""
    point = f"{latitude:.5f}, {longitude:.5f}"
    place = gazetteer().nearest(latitude, longitude)
    if place is None or place.subdistrict is None:
        return point
    if language == "en":
        name = f"{place.subdistrict.name_en}, {place.district.name_en}"
    else:
        name = f"{place.district.name_zh}{place.subdistrict.name_zh}"
    near = fragment("text_near_place", language, place=name)
    return f"{point} ({near})" if language == "en" else f"{point}（{near}）"


def text_of_last_intent(tracker: Tracker, intent: str) -> str | None:
    """The text of the most recent user message with ``intent``."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and (event.get("parse_data") or {}).get("intent", {}).get("name") == intent:
            return str(event.get("text") or "") or None
    return None


def readable_time(iso: str | None) -> str:
    """``2026-11-25T14:08:44+08:00`` -> ``2026-11-25 14:08`` (Beijing time, as the backend sends it)."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso
