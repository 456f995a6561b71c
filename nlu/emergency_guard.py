"""NLU component: unmistakable emergency wording is an ``emergency``, whatever the classifier said.

The intent classifier learns emergencies from examples and misses some ("two men are fighting
with knives outside the bar" came out as a problem report on the held-out split), and a missed
emergency walks a resident through a form instead of naming 110/119/120/122. This guard runs
after the classifiers: when the text has wording that means danger now (fire, smoke, a gas leak,
someone trapped, drowning, unconscious, a knife, flooding with people inside, ...) and is not
a question about a risk ("会不会着火", "how do I prevent...") or a denial ("no one is hurt"),
the intent becomes ``emergency``.

The patterns are written for precision: tests/nlu/test_emergency_guard.py holds them to no hit
on any non-emergency training example in nlu/ and to most emergency examples of each language.
Patterns of the language the LanguageDetector found apply; with none found, all of them.
"""

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.input_check import TOO_LONG
from bot.repair import is_courtesy, is_question
from nlu.input_guard import BAD_INPUT, PROBLEM_KEY, StatelessComponent, make_intent, promote_ranked
from nlu.language import ENTITY as DETECTED_LANGUAGE
from nlu.narrative_guard import is_long_account

EMERGENCY = "emergency"

# Danger now, per language.
DANGER: dict[str, re.Pattern[str]] = {
    "zh": re.compile(
        r"(?<![打点]不)(?<![打点])着火|起火|失火|火灾|烧起来|大火|冒烟|浓烟|全是烟|冒黑烟|烧着了|冒火花"
        r"|(燃气|煤气|天然气)(泄漏|漏了)|(燃气|煤气|天然气|管道).{0,8}(漏气|喷气)|煤气味|燃气味|天然气味|闻到煤气|闻到燃气"
        r"|(煤气|燃气|一氧化碳)中毒"
        r"|被困|困在|关在电梯|卡在电梯|被卡在|被埋|被压在|压在.{0,6}下面|卡在.{0,6}出不来|水.{0,12}出不去|锁在车里"
        r"|(电梯|人).{0,6}(往下掉|坠落)"
        r"|持刀|拿刀|砍人|捅人|动刀|动了刀|抢劫|打人|在打我|打起来|家暴|杀人|要杀|(把|将).{0,8}(女|男|孩子|人).{0,4}拖走"
        r"|跳楼|要跳(楼|河|下去)|往下跳|跳河|轻生|自杀|掉河里|溺水|落水|掉进河|掉进湖|救命|救人"
        r"|昏迷|晕倒|不省人事|没有呼吸|没呼吸|没气了|抽搐|触电|大出血|流了很多血|在流血|血流不止|见血"
        r"|人.{0,4}倒地|倒地不起|一动不动|(人|工人|孩子|老人).{0,8}摔下来"
        r"|水还在涨|水位.{0,4}涨|快打11[09]|快打12[02]|叫救护车"
        # a break-in under way
        r"|有人(正在|在)撬|正在撬(门|锁|窗)|(正在|在)撬我(家|们家)"),
    "en": re.compile(
        r"\b(on fire|caught fire|catch(ing)? fire|is burning|are burning|burning (building|house|flat)|flames?\b"
        r"|fire!|help,? fire|fire,? help|fire in (my|the|our|a)\b|smoke is (coming|pouring)|(full of|black) smoke"
        r"|sparking|electric shock|electrocuted"
        r"|gas leak|leaking gas|smell(s|ing)? (of )?gas|gas smell|smell gas"
        r"|trapped|(stuck|locked) in (the|a) (lift|elevator|hot car|basement)|(I|we) can'?t get out"
        r"|(with|has|had|holding|waving|pulled) (a )?(knife|knives|gun)|fighting with knives|knife (attack|fight)|stabb"
        r"|armed robbery|being (beaten|robbed|attacked)|attacking (people|me)|will kill"
        r"|hitting me|beating (his|her|my)|dragging a (woman|man|girl|boy|child|kid)|screaming for help"
        r"|about to jump|going to jump|threatening to jump|(?<!bricks )(?<!tiles )(?<!stones )(?<!things )fell into"
        r"|jumped into|can'?t swim|struggling in the|drowning"
        r"|not breathing|isn'?t breathing|unconscious|won'?t wake up|passed out|fainted|isn'?t moving|not moving"
        r"|seizure|(someone|somebody|he|she|they|man|woman|kid|child|person|people) (is|are) bleeding"
        r"|bleeding (heavily|badly)"
        r"|(crash|accident).{0,20}injured|is collapsing"
        r"|(someone|somebody|he|she|man|woman|lady|person|child|kid|dad|mum|mom|father|mother)"
        r" (has |just |suddenly )?collapsed"
        r"|water is (pouring|rising)|water is up to|filling with water|is flooding|flooded and|flooding (into|my|fast)"
        r"|call (an )?ambulance|call 11[09]|call 12[02]"
        r"|(trying to|is|are) (break|breaking) (in|into)\b|forcing (the|my|our) (door|window|lock) open)", re.I),
    "ja": re.compile(
        r"火事|(^|\s|、)かじ($|\s|!|！|です|だ)|燃えて|炎が|炎に|(?<!油)煙が|火が出|火花|ガス漏れ|ガスが?漏れ"
        r"|ガスの(臭|にお|匂)い|ガス臭"
        r"|閉じ込め|挟まって|下敷き|取り残|逃げられな|刃物|ナイフ(を持|で)|包丁を(持|振)|刺され|殴られ|強盗|殺す|引きずっ"
        r"|押し込(んで|もう)|助けて.{0,6}叫び声|悲鳴"
        r"|助けて[!！、]|たすけて|飛び降り|(川|海|池|線路|ホーム).{0,4}飛び込|人が落ち|落ちて(動|血)"
        r"|(子ども|子供|人).{0,10}落ちそう|溺れ|おぼれ"
        r"|意識がない|意識が(な|無)|意識があり?ません|息をしていな|(父|母|祖父|祖母|おじいさん|おばあさん|男性|女性|子ども|人)が(急に)?倒れ"
        r"|倒れて(動|意識)|けいれん|感電|大量に出血|出血がひど|血を流|けが人が(い|出)"
        r"|(人|運転手|作業員|父|母|子ども|男性|女性).{0,10}動(け|き)ません|救急車(を|が|、)?(呼ん|呼び|呼ぶ|呼べ|来て|お願い|頼|必要|要る|を早く)"
        r"|水没.{0,10}人|水がひざ|水位が上が|水がどんどん|水.{0,12}止められ(ない|ません)|あふれて.{0,8}人"
        r"|崩れ(そう|ました).{0,10}人|落ちそう.{0,10}人"
        r"|こじ開けようと|こじ開けて(い|る)|押し入ろうと|侵入しようとして"),
}
# A question about a risk, not a danger now.
HYPOTHETICAL: dict[str, re.Pattern[str]] = {
    "zh": re.compile(r"会不会|容易|预防|防止|隐患|风险|安全吗|会.{0,6}吗|万一|要是|如果|一旦|假如|担心.{0,6}会"
                     r"|真(要|的)?(着火|起火|失火|出事)|提心吊胆"
                     # seen elsewhere: "网上那些电池起火的视频"
                     r"|(视频|新闻|报道|网上)[^。！？]{0,10}(着火|起火|失火|爆炸)|(着火|起火|失火|爆炸)的(视频|新闻|报道)"
                     # asking what counts as danger: "啥叫有危险？你是说着火了才算？"
                     r"|啥叫|什么叫|你是说|你的意思是|才算"),
    "en": re.compile(r"\b(could|might|risk|prevent|safe to|what if|avoid|if there'?s (ever )?an?( real)?|in case of"
                     r"|what do you mean|does that mean|do you mean|counts? as)\b", re.I),
    "ja": re.compile(r"かもしれ|危なくない|防ぐ|防止|予防|リスク|大丈夫|(ならないか|起きないか|ないか)と?(心配|不安)"
                     r"|(が|も)(怖い|こわい|心配|不安)|(の|な)時(に|は)|になったら|起きたら|(ので|から)(不安|心配|怖い|こわい)"
                     r"|ってこと(ですか)?[？?]|という意味|どういう意味"),
}
# "No one is hurt", "没有人受伤", "けが人はいません": said of the danger itself, so "on fire and no
# one is answering the door" still counts.
DENIAL: dict[str, re.Pattern[str]] = {
    "zh": re.compile(r"没有人(被|受)|没人(被|受)|无人(被|受)|没有(被困|受伤)|(没|没有|不是)(着火|起火|失火)"
                     r"|还没(有)?(着火|起火|出事)|没(着|烧)起来"),
    "en": re.compile(r"\b(no one|nobody|no-one) (is|was|got|has been) (hurt|injured|trapped|inside|in danger)\b"
                     r"|\bnot (hurt|injured|trapped|on fire|burning)\b|\bno fire\b"
                     r"|\bnothing('s| is| has)? (burning|on fire|caught fire|happened)\b", re.I),
    "ja": re.compile(r"(けが人|怪我人|負傷者|閉じ込められた人)は(い|出て)(ません|ない)"
                     r"|火事(では|じゃ)(ありません|ない)"
                     # "いまガスのにおいがするわけではありませんが"
                     r"|(におい|匂い|臭い|煙|火)(が|は)(する|出ている|出てる|ある)?わけ(では|じゃ)(ありません|ない)"
                     r"|(におい|匂い|臭い)は(しません|しない)"),
}


