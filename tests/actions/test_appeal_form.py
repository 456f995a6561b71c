import asyncio

from actions.appeal_form import (
    ActionAskAppealAttribute,
    ActionAskAppealCategory,
    ActionAskAppealConfirmed,
    ValidateAppealForm,
)
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker

DOMAIN_SLOTS = ["appeal_description", "appeal_location", "appeal_category", "appeal_attribute",
                "contact_consent", "contact_phone", "appeal_confirmed"]


def validate(slot: str, value: object, **tracker_args: object) -> tuple[dict, list]:  # type: ignore[type-arg]
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    method = getattr(ValidateAppealForm(), f"validate_{slot}")
    result = method(value, dispatcher, tracker(**tracker_args), {})  # type: ignore[arg-type]
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return result, dispatcher.messages


def required(**slots: object) -> list[str]:
    from rasa_sdk.executor import CollectingDispatcher

    return asyncio.run(ValidateAppealForm().required_slots(list(DOMAIN_SLOTS), CollectingDispatcher(),
                                                           tracker(slots=slots), {}))


def test_category_suggestions_become_buttons(hotline: FakeHotline) -> None:
    messages, events = run(ActionAskAppealCategory(),
                           tracker(slots={"appeal_description": "路灯坏了", "appeal_written_language": None}))
    assert messages[0]["response"] == "msg_ask_appeal_category"
    assert ([b["payload"] for b in messages[0]["buttons"]][0]
            == '/choose_category{"appeal_category": "street_light_out"}')
    assert events[0]["value"] == ["street_light_out", "traffic_signal_fault", "road_excavation_unrestored"]


def test_backend_down_the_shipped_taxonomy_suggests_names_and_asks(hotline: FakeHotline) -> None:
    hotline.down = True
    messages, events = run(ActionAskAppealCategory(),
                           tracker(slots={"appeal_description": "小区门口的路灯坏了，晚上很黑"}))
    assert messages[0]["response"] == "msg_ask_appeal_category" and len(messages[0]["buttons"]) == 5
    assert "street_light_out" in events[0]["value"]
    assert validate("appeal_category", "street_light_out")[0]["appeal_category"] == "street_light_out"
    assert "appeal_attribute" in required(appeal_category="street_light_out")  # recurring, from bot/data


def test_category_from_button_ordinal_or_own_words(hotline: FakeHotline) -> None:
    options = {"category_options": ["street_light_out", "traffic_signal_fault"]}
    assert validate("appeal_category", "street_light_out")[0]["appeal_category"] == "street_light_out"
    assert validate("appeal_category", "第二个", slots=options)[0]["appeal_category"] == "traffic_signal_fault"
    assert validate("appeal_category", "the first one", slots=options)[0]["appeal_category"] == "street_light_out"
    assert validate("appeal_category", "路灯的问题")[0]["appeal_category"] == "street_light_out"  # confident top-1
    assert validate("appeal_category", "the first one please", slots=options)[0]["appeal_category"] == (
        "street_light_out")
    assert validate("appeal_category", "信号灯", slots=options)[0]["appeal_category"] == "traffic_signal_fault"
    hotline.suggestions[0] = hotline.suggestions[0].__class__("street_light_out", "路灯不亮", 0.2)
    assert validate("appeal_category", "说不清")[0]["appeal_category"] is None  # not confident: ask again


def test_own_words_for_one_of_the_offered_buttons_choose_it(hotline: FakeHotline) -> None:
    """Words that fit one offered category clearly better than the other offered ones choose it, even when
    they are not sure enough to choose among every category (the shipped taxonomy's suggester)."""
    hotline.down = True
    offered = {"category_options": ["road_excavation_unrestored", "bus_route_suggestion", "bus_stop_facility"],
               "language": "ja"}
    chosen = validate("appeal_category", "バスの路線や停留所についての要望です", slots=offered)[0]
    assert chosen["appeal_category"] == "bus_route_suggestion"
    assert validate("appeal_category", "よくわかりません", slots=offered)[0]["appeal_category"] is None


def test_asked_again_after_own_words_the_choices_follow_them(hotline: FakeHotline) -> None:
    hotline.down = True
    slots = {"appeal_description": "最寄りのバス停が道路工事でなくなりました", "language": "ja",
             "requested_slot": "appeal_category", "category_options": ["road_excavation_unrestored"],
             "repair_failures": {"slot": "appeal_category", "count": 1}}
    messages, events = run(ActionAskAppealCategory(), tracker(slots=slots, text="バスの運転手の態度について"))
    assert events[0]["value"][0] == "bus_driver_conduct"
    assert len(messages[0]["buttons"]) <= 5
    # The first time the question is asked, the latest message (an address) chooses nothing.
    first = {**slots, "category_options": None, "repair_failures": None}
    _, events = run(ActionAskAppealCategory(), tracker(slots=first, text="北京市海淀区北下関街道"))
    assert "bus_driver_conduct" not in events[0]["value"]


