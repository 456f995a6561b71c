from actions.emergency import ActionHandleEmergency, classify
from actions.fallback import ActionClarify, ActionExplainBadInput
from actions.hotline_client import ResidentTicket
from actions.status import ActionListMyTickets
from tests.actions.conftest import run
from tests.actions.fakes import FakeHotline, tracker


def test_lists_only_this_residents_tickets(hotline: FakeHotline) -> None:
    hotline.tickets[("webchat", "resident-1")] = [
        ResidentTicket("202611220000001", "路灯不亮", "in_progress", "2026-11-22T14:26:00+08:00", "已派单")]
    hotline.tickets[("webchat", "resident-2")] = [
        ResidentTicket("202611220000002", "噪声扰民", "open", None, None)]
    messages, _ = run(ActionListMyTickets(), tracker(intent="check_status", text="我的诉求到哪了"))
    assert [m["response"] for m in messages] == ["msg_tickets_header", "msg_ticket_line"]
    line = messages[1]
    assert line["ticket_id"] == "202611220000001" and line["status"] == "办理中" and line["note"] == "已派单"
    assert "202611220000002" not in str(messages)
    # Typing someone else's ticket number does not reveal it: the look-up is by identity only.
    messages, _ = run(ActionListMyTickets(), tracker(sender="resident-3", text="202611220000002 进展?"))
    assert [m["response"] for m in messages] == ["msg_no_tickets"]


def test_status_when_backend_is_down(hotline: FakeHotline) -> None:
    hotline.down = True
    messages, _ = run(ActionListMyTickets(), tracker(intent="check_status"))
    assert [m["response"] for m in messages] == ["msg_status_unavailable"]


def test_emergency_kinds_and_numbers() -> None:
    assert classify("厨房里有很浓的煤气味") == (("fire",), "gas_leak_smell")
    assert classify("someone is stuck in the elevator") == (("fire",), "elevator_entrapment")
    assert classify("楼下着火了") == (("fire",), "emergency_referred")
    assert classify("有人在打人，还拿着刀") == (("police",), "emergency_referred")
    assert classify("a man collapsed and is unconscious") == (("medical",), "emergency_referred")
    assert classify("車の事故です") == (("traffic", "medical"), "emergency_referred")
    assert classify("救命啊") == (("all",), "emergency_referred")


def test_emergency_answers_first_then_logs_an_urgent_ticket(hotline: FakeHotline) -> None:
    messages, events = run(ActionHandleEmergency(), tracker(intent="emergency", text="楼下着火了，好多烟"))
    assert messages[0]["response"] == "msg_emergency" and messages[0]["numbers"] == "火警 119"
    assert messages[1]["response"] == "msg_emergency_logged"
    fields, key = hotline.filed[0]
    assert fields["service_code"] == "emergency_referred" and fields["attribute[people_at_risk]"] == "unknown"
    assert key.startswith("assistant-emergency:")
    assert {"event": "active_loop", "name": None} in [{"event": e["event"], "name": e.get("name")} for e in events]


def test_emergency_numbers_even_when_backend_is_down(hotline: FakeHotline) -> None:
    hotline.down = True
    messages, _ = run(ActionHandleEmergency(), tracker(intent="emergency", text="fire! help", slots={"language": "en"}))
    assert messages[0]["response"] == "msg_emergency" and messages[0]["numbers"] == "Fire: 119"
    assert messages[1]["response"] == "msg_backend_error"


def test_clarify_offers_the_two_likeliest_intents_then_a_human() -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "check_status", "confidence": 0.3},
               {"name": "report_problem", "confidence": 0.2}, {"name": "affirm", "confidence": 0.1}]
    messages, _ = run(ActionClarify(), tracker(intent="nlu_fallback", ranking=ranking, slots={"language": "en"}))
    assert messages[0]["response"] == "msg_ask_rephrase"
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/check_status", "/report_problem"]
    assert messages[0]["option_1"] == "Check my appeal's progress"
    asked = [{"event": "user", "text": "hmm"}, {"event": "action", "name": "action_clarify"},
             {"event": "action", "name": "action_listen"}]
    messages, _ = run(ActionClarify(), tracker(intent="nlu_fallback", ranking=ranking, events=asked))
    assert messages[0]["response"] == "msg_offer_human"


def test_bad_input_explained() -> None:
    too_long = [{"entity": "input_problem", "value": "too_long"}]
    messages, _ = run(ActionExplainBadInput(), tracker(intent="bad_input", entities=too_long))
    assert messages[0]["response"] == "msg_bad_input_too_long" and messages[0]["max_chars"] == 2000


def test_clarify_always_offers_two_distinct_choices() -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "report_problem", "confidence": 0.3},
               {"name": "affirm", "confidence": 0.2}]
    messages, _ = run(ActionClarify(), tracker(intent="nlu_fallback", ranking=ranking))
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/report_problem", "/ask_question"]
    # A policy question and "I have a question" are one button, not two that do the same.
    both = [{"name": "faq", "confidence": 0.3}, {"name": "ask_question", "confidence": 0.25},
            {"name": "check_status", "confidence": 0.1}]
    messages, _ = run(ActionClarify(), tracker(intent="nlu_fallback", ranking=both))
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_question", "/check_status"]


def test_every_urgent_report_answers_its_categorys_required_questions_and_no_others() -> None:
    from actions.categories import local_taxonomy
    from actions.emergency import urgent_attributes
    from bot.dangers import DANGERS

    leaves = {c.code: c for c in local_taxonomy().leaves}
    for service_code in {danger.service_code for danger in DANGERS}:
        answers = urgent_attributes(service_code, "煤气味很大，有人晕倒了")
        required = {f"attribute[{a.code}]" for a in leaves[service_code].attributes if a.required}
        assert set(answers) == required, service_code
    assert urgent_attributes("gas_leak_smell", "gas smell") == {"attribute[outage_scope]": "unknown"}
    assert urgent_attributes("elevator_entrapment", "stuck in the lift at Building 5") == {
        "attribute[people_at_risk]": "unknown", "attribute[exact_location]": "stuck in the lift at Building 5"}


def test_an_emergency_in_the_middle_of_an_appeal_carries_what_was_told_before(hotline: FakeHotline) -> None:
    # batch h351 (zh-h352): "能快点吗？水还在涨呢" at the phone question filed only those words
    told = "雨太大了，村后山的水顺着胡同往下冲，已经灌进好几户平房里了"
    slots = {"appeal_description": told, "appeal_location": "门头沟区妙峰山镇涧沟村"}
    run(ActionHandleEmergency(), tracker(intent="emergency", text="能快点吗？水还在涨呢", slots=slots))
    fields, _ = hotline.filed[0]
    assert fields["description"] == f"能快点吗？水还在涨呢\n{told}"
    assert fields["address_string"] == "门头沟区妙峰山镇涧沟村"


def test_an_emergency_told_once_is_filed_as_told(hotline: FakeHotline) -> None:
    run(ActionHandleEmergency(), tracker(intent="emergency", text="楼下着火了，好多烟",
                                         slots={"appeal_description": "楼下着火了，好多烟"}))
    assert hotline.filed[0][0]["description"] == "楼下着火了，好多烟"