# Day after day, or now and then: what keeps happening is not a fire breaking out now (smoke, sparks).
RECURRING = re.compile(r"毎日|毎晩|毎朝|毎夜|いつも|ときどき|時々|たまに|時おり|時折|(夜|夕方|朝|深夜|夜中)になると"
                       r"|每天|天天|每晚|每到(晚上|夜里|半夜)|一到(晚上|夜里|半夜)|总是|经常|时不时|偶尔|有时候"
                       r"|\b(every (single )?(day|night|evening|morning|weekend)|daily|nightly|all the time|sometimes"
                       r"|now and then"
                       r"|on and off|off and on|from time to time|occasionally)\b", re.I)
# Smoke from smokers, burnt rubbish, a barbecue or a grill, or smoke day after day, is a nuisance, not a fire: with
# these words, smoke alone says no danger. (A restaurant or a factory alone is not enough: either may be on fire.)
SMOKING = re.compile(r"抽烟|吸烟|烟味|二手烟|烟头|香烟|禁烟|烧垃圾|焚烧|烧树叶|烧秸秆|烧烤|油烟|烟囱|煙突"
                     r"|烤肉|烤串|撸串|炭火|排烟|排风"
                     r"|たばこ|タバコ|煙草|喫煙|禁煙|受動喫煙|燃やして|野焼き|焚き火|バーベキュー|焼肉|焼き肉|炭火|焼き鳥|焼鳥"
                     r"|串焼き|排気|換気扇|ダクト|烧香|お線香"
                     r"|\b(cigarettes?|smoking|smokers?|second-?hand smoke|vap(e|ing)"
                     r"|burn(s|ing|t)? (plastic|rubbish|trash|garbage|leaves|tyres|tires|straw)"
                     r"|bonfire|barbecue|bbq|chimney|smokestack"
                     r"|grill|skewers?|kitchen exhaust|exhaust (fan|vent|pipe))\b"
                     # smoke day after day, or now and then, is a nuisance
                     rf"|{RECURRING.pattern}", re.I)