def test_required_questions_of_the_category_then_contact(hotline: FakeHotline) -> None:
    assert "appeal_attribute" in required(appeal_category="street_light_out")
    assert "appeal_attribute" not in required(appeal_category="street_light_out",
                                              appeal_attributes={"recurring": "once"})
    assert "appeal_attribute" not in required(appeal_category="traffic_signal_fault")
    assert "contact_phone" not in required(contact_consent=False)
    messages, _ = run(ActionAskAppealAttribute(), tracker(slots={"appeal_category": "street_light_out"}))
    assert messages[0]["question"] == "这个问题是一次性的还是反复出现？" and len(messages[0]["buttons"]) == 3
    result, _ = validate("appeal_attribute", "repeated", slots={"appeal_category": "street_light_out"})
    assert result == {"appeal_attributes": {"recurring": "repeated"}, "appeal_attribute": None}
    result, _ = validate("appeal_attribute", "第一个", slots={"appeal_category": "street_light_out"})
    assert result["appeal_attributes"] == {"recurring": "once"}
    result, _ = validate("appeal_attribute", "whatever", slots={"appeal_category": "street_light_out"})
    assert result == {"appeal_attribute": None}


def test_phone_description_and_location_checks() -> None:
    assert validate("contact_phone", "138 0013 8000")[0] == {"contact_phone": "138 0013 8000"}
    result, messages = validate("contact_phone", "call me maybe")
    # The explanation asks again itself: the form's question is not repeated (actions/repair.py).
    assert result == {"contact_phone": None, "question_explained": "contact_phone"}
    assert messages[0]["response"] == "msg_invalid_phone"
    assert validate("appeal_description", "x" * 2001)[0] == {"appeal_description": None,
                                                            "question_explained": "appeal_description"}
    assert (validate("appeal_description", "  路灯坏了 ")[0]
            == {"appeal_description": "路灯坏了", "appeal_written_language": None})
    assert validate("appeal_location", "")[0] == {"appeal_location": None, "question_explained": "appeal_location"}
    result, messages = validate("appeal_description", "好的")  # a bare reply describes nothing
    assert result == {"appeal_description": None, "question_explained": "appeal_description"}
    assert messages[0]["response"] == "msg_not_a_description"
    result, messages = validate("appeal_location", "yes")
    assert result == {"appeal_location": None, "question_explained": "appeal_location"}
    assert messages[0]["response"] == "msg_not_a_place"


def test_a_place_the_gazetteer_does_not_know_waits_for_the_residents_word() -> None:
    result, messages = validate("appeal_location", "behind the old cinema")
    assert result == {"appeal_location": None, "location_candidate": "behind the old cinema"} and messages == []
    assert "location_confirmed" in required(location_candidate="behind the old cinema")
    assert required(location_candidate="x").index("location_confirmed") < required(
        location_candidate="x").index("appeal_location")
    known = validate("appeal_location", "北京市朝陽区三里屯路19号")[0]  # Japanese kanji, found all the same
    assert known["appeal_location"] == "北京市朝陽区三里屯路19号" and known["location_candidate"] is None


def test_a_pending_cancel_is_asked_before_anything_else() -> None:
    assert required(cancel_pending=True)[0] == "cancel_confirmation"
    assert "cancel_confirmation" not in required()


def test_a_correction_clears_the_named_field() -> None:
    location = [{"entity": "field", "value": "location"}]
    result, _ = validate("appeal_confirmed", False, intent="correct_appeal", entities=location)
    assert result == {"appeal_location": None, "appeal_confirmed": None}
    category = [{"entity": "field", "value": "category"}]
    result, _ = validate("appeal_confirmed", False, intent="correct_appeal", entities=category)
    assert result["appeal_category"] is None and result["appeal_attributes"] == {}
    result, messages = validate("appeal_confirmed", False, intent="correct_appeal")
    assert result == {"appeal_confirmed": None, "question_explained": "appeal_confirmed"}
    assert messages[0]["response"] == "msg_appeal_not_understood_field"
    assert validate("appeal_confirmed", True)[0] == {"appeal_confirmed": True}


def test_summary_names_the_category_and_says_no_callback(hotline: FakeHotline) -> None:
    slots = {"appeal_description": "路灯坏了", "appeal_location": "三里屯", "appeal_category": "street_light_out",
             "contact_consent": False}
    messages, _ = run(ActionAskAppealConfirmed(), tracker(slots=slots))
    assert messages[0]["category"] == "路灯不亮" and messages[0]["contact"] == "不需要回访"


