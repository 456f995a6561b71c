"""The value of a category's multiple-choice question, when the resident answers it in words.

The taxonomy's required multiple-choice questions are few and shared by whole groups of categories
("Has this happened once or repeatedly?", "How widespread is the problem?", "Is anyone in immediate
danger right now?"): residents answer them in their own words ("天天晚上都有，好几个月了", "the whole
building, every flat I've asked", "団地全体で水が出ていません"). Each value has the words that mean it,
in zh, en and ja; a value's own label counts too. Where several values are named, ``WIDEST`` says which
wins (a problem "not only in our building but in the whole compound" is the compound's).
"""

import re

from bot.short_replies import Reply, normalised, opening_reply, sentence_reply, short_reply

_WORDS: dict[str, dict[str, str]] = {
    "recurring": {
        "once": r"\b(once|one time|just the once|only once|first time|a one-off|one-off)\b"
                r"|一次|就一次|头一回|第一次|一度|一回|初めて",
        "repeated": r"\b(repeatedly|again and again|over and over"
                    r"|every (single )?(day|night|evening|morning|week|weekend)"
                    r"|all the time|keeps?|often|many times|several times|always|daily|nightly|regularly"
                    r"|every other day)\b"
                    r"|反复|经常|天天|每天|每晚|每周|老是|总是|好几次|多次|三天两头|隔三差五|常常"
                    r"|繰り返し|何度も|毎日|毎晩|毎週|いつも|しょっちゅう|たびたび|度々|よく起",
        "ongoing": r"\b(ongoing|still (going|happening|there|broken|off|on)|right now|non-?stop|continuing"
                   r"|hasn'?t stopped|since (yesterday|this morning|last)|ever since|since then|getting worse"
                   r"|for (days|weeks|months|years)( now)?|the whole time|(been|left( it)?|still) like (this|that)"
                   r"|never (came|come) back)\b"
                   r"|一直|持续|还在|到现在|至今|没停|现在还"
                   r"|ずっと|今も|今でも|続いて|継続|止まらない",
        "unknown": r"\b(not sure|don'?t know|no idea|unsure|can'?t (say|tell))\b|不清楚|不知道|说不好|不确定"
                   r"|わからない|分からない|わかりません|分かりません",
    },
    "outage_scope": {
        "compound": r"\b(whole|entire|all of the|the) (compound|community|estate|neighbou?rhood|area|complex)\b"
                    r"|整个小区|全小区|小区都|小区里都|一片|周边都|整个社区|団地全体|団地中|地域全体|近所一帯|周辺一帯|地区全体",
        "building": r"\b(whole|entire|all of the|the) (building|bldg|block|tower)\b"
                    r"|\bevery (flat|apartment|household)\b|\ball (the )?(flats|apartments|households)\b"
                    r"|\b(whole|entire|all of the|the) (court ?yard|yard)\b"  # a courtyard of several households
                    r"|\b(\d+|two|three|four|five|six|seven|eight|nine|ten|several|many) (households|families|flats)\b"
                    r"|整个院|全院|院里都|整个大院|(两|三|四|五|六|七|八|几|好几)户"
                    r"|整栋|整个楼|全楼|整幢|整个单元|楼里都|全单元|建物全体|棟全体|マンション全体|ビル全体|建物中|全戸"
                    # several floors: "上面几层都这样", "the floors above us too", "上の階も"
                    r"|(上面|下面|楼上|楼下)(的)?(几|好几|这几|那几)?层(都|也)|好几层|几层楼都"
                    r"|\b(several|other|all the|the) floors\b|\bfloors (above|below)\b|(上|下)の階(も|の人も)|何階も",
        "my_home": r"\b(only|just) (my|our|us|me)\b|\bmy (flat|home|apartment) only\b"
                   r"|\b(only|just) (that|this|the|one|my|our) (one )?(flat|home|apartment|unit|household|room)\b"
                   r"|\b(one|a single) (flat|home|apartment|unit|household)\b"
                   r"|\b(only|just) (my|our|the) (shop|store|restaurant|office|business)\b"  # their own premises
                   r"|只有(我|我们)?(的)?(店|饭馆|店里|铺子|门店)|就(我|我们)(的)?(店|饭馆|铺子)|(お店|店|店舗|うちの店)だけ"
                   r"|只有我家|就我家|仅我家|我家|就我们家|只有我们家|就这一户|就一户|只有一户|自宅|うちだけ|我が家だけ|自分の家"
                   r"|うちの部屋だけ|一軒だけ|一戸だけ|この部屋だけ|自分の部屋だけ",
        "unknown": r"\b(not sure|don'?t know|no idea|unsure)\b|不清楚|不知道|说不好"
                   r"|わからない|分からない|わかりません|分かりません",
    },
    "people_at_risk": {
        "no": r"\b(no one|nobody|not (now|yet|at the moment|right now)|no immediate)\b"
              r"|没有人|没人|暂时(还)?没|还没有人|无人"
              r"|誰もいない|誰もいません|今はいない|今はいません|いまのところ"
              # "いまは大丈夫です", "都没事", "everyone's fine now"
              r"|(今|いま)は(いない|いません|大丈夫|平気)|大丈夫です|平気です|都没事|没事了|暂时没事|没有危险|没危险"
              r"|\b(every(one|body)'?s? (is )?(fine|safe|ok|okay)|all (fine|safe)|safe (now|for now))\b",
        "yes": r"\b(someone|somebody|people (are|walk|pass)|children (are|walk|pass)|kids (are|walk|pass)"
               r"|a lot of people|lots of people|many people|hundreds of)\b"
               r"|有人|有(小孩|孩子|老人|学生)|人がいます|子ども(たち)?が(いつも|毎日|通)",
    },
}
# Several values named: the widest or the latest in this order wins ("没有人受伤" names "有人" too).
WIDEST = {"outage_scope": ("unknown", "my_home", "building", "compound"),
          "recurring": ("unknown", "once", "repeated", "ongoing"),
          "people_at_risk": ("yes", "no")}