SMOKE = re.compile(r"[烟煙]|smoke", re.I)
# Sparks day after day or now and then ("ときどき火花が見えます", "时不时冒火花", "sparking on and off since last
# night") are a hazard to report (power_line_hazard), not a fire: with RECURRING words, sparks alone say no danger.
SPARKS = re.compile(r"冒火花|火花|sparking|sparks", re.I)
# Insects bite ("蚊が大量に出てきます。…何か所も刺されます"): with these words, 刺され (stabbed, or bitten) says
# no danger.
INSECTS = re.compile(r"蚊|虫|ハチ|蜂|ダニ|ノミ|ゴキブリ")
STUNG = re.compile(r"刺され")
# A hazard that could hurt someone later ("someone is going to ride into it", "迟早出事", "危ないです")
# is an urgent appeal, not an emergency: the classifier's emergency yields to its runner-up report.
FUTURE_RISK: dict[str, re.Pattern[str]] = {
    "zh": re.compile(r"迟早|早晚|万一|会(有人)?(摔|掉|撞|绊|出事|受伤|砸)|容易|隐患|小心|危险|怕(有人|会|哪天)"),
    "en": re.compile(r"\b(going to|gonna|will|could|might|before (someone|somebody|a child|a kid)|sooner or later"
                     r"|one day|dangerous|hazard)\b", re.I),
    "ja": re.compile(r"(そう|かもしれ|危ない|危険|恐れ|おそれ|いつか)"),
}
# From a word about what could happen to the end of its clause.
_CLAUSE_FROM = {code: re.compile(rf"(?:{HYPOTHETICAL[code].pattern}|{FUTURE_RISK[code].pattern})[^,.;!?，。；！？、]*",
                                 re.IGNORECASE) for code in FUTURE_RISK}
