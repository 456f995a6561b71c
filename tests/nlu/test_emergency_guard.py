"""nlu.emergency_guard: emergency wording wins over the classifier, and nothing else does."""

from collections import Counter
from pathlib import Path

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bench.bench_nlu_eval import load_examples
from nlu.emergency_guard import EmergencyGuard, means_danger_now, past_account, risk_later
from tests.nlu.messages import classified

ROOT = Path(__file__).resolve().parents[2]

# Held-out emergencies the classifier got wrong, and other danger said plainly.
DANGER = [
    ("en", "two men are fighting with knives outside the bar"), ("en", "there's a guy on the bridge about to jump"),
    ("en", "there are flames coming out of the window across the street"),
    ("en", "my neighbour collapsed, call an ambulance"),
    ("zh", "着火啦，快打119"), ("zh", "厨房起火了怎么办"), ("zh", "有人掉河里了"), ("zh", "楼下有人持刀砍人"),
    ("ja", "地下道が冠水して車が取り残されています"), ("ja", "橋の上で飛び降りそうな人がいます、早く"),
    ("ja", "火事です"),
    ("ja", "父が急に倒れて息をしていません"), ("en", "the flat next door is on fire and no one is answering the door"),
    ("en", "smoke is pouring out and nothing is being done"), ("ja", "火事です、中に人はいませんか"),
    # a break-in under way (labelled openers: "今誰かがうちのドアをこじ開けようとしています" read as an answer)
    ("ja", "今誰かがうちのドアをこじ開けようとしています。一人で怖いです"), ("zh", "有人在撬我家的门，我一个人在家"),
    ("en", "someone is trying to break into my flat right now"),
    ("zh", "楼下着火了，屋里东西都快烧光了"), ("en", "the transformer is sparking and the grass around it is on fire"),
    ("ja", "電線から火花が出て、近くの木が燃えています"),
    # "没有时间" holds "有时" (sometimes) but says nothing of smoke day after day
    ("zh", "楼下冒浓烟了，我现在没有时间细说，快来"),
]
# Everyday appeals and questions that share words with emergencies.
NOT_DANGER = [
    ("zh", "燃气卡充了钱没到账，灶打不着火，热水器也用不了"),
    ("ja", "電気コンロを段ボールのすぐ横で使っていて、火事にならないか心配です"),
    ("zh", "电动车充电一晚上会不会着火？"), ("zh", "车被拖走了怎么办"),
    ("zh", "我想跳槽，社保怎么转"), ("zh", "轮胎漏气了"),
    ("zh", "墙皮往下掉"), ("zh", "牙龈流血挂哪个科"), ("zh", "工资被压了三个月"), ("zh", "车位被堵了车出不去"),
    ("zh", "如何预防燃气泄漏"), ("zh", "楼道里堆放杂物有火灾隐患"), ("zh", "没有人受伤，就是电梯坏了"),
    ("en", "how do I dispose of old kitchen knives"),
    ("en", "my car can't get out because someone blocked the driveway"),
    ("en", "my gums are bleeding, which hospital should I book"),
    ("en", "could an e-bike catch fire if charged overnight?"),
    ("en", "the fence around the park has collapsed"), ("en", "no one is trapped, the lift is just broken"),
    ("en", "how to prevent a gas leak at home"), ("en", "the fire lane is blocked by parked cars"),
    ("ja", "包丁の捨て方を教えて"), ("ja", "肺炎で病院を予約したい"),
    ("ja", "エレベーターが動きません"), ("ja", "看板が落ちそうです"),
    ("ja", "スマホが水没した"), ("ja", "道路がよく冠水します"),
    ("ja", "夜中に叫び声がうるさい"), ("ja", "飛び込み営業がしつこい"),
    ("ja", "ねずみが電線をかじった"), ("ja", "歯ぐきから出血します"), ("ja", "けが人はいません"),
    # smokers' smoke is a nuisance, not a fire
    ("ja", "1階のエレベーターホールで大人がたばこを吸っていて、煙が教室の前まで流れてきます"),
    ("zh", "楼道里总有人抽烟，烟味冒烟似的往家里灌"),
    ("ja", "近くの空き地で毎晩ごみを燃やしていて、煙が部屋まで入ってきます"),
    ("en", "smokers by the entrance, the smoke is pouring into the lobby"),
    # a fire last week that burned the house out (batch h411, zh-h413: sent to 119 while asking for relief money)
    ("zh", "上礼拜俺家平房着火了，电线老化引起的，屋里东西基本烧光了，人倒是没事。"
           "我跟老伴儿现在借住在亲戚家。听说能申请临时救助"),
    # sparks now and then from a box or a cable: a hazard to report (batch h411, ja-h411)
    ("ja", "団地の入り口にある変圧器の箱から、きのうの夜からジジジという音がして、ときどき火花が見えます"),
    ("zh", "小区配电箱时不时冒火花，晚上还有滋滋声"),
    ("en", "the cable on the pole has been sparking on and off since last night"),
    # a break-in told afterwards, or a locksmith's bill
    ("zh", "开锁师傅撬锁收了我八百块"),
    # a fire that could break out in a crammed flat (batch h411, en-h415: "fire in there" was read as "fire in the")
    ("en", "extension leads running everywhere and the fuse box trips every evening. If there's ever a fire in there, "
           "nobody gets out"), ("en", "someone broke into my car last week and the police never called back"),
]
# Hazards that may hurt someone later: urgent appeals, not emergencies.
RISK_LATER = [
    ("en", "The manhole cover is gone, someone on a bike is going to ride straight into it at night"),
    ("zh", "井盖没了，迟早有人掉下去"), ("ja", "歩道の穴が大きくて、子どもがつまずきそうで危ないです"),
    ("zh", "楼道里堆满了旧家具和纸箱子，楼梯只能侧身过，万一着火根本跑不出去"),
]