_COMPILED = {code: {key: re.compile(words, re.IGNORECASE) for key, words in values.items()}
             for code, values in _WORDS.items()}
_CLAUSE_ENDS = ("，", ",", "。", ".", "!", "！", " ", "、", "")
_YES_NO_KEYS = ({"yes", "no"}, {"yes", "no", "unknown"})


def value_in_words(attribute: str, text: str, values: dict[str, str]) -> str | None:
    """The key of ``values`` (key -> label in the resident's language) that ``text`` names, if one does."""
    plain = text.strip()
    if not plain:
        return None
    keys = set(values)
    if keys in _YES_NO_KEYS:  # "はい、下をいつも子どもたちが通ります": a yes in a sentence
        reply = short_reply(plain) or opening_reply(plain) or sentence_reply(plain)
        if reply in (Reply.YES, Reply.OK):
            return "yes"
        if reply in (Reply.NO, Reply.DECLINE):
            return "no"
    typed = normalised(plain)
    # "有，单元门口天天有小孩": a one-character label opening the answer
    opening = next((key for key, label in values.items() if label and plain.startswith(label)
                    and plain[len(label):len(label) + 1] in _CLAUSE_ENDS), None)
    if opening is not None:
        return opening
    labelled = [key for key, label in values.items() if len(normalised(label)) >= 2 and normalised(label) in typed]
    patterns = _COMPILED.get(attribute, {})
    named = [key for key, pattern in patterns.items() if key in keys and pattern.search(plain)]
    found = list(dict.fromkeys(labelled + named))
    if len(found) == 1:
        return found[0]
    order = WIDEST.get(attribute)
    if found and order:
        return max(found, key=lambda key: order.index(key) if key in order else -1)
    return None