# Japanese says what could happen before its marker ("火事の時に", "火事が心配で"): the whole clause around it, found
# clause by clause (one pattern for "the clause around a marker" rescanned the text from every position: 150 ms on
# 2,000 characters).
_CLAUSE_SPLIT = re.compile(r"([,.;!?，。；！？、])")
_JA_RISK = re.compile(rf"{HYPOTHETICAL['ja'].pattern}|{FUTURE_RISK['ja'].pattern}")


def _without_risk_clauses(text: str, code: str) -> str:
    """``text`` less its clauses about what could happen, in ``code``'s way of saying it."""
    if code != "ja":
        return _CLAUSE_FROM[code].sub("", text)
    return "".join("" if _JA_RISK.search(part) else part for part in _CLAUSE_SPLIT.split(text))
# A long account of an emergency that is over ("My father collapsed on Sunday night and the ambulance took 55
# minutes") is a complaint about what happened, not a call for help now: past time words and none of the present.
PAST: dict[str, re.Pattern[str]] = {
    "zh": re.compile(r"昨天|前天|昨晚|上周|上个月|上星期|上个?礼拜|那天|当时|去年|前几天|上次|前年"
                     r"|[一两三四五六七八九十几]+(天|周|个月|年)前"
                     r"|周[一二三四五六日天](晚上|早上|下午)?那|今天早上|今早"),
    "en": re.compile(r"\b(yesterday|last (night|week|month|year|time|sunday|monday|tuesday|wednesday|thursday|friday"
                     r"|saturday)|on (sunday|monday|tuesday|wednesday|thursday|friday|saturday)|ago"
                     r"|that (night|day)|this morning|earlier today)\b", re.IGNORECASE),
    "ja": re.compile(r"昨日|昨夜|おととい|先週|先月|去年|この前|その日|当時|[日月火水木金土]曜日?の(夜|朝|午後)|今朝"
                     r"|[0-9０-９一二三四五六七八九十数]+(日|週間|か月|ヶ月|年)前"),
}
# Said to be over: "the gas smell from this morning is gone now", "消防来了已经灭掉了", "警察来处理完了".
OVER = re.compile(r"\b(is|was) (gone|over|fixed|put out)\b|\b(they|he|she|someone) fixed it\b"
                  r"|灭掉了|扑灭了|处理完了|修好了|烧光了|烧没了|烧成了?空|烧得(什么|啥)都不剩"
                  r"|已经(没事|灭|处理|修)|消し止め|収まりました|直りました|もう大丈夫", re.IGNORECASE)
NOW: dict[str, re.Pattern[str]] = {
    "zh": re.compile(r"(?<!到)现在|正在|还在|此刻|马上|赶紧|快来"),  # "到现在不赔": until now, not now
    # ("who was still getting on" is past)
    "en": re.compile(r"\b(now|right now|(?<!was )(?<!were )still|currently|at the moment|hurry|quick(ly)?|help!)\b",
                     re.IGNORECASE),
    # "いま" as a word, not inside "迷いました" or "思います"
    "ja": re.compile(r"今(?!朝)|(?<![ぁ-ゖ])いま(?![すせし])|まだ|現在|急いで|すぐ"),
}