@pytest.mark.parametrize(("language", "text"), DANGER)
def test_danger_now_is_recognised(language: str, text: str) -> None:
    assert means_danger_now(text, language)
    assert means_danger_now(text)  # language unknown: every language's wording applies


@pytest.mark.parametrize(("language", "text"), NOT_DANGER)
def test_everyday_wording_is_left_to_the_classifier(language: str, text: str) -> None:
    assert not means_danger_now(text, language)


def test_no_training_example_of_another_intent_and_most_emergencies_match() -> None:
    examples, *_ = load_examples(ROOT / "nlu")
    hits: Counter[tuple[str, bool]] = Counter()
    totals: Counter[str] = Counter()
    wrong = []
    for example in examples:
        if example.language not in ("zh", "en", "ja"):
            continue
        hit = means_danger_now(example.text, example.language)
        if example.intent == "emergency":
            totals[example.language] += 1
            hits[(example.language, hit)] += 1
        elif hit:
            wrong.append((example.label, example.text))
    assert wrong == []
    for language in ("zh", "en", "ja"):
        assert hits[(language, True)] >= 0.85 * totals[language], (language, hits, totals)


def message(text: str, intent: str, language: str | None = "en", problem: str | None = None) -> Message:
    entities = [{"entity": "detected_language", "value": language}] if language else []
    if problem:
        entities.append({"entity": "input_problem", "value": problem})
    return Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.8},
                         INTENT_RANKING_KEY: [{"name": intent, "confidence": 0.8},
                                              {"name": "emergency", "confidence": 0.1}],
                         ENTITIES: entities, "input_problem": problem})


def test_the_guard_overrides_the_intent_and_keeps_the_rest_of_the_ranking() -> None:
    guard = EmergencyGuard()
    [guarded] = guard.process([message("two men are fighting with knives outside the bar", "report_problem")])
    assert guarded.get(INTENT) == {"name": "emergency", "confidence": 1.0}
    assert [r["name"] for r in guarded.get(INTENT_RANKING_KEY)] == ["emergency", "report_problem"]
    [left] = guard.process([message("the street light is out", "report_problem")])
    assert left.get(INTENT)["name"] == "report_problem"


def test_payloads_unreadable_input_and_the_detected_language_are_respected() -> None:
    guard = EmergencyGuard()
    [payload] = guard.process([message('/inform_attribute{"appeal_attribute": "fire"}', "inform_attribute")])
    assert payload.get(INTENT)["name"] == "inform_attribute"
    # 救命 is a cry for help in Chinese; in a Japanese message (a first-aid course) only Japanese wording counts.
    [japanese] = guard.process([message("救命講習を受けたい", "ask_question", language="ja")])
    assert japanese.get(INTENT)["name"] == "ask_question"
    assert means_danger_now("救命講習を受けたい")
    [too_long] = guard.process([message("the building is on fire " + "x" * 2000, "bad_input", problem="too_long")])
    assert too_long.get(INTENT)["name"] == "emergency"
    assert all(e["entity"] != "input_problem" for e in too_long.get(ENTITIES))
    [empty] = guard.process([message("\u2205", "bad_input", problem="empty")])
    assert empty.get(INTENT)["name"] == "bad_input"


