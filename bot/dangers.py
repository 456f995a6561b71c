"""What kind of danger an emergency report names, in Chinese, English and Japanese, and who takes it.

A report can name several dangers ("the compound is on fire and people are trapped upstairs"): the most
life-threatening decides, in the order of ``DANGERS`` (fire, then gas, violence, medical, traffic, flooding,
entrapment), never the first pattern that happens to match. Each kind names the emergency service the
resident is referred to (119 fire and rescue, 110 police, 120 ambulance, 122 traffic police) and the
department that follows the ticket up afterwards. Used by the assistant (actions/emergency.py: which numbers
to give, which category to file) and by the backend (hotline: the ticket's danger, referral and lead unit).
Standard library only (bot/ is shared by both runtimes).
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Danger:
    kind: str
    pattern: re.Pattern[str]
    referred_to: str  # the emergency number
    numbers: tuple[str, ...]  # the assistant's "call ..." fragments: fire, police, medical, traffic
    service_code: str  # the taxonomy leaf an urgent report of this kind is filed under
    follow_up: str  # the taxonomy department that follows it up


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


# Most life-threatening first. Patterns avoid words that only look alike ("火车" train, "火锅" hotpot, "gas
# station", a "fight" over a parking space written as a complaint is still violence when it is happening).
DANGERS: tuple[Danger, ...] = (
    Danger("fire", _words(r"着火|起火|失火|火灾|大火|火势|火苗|冒烟|浓烟|烧起来|烧着了", r"\bon fire\b",
                          r"\bfire\b(?!\s*(exit|door|escape|extinguisher|hydrant|alarm test))",
                          r"\bburning\b", r"\bsmoke\b", r"火事|火災|燃えて|煙が|煙で"),
           "119", ("fire",), "emergency_referred", "fire_rescue"),
    Danger("gas", _words(r"(煤气|燃气|天然气|液化气)(泄漏|泄露|漏了|漏气|味|爆炸)", r"(漏|闻到)(煤气|燃气|天然气)",
                         r"\bgas (leak|smell|explosion)", r"\b(smell|smells|smelling) (of )?gas\b",
                         r"ガス(漏れ|の(におい|臭い|匂い))|ガスが漏れ|ガス爆発"),
           "119", ("fire",), "gas_leak_smell", "beijing_gas"),
    Danger("violence", _words(r"打人|打架|斗殴|殴打|持刀|拿刀|拿着刀|砍人|捅人|抢劫|抢钱|家暴|行凶|绑架|劫持",
                              r"\b(attack(ed|ing)?|assault(ed)?|beating|fight(ing)?|stabb?(ed|ing)?|knife|"
                              r"rob(bed|bery)?|"
                              r"kidnap(ped)?|domestic violence)\b",
                              r"暴力|殴られ|殴って|殴り合い|刃物|ナイフ|強盗|喧嘩|誘拐"),
           "110", ("police",), "emergency_referred", "public_security"),
    Danger("medical", _words(r"晕倒|昏倒|昏迷|不省人事|受伤|受了伤|流血|出血|心脏病|心梗|中风|触电|抽搐|"
                             r"没有?呼吸|呼吸困难|摔伤|骨折|流了.{0,4}血|满身是血|血流不止",
                             r"\b(injur(ed|y|ies)|unconscious|collapsed?|bleeding|heart attack|stroke|not breathing|"
                             r"can'?t breathe|electrocuted|seizure|broken (leg|arm|bone))\b",
                             r"倒れ|意識が(ない|ありません)|けが|怪我|出血|心臓|呼吸(が|を)|感電|発作|骨折"),
           "120", ("medical",), "emergency_referred", "health_commission"),
    Danger("traffic", _words(r"车祸|撞车|交通事故|被车撞|撞了人|追尾|翻车",
                             r"\b(car accident|car crash|crash(ed)?|hit by a (car|truck|bus)|collision|run over)\b",
                             r"交通事故|車(に|の)(はねられ|事故)|衝突事故|ひき逃げ"),
           "122", ("traffic", "medical"), "emergency_referred", "traffic_police"),
    Danger("flooding", _words(r"水淹|被淹|淹了|进水了|倒灌|洪水|积水(很深|过膝|到腰)",
                              r"\bflood(ed|ing)?\b", r"\bwater (is )?pouring\b",
                              r"浸水|洪水|冠水|水が(入って|あふれ|溢れ)"),
           "119", ("fire",), "rainstorm_flood_risk", "emergency_management"),
    Danger("entrapment", _words(r"困在|被困|关在电梯|困电梯|卡在电梯|电梯.{0,6}(困|关)",
                                r"\btrapped\b", r"\bstuck in (the |an |a )?(lift|elevator)\b",
                                r"閉じ込め"),
           "119", ("fire",), "elevator_entrapment", "emergency_management"),
)
BY_KIND = {danger.kind: danger for danger in DANGERS}


def dangers_in(text: str) -> list[Danger]:
    """Every kind of danger ``text`` names, most life-threatening first."""
    return [danger for danger in DANGERS if danger.pattern.search(text)]


def main_danger(text: str) -> Danger | None:
    """The most life-threatening danger ``text`` names, or None."""
    return next((danger for danger in DANGERS if danger.pattern.search(text)), None)