# A complaint about how an emergency went: "…the ambulance took an hour to come. I want to file a complaint", "…打了120
# 等了一个多小时救护车才到，这个要投诉".
COMPLAINT = re.compile(r"complain|complaint|took (an hour|hours|\d+|too long)|投诉|等了|才到|找谁赔|谁赔|苦情|遅かった"
                       r"|遅すぎ", re.IGNORECASE)


def told_as_past(text: str, language: str | None = None) -> bool:
    """Past time words (of ``language``, or of any of ours when None) and none of the present in any language."""
    languages = [language] if language in PAST else list(PAST)
    return any(PAST[code].search(text) for code in languages) and not any(NOW[code].search(text) for code in NOW)


def past_account(text: str, language: str | None = None) -> bool:
    """An account of danger that is over: said to be over after past time words, or told in the past (``told_as_past``)
    at length or as a complaint."""
    languages = [language] if language in PAST else list(PAST)
    if OVER.search(text) and any(PAST[code].search(text) for code in languages):
        return True
    return told_as_past(text, language) and (is_long_account(text) or bool(COMPLAINT.search(text)))


REPORT = "report_problem"
# Saying whom or what a message is about, and nothing that happened: never an emergency without danger wording.
ANNOUNCES_ONLY = re.compile(r"(頼まれて|代わりに|代理で)(ご)?(連絡|相談)"
                            r"|(のこと|の件)(なんですが|なんですけど|なのですが|ですが)"
                            r"|\b(writing|asking|messaging) (for|on behalf of)\b|(替|帮|代).{0,6}(反映|问|说)",
                            re.IGNORECASE)
MAX_ANNOUNCEMENT_CHARS = 60
# The classifier's emergency below this, with no danger wording at all ("这么晚了还有人值班啊，辛苦了": 0.41),
# is a misreading: the next intent of the ranking takes its place, else a fallback that asks back.
MIN_UNSUPPORTED_EMERGENCY = 0.5
# A long account with no danger wording at all ("…把孩子关在教室里看动画片…": emergency 0.74) is a report unless the
# classifier is this sure: an emergency told at length names its danger (the training data has no long emergency
# without it; tests/nlu/test_emergency_guard.py holds long accounts of emergencies to the danger wording).
MIN_UNSUPPORTED_EMERGENCY_ACCOUNT = 0.9
NLU_FALLBACK = "nlu_fallback"
SMALL_TALK = ("thanks", "greet", "goodbye")
MIN_REPORT_SUPPORT = 0.1


def means_danger_now(text: str, language: str | None = None) -> bool:
    """True when ``text`` (in ``language``, or in any of ours when None) describes danger now."""
    languages = [language] if language in DANGER else list(DANGER)
    if SMOKING.search(text):
        text = SMOKE.sub("", text)
    if INSECTS.search(text):
        text = STUNG.sub("", text)
    if RECURRING.search(text):
        text = SPARKS.sub("", text)
    if past_account(text, language):
        return False
    return any(DANGER[code].search(text) and not HYPOTHETICAL[code].search(text) and not DENIAL[code].search(text)
               for code in languages)


def has_danger_wording(text: str) -> bool:
    """Whether any language's danger wording occurs in ``text``, questions and denials included."""
    plain = SMOKE.sub("", text) if SMOKING.search(text) else text
    plain = STUNG.sub("", plain) if INSECTS.search(plain) else plain
    return any(pattern.search(plain) for pattern in DANGER.values())


def smoke_nuisance(text: str) -> bool:
    """Smoke from smokers, burnt rubbish or a barbecue, and no other danger wording."""
    return bool(SMOKING.search(text)) and not any(pattern.search(SMOKE.sub("", text)) for pattern in DANGER.values())


def risk_later(text: str, language: str | None = None) -> bool:
    """True when ``text`` describes a hazard that may hurt someone later, with no danger now."""
    languages = [language] if language in FUTURE_RISK else list(FUTURE_RISK)
    plain = SMOKE.sub("", text) if SMOKING.search(text) else text
    # Danger wording outside the clauses about what could happen ("on fire, someone could be inside") keeps
    # the emergency; "万一着火根本跑不出去" only says what could.
    for code in DANGER:
        plain = _without_risk_clauses(plain, code)
    return not any(DANGER[code].search(plain) for code in DANGER) \
        and any(FUTURE_RISK[code].search(text) or HYPOTHETICAL[code].search(text) for code in languages)