@pytest.mark.parametrize(("language", "text"), RISK_LATER)
def test_a_hazard_for_later_is_no_danger_now(language: str, text: str) -> None:
    assert risk_later(text, language)
    assert not means_danger_now(text, language)



def test_the_classifiers_emergency_for_a_hazard_later_becomes_a_report() -> None:
    text = RISK_LATER[0][1]
    [message] = EmergencyGuard().process([classified(text, [("emergency", 0.77), ("report_problem", 0.21)])])
    assert message.get(INTENT)["name"] == "report_problem"
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "report_problem"


def test_an_emergency_with_danger_now_stays_and_a_hazard_for_later_is_a_report_however_sure() -> None:
    guard = EmergencyGuard()
    [now] = guard.process([classified("the flat is on fire, someone could be inside",
                                       [("emergency", 0.8), ("report_problem", 0.2)])])
    # an urgent appeal, not 110/119/120 (labelled first messages: "楼梯扶手松了，早晚会有人摔下去", emergency 0.97)
    [alone] = guard.process([classified(RISK_LATER[0][1], [("emergency", 0.95), ("faq", 0.04)])])
    assert now.get(INTENT)["name"] == "emergency"
    assert alone.get(INTENT)["name"] == "report_problem"


def test_an_account_of_a_hazard_for_later_is_a_report_however_sure_the_classifier() -> None:
    text = ("对门那套两居室让二房东隔成了八个小单间，住了二十来号人，楼道里天天堆着行李箱和外卖盒子，"
            "半夜还有人进进出出。麻烦你们派人来查一查，这么多人挤在一块儿，万一着火可怎么办")
    [message] = EmergencyGuard().process([classified(text, [("emergency", 0.98), ("report_problem", 0.01)])])
    assert message.get(INTENT)["name"] == "report_problem"


def test_the_classifiers_emergency_for_smoke_from_burnt_rubbish_becomes_a_report() -> None:
    text = "夜になると空き地で誰かがごみを燃やしていて、煙が部屋の中まで入ってきます"
    [message] = EmergencyGuard().process([classified(text, [("emergency", 0.7), ("report_problem", 0.25)])])
    assert message.get(INTENT)["name"] == "report_problem"


def test_an_unsure_emergency_without_danger_wording_yields_to_the_next_intent() -> None:
    guard = EmergencyGuard()
    [thanks] = guard.process([classified("这么晚了还有人值班啊，辛苦了", [("emergency", 0.41), ("thanks", 0.3)])])
    [alone] = guard.process([classified("on reflection I'll skip it", [("emergency", 0.42), ("faq", 0.05)])])
    [danger] = guard.process([classified("the stairwell is full of smoke", [("emergency", 0.45), ("faq", 0.3)])])
    assert thanks.get(INTENT)["name"] == "thanks"
    assert alone.get(INTENT)["name"] == "nlu_fallback"
    assert danger.get(INTENT)["name"] == "emergency"


def test_small_talk_the_classifier_is_sure_is_an_emergency_is_small_talk() -> None:
    ranking = [("emergency", 0.92), ("goodbye", 0.04), ("report_problem", 0.01)]
    [message] = EmergencyGuard().process([classified("这么晚了还有人值班啊，辛苦了", ranking)])
    assert message.get(INTENT)["name"] == "goodbye"
    [fire] = EmergencyGuard().process([classified("谢谢，楼下着火了", [("emergency", 0.92), ("thanks", 0.04)])])
    assert fire.get(INTENT)["name"] == "emergency"


def test_a_question_without_danger_wording_asks_about_a_service() -> None:
    text = "我妈八十多了一个人在家，社区有没有人上门照顾"
    [message] = EmergencyGuard().process([classified(text, [("emergency", 0.7), ("faq", 0.25)])])
    assert message.get(INTENT)["name"] == "faq"
    [danger] = EmergencyGuard().process([classified("楼下着火了，怎么办？", [("emergency", 0.7), ("faq", 0.25)])])
    assert danger.get(INTENT)["name"] == "emergency"


def test_an_account_of_an_emergency_that_is_over_is_a_complaint() -> None:
    text = ("My father collapsed at home on Sunday night and we called 120. The ambulance took 55 minutes to get to "
            "us, and then the crew refused to take him to the hospital ten minutes away where his records are")
    assert not means_danger_now(text, "en")
    [message] = EmergencyGuard().process([classified(text, [("emergency", 0.9), ("report_problem", 0.05)])])
    assert message.get(INTENT)["name"] == "report_problem"
    assert means_danger_now("My father just collapsed and he's not breathing, he's still on the floor now", "en")