def test_a_shared_location_fills_the_place_and_typing_one_clears_the_coordinates() -> None:
    from rasa_sdk.executor import CollectingDispatcher

    shared = [{"entity": "latitude", "value": 39.9334}, {"entity": "longitude", "value": 116.4543}]
    sharing = tracker(intent="share_location", entities=shared, slots={"requested_slot": "appeal_description"})
    extracted = asyncio.run(ValidateAppealForm().extract_appeal_location(CollectingDispatcher(), sharing, {}))
    assert extracted == {"appeal_location": "39.93340, 116.45430（朝阳区三里屯街道附近）"}
    assert validate("appeal_location", "39.93340, 116.45430", intent="share_location", entities=shared)[0] == {
        "appeal_location": "39.93340, 116.45430", "appeal_latitude": 39.9334, "appeal_longitude": 116.4543,
        "location_candidate": None}
    english = tracker(intent="share_location", entities=shared, slots={"language": "en"})
    assert asyncio.run(ValidateAppealForm().extract_appeal_location(CollectingDispatcher(), english, {})) == {
        "appeal_location": "39.93340, 116.45430 (near Sanlitun Subdistrict, Chaoyang District)"}
    typed = validate("appeal_location", "三里屯路19号", intent="inform_location")[0]
    assert typed == {"appeal_location": "三里屯路19号", "appeal_latitude": None, "appeal_longitude": None,
                     "location_candidate": None}
    assert asyncio.run(ValidateAppealForm().extract_appeal_location(CollectingDispatcher(), tracker(), {})) == {}


def test_an_old_buttons_payload_is_no_answer_to_a_free_text_question(hotline: FakeHotline) -> None:
    stale = '/inform_attribute{"appeal_attribute": "once"}'
    assert validate("appeal_description", stale) == ({"appeal_description": None}, [])
    assert validate("appeal_location", stale) == ({"appeal_location": None}, [])
    assert validate("appeal_category", stale)[0] == {"appeal_category": None}


def test_loose_words_for_the_category_are_read_with_the_description(hotline: FakeHotline) -> None:
    """Words that fit several categories about as well ("the banned cram school thing") choose the one that
    the description and the words both rank highest; alone, they choose nothing."""
    hotline.down = True
    described = {"appeal_description": "A 'study room' above the noodle shop runs maths and physics classes for "
                                       "middle school pupils every evening and all Sunday, cash only",
                 "language": "en"}
    assert validate("appeal_category", "the banned cram school thing",
                    slots=described)[0]["appeal_category"] == "illegal_tutoring"
    assert validate("appeal_category", "the banned cram school thing",
                    slots={"language": "en"})[0]["appeal_category"] is None
    # Words that name nothing the description is about still choose nothing.
    assert validate("appeal_category", "I'm not sure, something else",
                    slots=described)[0]["appeal_category"] is None


def test_small_talk_at_the_category_question_chooses_no_category(hotline: FakeHotline) -> None:
    hotline.down = True
    described = {"appeal_description": "凉水河这一段河水又黑又臭，水面上漂着白沫子，岸边还有死鱼", "language": "zh"}
    for text in ("今儿可真冷啊，早上零下十来度，手都伸不出来", "好的好的，你看着办吧"):
        assert validate("appeal_category", text, slots=described)[0]["appeal_category"] is None



def test_a_numeral_inside_the_words_is_no_ordinal(hotline: FakeHotline) -> None:
    hotline.down = True
    slots = {"appeal_description": "楼顶水箱的盖子丢了好几个月，鸽子落在水箱边上，全楼喝的都是这个水箱里的水",
             "language": "zh", "category_options": ["manhole_cover_damaged", "water_quality"]}
    chosen = validate("appeal_category", "楼里水箱的二次供水问题", slots=slots)[0]["appeal_category"]
    assert chosen == "secondary_water_supply"  # "二次" is no "the second one"
    assert validate("appeal_category", "第二个", slots=slots)[0]["appeal_category"] == "water_quality"


def test_words_about_fire_equipment_choose_it_not_the_emergency_referral(hotline: FakeHotline) -> None:
    hotline.down = True
    described = {"appeal_description": "the fire hose cabinets on every floor are empty and the extinguishers expired",
                 "language": "en"}
    assert validate("appeal_category", "fire equipment broken",
                    slots=described)[0]["appeal_category"] == "fire_equipment_faulty"


def test_the_emergency_referral_category_is_never_offered(hotline: FakeHotline) -> None:
    hotline.down = True
    messages, events = run(ActionAskAppealCategory(), tracker(slots={
        "appeal_description": "fire equipment broken, the fire hose cabinets are empty", "language": "en"}))
    assert "emergency_referred" not in events[0]["value"] and len(events[0]["value"]) == 5


def test_the_emergency_referral_category_takes_no_rank_among_loose_words(hotline: FakeHotline) -> None:
    """A description that tells of an ambulance once lost ranks the referral category third: the category the
    words name still agrees with it."""
    hotline.down = True
    told = ("うちの団地は、棟の番号の表示がどこにもありません。改修工事で外壁を塗り直したときに外したまま、"
            "付け直していないんです。先月、隣のおばあさんが倒れたとき、救急車がうちの棟を見つけられずに"
            "15分も団地の中を迷いました。宅配の人も毎回電話してきます")
    described = {"appeal_description": told, "language": "ja"}
    assert validate("appeal_category", "棟の番号の表示がないこと",
                    slots=described)[0]["appeal_category"] == "house_number_place_name"