def _detected_language(message: Message) -> str | None:
    for entity in message.get(ENTITIES) or []:
        if entity.get("entity") == DETECTED_LANGUAGE:
            return str(entity.get("value"))
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyGuard(StatelessComponent):
    """Runs last in the pipeline; overrides the intent for emergency wording."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get("name")
            problem = message.get(PROBLEM_KEY)
            if text.startswith("/") or problem not in (None, TOO_LONG):
                continue
            if intent == EMERGENCY:
                self._demote_risk_later(message, text)
                self._demote_unsure(message, text)
                continue
            if not means_danger_now(text, _detected_language(message)):
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY]
            top = {"name": EMERGENCY, "confidence": 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
            if intent == BAD_INPUT:  # too long, but the first 2,000 characters say someone is in danger
                message.set(ENTITIES, [e for e in message.get(ENTITIES) or [] if e.get("entity") != PROBLEM_KEY],
                            add_to_output=True)
        return messages

    @staticmethod
    def _demote_risk_later(message: Message, text: str) -> None:
        """The classifier's emergency for a hazard that may hurt someone later becomes the report behind it; an
        account of one ("…住了二十来号人…万一着火可怎么办": emergency 0.98) is a report however sure it was."""
        language = _detected_language(message)
        if past_account(text, language):  # over: a complaint about how it went
            make_intent(message, REPORT)
            return
        if means_danger_now(text, language):  # "隣の家が燃えていて危ないです": danger now, whatever else it says
            return
        denied = any(DENIAL[code].search(text) for code in DENIAL)
        if not (risk_later(text, language) or smoke_nuisance(text) or denied):
            return
        if promote_ranked(message, REPORT, MIN_REPORT_SUPPORT):
            return
        # "電動バイクを室内で充電してもいいんでしょうか？火事が心配で": a question about a risk asks; anything else
        # reports
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY]
        if is_question(text) and ranking and promote_ranked(message, str(ranking[0].get("name")), 0.0):
            return
        make_intent(message, REPORT)

    @staticmethod
    def _demote_unsure(message: Message, text: str) -> None:
        top = message.get(INTENT) or {}
        if top.get("name") != EMERGENCY or has_danger_wording(text):
            return
        # "近所のおばあさんに頼まれて連絡しています", "職場の前のことなんですが": whom or what it is about, nothing yet
        if len(text) <= MAX_ANNOUNCEMENT_CHARS and ANNOUNCES_ONLY.search(text):
            make_intent(message, REPORT)
            return
        # "这么晚了还有人值班啊，辛苦了" (0.92): small talk with no danger wording is small talk, however sure; a long
        # account that opens with a hello ("Hello. From yesterday evening no gas in my kitchen. …") is no small talk.
        if is_courtesy(text) and not is_long_account(text) \
                and any(promote_ranked(message, name, 0.0) for name in SMALL_TALK):
            return
        # "我妈八十多了一个人在家，社区有没有人上门照顾": a question with no danger wording asks about a service.
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY]
        if is_question(text) and ranking and promote_ranked(message, str(ranking[0].get("name")), MIN_REPORT_SUPPORT):
            return
        confidence = float(top.get("confidence") or 0.0)
        # "去年被狗咬了，打狂犬疫苗花了好几千…", "My son got injured at kindergarten two weeks ago": over, no danger
        # wording
        if told_as_past(text, _detected_language(message)):
            make_intent(message, REPORT)
            return
        if is_long_account(text) and confidence < MIN_UNSUPPORTED_EMERGENCY_ACCOUNT:
            make_intent(message, REPORT)
            return
        if confidence >= MIN_UNSUPPORTED_EMERGENCY:
            return
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY]
        if not (ranking and promote_ranked(message, str(ranking[0].get("name")), MIN_REPORT_SUPPORT)):
            fallback = {"name": NLU_FALLBACK, "confidence": float(top.get("confidence") or 0.0)}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