def test_a_long_account_without_danger_wording_is_a_report_unless_the_classifier_is_sure() -> None:
    text = ("孩子学校的课后服务，说好有兴趣班、有老师辅导作业，结果就是把孩子关在教室里看动画片，老师坐讲台上刷手机，"
            "家长群里问，班主任说没人手")
    guard = EmergencyGuard()
    [unsure] = guard.process([classified(text, [("emergency", 0.74), ("faq", 0.12), ("report_problem", 0.1)])])
    [sure] = guard.process([classified(text, [("emergency", 0.95), ("report_problem", 0.03)])])
    assert unsure.get(INTENT)["name"] == "report_problem"
    assert sure.get(INTENT)["name"] == "emergency"


@pytest.mark.parametrize(("language", "text"), [
    ("zh", "我下班回家一开门就闻到很重的煤气味，厨房灶台那边还在嘶嘶响，我已经把窗户打开了，现在人在楼道里，不敢开灯"),
    ("en", "I'm on the fourth floor and there is black smoke pouring out of the flat next door, the alarm is going "
           "and nobody is answering when we bang on the door, I think an old lady lives there alone"),
    ("ja", "エレベーターが3階と4階の間で止まってしまい、中に子どもが二人閉じ込められています。"
           "管理会社に電話しても誰も出ません"),
])
def test_an_emergency_told_at_length_names_its_danger(language: str, text: str) -> None:
    """Long accounts the classifier alone calls an emergency become reports (MIN_UNSUPPORTED_EMERGENCY_ACCOUNT);
    long accounts of a real emergency carry danger wording, so the guard keeps them emergencies."""
    assert means_danger_now(text, language)


def test_a_japanese_account_of_an_emergency_last_month_is_over_whatever_its_verb_endings() -> None:
    """"迷いました" and "思います" hold the letters of "いま" (now): the past account is still over."""
    text = ("うちの団地は、棟の番号の表示がどこにもありません。改修工事で外したまま、付け直していないんです。先月、隣の"
            "おばあさんが倒れたとき、救急車がうちの棟を見つけられずに15分も団地の中を迷いました。宅配の人も毎回電話してきます")
    assert past_account(text, "ja")
    assert not past_account("先月からずっとですが、いま隣のおばあさんが倒れていて、救急車を呼んだほうがいいと思います。"
                            "団地の棟の番号の表示がないので心配です", "ja")


def test_a_long_account_that_opens_with_hello_is_a_report_not_small_talk() -> None:
    text = ("Hello. From yesterday evening no gas in my kitchen. Stove no fire. I check my gas card, still 200 yuan "
            "inside, so not money problem. My neighbor say her gas also no")
    [message] = EmergencyGuard().process([classified(text, [("emergency", 0.68), ("report_problem", 0.25),
                                                             ("greet", 0.05)])])
    assert message.get(INTENT)["name"] == "report_problem"


@pytest.mark.parametrize("text", [
    "団地の地下室にずっと水がたまっていて、そこから蚊が大量に出てきます。11月なのに、夜は部屋の中で何か所も刺されます",
    "This morning around 8:15 on the 300 outer ring, the driver shut the back doors on an elderly man with a walking "
    "stick who was still getting on. His stick got trapped and he nearly went down. When passengers shouted, the "
    "driver yelled at all of us to shut up and just drove off",
])
def test_mosquito_bites_and_a_near_miss_this_morning_are_no_danger_now(text: str) -> None:
    assert not means_danger_now(text)


def test_stabbed_without_insects_is_still_danger() -> None:
    assert means_danger_now("隣の部屋で男が刃物を持って暴れていて、人が刺されました", "ja")


@pytest.mark.parametrize("text", [
    "1階に新しくできた炭火焼肉の店の煙が、建物の中庭の吹き抜けを通って上の階の窓まで上がってきます。夕方5時から夜11時まで毎日です。"
    "窓を閉めても部屋が煙くさくて、洗濯物も干せません",
    "楼下新开的烤串店每天晚上排烟，浓烟直接飘进我家窗户，衣服都没法晾",
    "The restaurant downstairs vents its grill smoke into our courtyard every evening and the smoke comes in the "
    "windows",
])
def test_smoke_from_a_restaurant_or_grill_is_a_nuisance_however_sure_the_classifier(text: str) -> None:
    # batch h311: a yakiniku shop's smoke every evening was sent to 119
    assert not means_danger_now(text)
    # a long account is a report however sure the classifier; a short one when a report is ranked behind
    ranking = [("emergency", 1.0), ("report_problem", 0.0)] if text.startswith("1階") else \
        [("emergency", 0.8), ("report_problem", 0.15)]
    [message] = EmergencyGuard().process([classified(text, ranking)])
    assert message.get(INTENT)["name"] == "report_problem"


