"""Which danger an emergency report names, in zh, en and ja: single dangers, mixed reports (the most
life-threatening decides, never the first pattern listed), and look-alikes that are no danger at all."""

import pytest

from bot.dangers import BY_KIND, DANGERS, dangers_in, main_danger

SINGLE = [
    ("楼下三楼着火了，好大的烟", "fire"), ("the kitchen next door is on fire", "fire"), ("隣の家が火事です", "fire"),
    ("厨房里有很浓的煤气味", "gas"), ("I can smell gas in the stairwell", "gas"), ("台所でガス漏れしています", "gas"),
    ("楼下有人拿着刀在砍人", "violence"), ("a man is attacking his wife with a knife", "violence"),
    ("外で男が刃物を持って暴れています", "violence"),
    ("老人在路边晕倒了，叫不醒", "medical"), ("my father collapsed and is not breathing", "medical"),
    ("駅で人が倒れて意識がありません", "medical"),
    ("路口发生车祸，两辆车撞在一起", "traffic"), ("there was a car crash on the third ring road", "traffic"),
    ("車の事故です", "traffic"),
    ("暴雨后地下室进水了，水淹到膝盖", "flooding"), ("our basement is flooding fast", "flooding"),
    ("大雨で地下が浸水しています", "flooding"),
    ("电梯坏了，有人被困在里面", "entrapment"), ("someone is stuck in the elevator", "entrapment"),
    ("エレベーターに閉じ込められています", "entrapment"),
]
MIXED = [
    ("the compound is on fire and people are trapped upstairs", "fire", {"entrapment"}),
    ("小区着火了，楼上还有人被困", "fire", {"entrapment"}),
    ("マンションが火事で、上の階に人が閉じ込められています", "fire", {"entrapment"}),
    ("电梯困人，里面有个老人晕倒了", "medical", {"entrapment"}),
    ("someone is trapped in the lift and has collapsed", "medical", {"entrapment"}),
    ("エレベーターに閉じ込められて、中の人が倒れています", "medical", {"entrapment"}),
    ("车祸后有人流了很多血", "medical", {"traffic"}),
    ("a car crash, the driver is bleeding badly", "medical", {"traffic"}),
    ("交通事故でけが人がいます", "medical", {"traffic"}),
    ("煤气泄漏，已经冒烟了", "fire", {"gas"}),
    ("gas leak and now there is smoke coming out", "fire", {"gas"}),
    ("ガス漏れで煙が出ています", "fire", {"gas"}),
    ("两个人打架，一个人头上流血了", "violence", {"medical"}),
    ("a fight broke out and someone is injured", "violence", {"medical"}),
    ("喧嘩でけが人が出ています", "violence", {"medical"}),
    ("地下车库被淹了，有人被困在车里", "flooding", {"entrapment"}),
    ("the underpass flooded and a driver is trapped", "flooding", {"entrapment"}),
]
NO_DANGER = [
    "火车站门口的路灯坏了", "火锅店油烟太大", "小区消防通道被堵了", "the fire exit is blocked by bikes",
    "the gas station queue blocks the road", "fire extinguisher in the corridor is expired",
    "消火器の期限が切れています", "ガス料金の請求が高すぎます", "燃气费怎么交",
]


@pytest.mark.parametrize(("text", "kind"), SINGLE)
def test_single_dangers(text: str, kind: str) -> None:
    danger = main_danger(text)
    assert danger is not None and danger.kind == kind


@pytest.mark.parametrize(("text", "kind", "others"), MIXED)
def test_the_most_life_threatening_danger_decides(text: str, kind: str, others: set[str]) -> None:
    found = [danger.kind for danger in dangers_in(text)]
    assert found[0] == kind and others <= set(found[1:]), found


@pytest.mark.parametrize("text", NO_DANGER)
def test_look_alikes_name_no_danger(text: str) -> None:
    assert main_danger(text) is None


def test_every_kind_refers_to_a_service_and_a_real_category_and_department() -> None:
    from bot.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    assert [d.kind for d in DANGERS] == ["fire", "gas", "violence", "medical", "traffic", "flooding", "entrapment"]
    for danger in DANGERS:
        assert danger.referred_to in ("110", "119", "120", "122")
        category = taxonomy.leaf(danger.service_code)
        assert category is not None and category.urgent, danger.kind
        assert danger.follow_up in taxonomy.departments, danger.kind
    assert BY_KIND["violence"].referred_to == "110" and BY_KIND["medical"].referred_to == "120"
    assert {kind for test in (SINGLE, MIXED) for _, kind, *_ in test} == set(BY_KIND)
    assert all(any(ord(ch) > 0x3040 and ord(ch) < 0x30ff for ch in text) for text, _ in SINGLE[2::3])  # ja each