def test_a_restaurant_on_fire_is_still_danger() -> None:
    assert means_danger_now("The restaurant downstairs is on fire, thick smoke everywhere")
    assert means_danger_now("楼下饭店着火了，全是烟")


@pytest.mark.parametrize("text", [
    "Last month my father collapsed and the ambulance took an hour to come. I want to file a complaint.",
    "The gas smell from this morning is gone now, gas company fixed it. But I want to complain they took 3 hours",
    "上个月我爸在家晕倒，打了120等了一个多小时救护车才到，这个要投诉",
    "昨天晚上我们楼着火了，消防来了已经灭掉了，想问问损失找谁赔",
    "昨日隣の人が脳卒中で倒れたとき、救急車がとても遅かったです",
])
def test_an_emergency_that_is_over_is_a_complaint_however_short(text: str) -> None:
    assert past_account(text)
    [message] = EmergencyGuard().process([classified(text, [("emergency", 1.0), ("report_problem", 0.0)])])
    assert message.get(INTENT)["name"] == "report_problem"


@pytest.mark.parametrize("text", [
    "刚才有辆车撞了电线杆，没人受伤，就是杆子歪了", "不是着火，是楼道的烟雾报警器没电了，一直滴滴叫",
    "没着火哈，就是楼下有人烤串，烟飘上来，怎么投诉",
    "さっき車が電柱にぶつかりましたが、けが人はいません。電柱が傾いています",
    "People park in the fire lane all the time, if there's a real fire the trucks can't get in",
    "消防通道被私家车堵死了，真着火了消防车都进不来",
    "消防通路にいつも車が停まっていて、火事の時に消防車が入れないと思います",
    "factory near our area releases black smoke every day, air is terrible",
    "工場から毎日黒い煙が出ていて、空気が悪いです",
    "隣のベランダのたばこの煙が部屋に入ってきます",
])
def test_denials_hazards_for_later_and_smoke_day_after_day_are_no_emergency(text: str) -> None:
    # labelled first messages (bench/data/labelled_openers.tsv): the classifier said emergency (0.76-1.00)
    assert not means_danger_now(text)
    [message] = EmergencyGuard().process([classified(text, [("emergency", 0.9), ("report_problem", 0.05)])])
    assert message.get(INTENT)["name"] == "report_problem"


def test_a_question_about_a_risk_asks() -> None:
    text = "電動バイクを室内で充電してもいいんでしょうか？火事が心配で"
    [message] = EmergencyGuard().process([classified(text, [("emergency", 1.0), ("ask_question", 0.0)])])
    assert message.get(INTENT)["name"] == "ask_question"


@pytest.mark.parametrize("text", ["隣の家が燃えていて危ないです", "楼道着火了，好危险，快来人",
                                  "The flat next door is on fire and someone could be inside"])
def test_danger_now_beside_words_about_risk_stays_an_emergency(text: str) -> None:
    [message] = EmergencyGuard().process([classified(text, [("emergency", 0.9), ("report_problem", 0.05)])])
    assert message.get(INTENT)["name"] == "emergency"


@pytest.mark.parametrize("text", ["去年被狗咬了，打狂犬疫苗花了好几千，狗主人到现在不赔",
                                  "My son got injured at kindergarten two weeks ago and they are hiding the CCTV video",
                                  "3週間前に駅の階段で転んでけがをしました。手すりが壊れたままです"])
def test_the_classifiers_emergency_for_harm_in_the_past_without_danger_wording_is_a_report(text: str) -> None:
    [message] = EmergencyGuard().process([classified(text, [("emergency", 0.77), ("report_problem", 0.2)])])
    assert message.get(INTENT)["name"] == "report_problem"


@pytest.mark.parametrize("text", ["楼下饭店在冒浓烟，好多烟", "The factory next to us is pouring out black smoke",
                                  "レストランから煙が出ています"])
def test_smoke_from_a_restaurant_or_factory_alone_may_be_a_fire(text: str) -> None:
    assert means_danger_now(text)
