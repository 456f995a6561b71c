"""Conversation repair (issue 14), turn by turn, against the real stack: every conversation in
tests/dialogue/conversations/ (zh, en, ja) must hold at every step (tests/dialogue/conversations.py)."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dialogue.conversations import OPERATOR, Conversation, Resident, http_json, load, mismatches
from tests.doubles.local_servers import redis_server
from tools.stack import Stack, running_stack

pytestmark = pytest.mark.integration
CONVERSATIONS = load()


@pytest.fixture(scope="module")
def stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("conversations")
    with redis_server() as redis_url, running_stack(model, log_dir=folder / "log", redis_url=redis_url,
                                                    database_url=f"sqlite:///{folder / 'hotline.db'}") as running:
        yield running


def test_there_are_enough_conversations_for_every_pattern_and_language() -> None:
    """At least 60 in all; every repair pattern in every language; the appeal form and another form each."""
    assert len(CONVERSATIONS) >= 60
    patterns = {c.pattern for c in CONVERSATIONS}
    for language in ("zh", "en", "ja"):
        mine = [c for c in CONVERSATIONS if c.language == language]
        assert {c.pattern for c in mine} == patterns, language
        assert {c.form for c in mine} >= {"appeal_form", "callback_form", "survey_form", "none"}, language
    assert len({c.name for c in CONVERSATIONS}) == len(CONVERSATIONS)
    print(Counter((c.language, c.pattern) for c in CONVERSATIONS))


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c.name for c in CONVERSATIONS])
def test_the_conversation_holds_at_every_step(stack: Stack, conversation: Conversation) -> None:
    resident = Resident(stack)
    said: list[str] = []
    try:
        for number, step in enumerate(conversation.steps, start=1):
            turn = resident.say(step.user)
            said += [f"> {step.user}", *(f"  {text}" for text in turn.texts)]
            problems = mismatches(turn, step.expected)
            assert not problems, f"step {number} ({step.user!r}): {problems}\n" + "\n".join(said)
    finally:
        resident.close_tickets()


ME_TOO = [
    # language, the appeal, its place, the answer to "is it the same problem?", linked
    ("zh", "小区门口的路灯坏了一个星期，晚上很黑", "朝阳区三里屯街道工体北路8号", "是的，就是这个", True),
    ("en", "The street light at our compound gate has been out for a week", "Gongti North Road 8, Sanlitun, Chaoyang",
     "/affirm", True),
    ("ja", "団地の入口の街灯が一週間も消えたままです", "朝陽区三里屯街道工体北路8号", "いいえ、違う街灯です", False),
]


@pytest.mark.parametrize("language, appeal, place, answer, linked", ME_TOO, ids=[m[0] for m in ME_TOO])
def test_me_too_a_resident_joins_the_open_case_of_the_same_problem(stack: Stack, language: str, appeal: str,
                                                                   place: str, answer: str, linked: bool) -> None:
    """Someone else reported the same street light; the resident is asked after filing and a yes links the
    new ticket to theirs (the backend shows it), a no leaves it on its own."""
    first, resident = Resident(stack), Resident(stack)
    try:
        reported = first.file_ticket()  # through Open311, as the assistant files them
        for text in (appeal, place, '/choose_category{"appeal_category": "street_light_out"}',
                     '/inform_attribute{"appeal_attribute": "ongoing"}', "/deny"):
            resident.say(text)
        filed = resident.say("/affirm")
        assert filed.says == ["msg_ticket_filed", "msg_me_too_offer"], filed.texts
        assert filed.slots["language"] == language
        replied = resident.say(answer)
        assert replied.says == ["msg_me_too_linked" if linked else "msg_me_too_kept"], replied.texts
        mine = http_json("GET", f"{stack.backend_url}/api/tickets/{resident.tickets[0]}", headers=OPERATOR)
        assert (mine.get("duplicate_of") == reported) is linked
        assert (mine["dispatch_state"] == "linked") is linked
    finally:
        first.close_tickets()
        resident.close_tickets()


URGENT = [
    # language, the emergency (no place in it), the answer to "where is it?", the sub-district it names
    ("zh", "雨下了一宿，我们楼的地下室进水了，现在已经没过脚脖子，还在往里灌", "丰台区东高地街道万源南里12号楼地下室",
     "110106"),
    ("en", "There's a strong smell of gas on our stairwell and nobody is cooking", "Building 5, Anzhen Li, Chaoyang",
     "110105"),
    ("ja", "階段でガスの臭いがします！", "結構です", None),
]


@pytest.mark.parametrize("language, emergency, answer, district", URGENT, ids=[u[0] for u in URGENT])
def test_an_urgent_report_without_a_place_is_asked_where_after_the_numbers(
        stack: Stack, language: str, emergency: str, answer: str, district: str | None) -> None:
    resident = Resident(stack)
    try:
        first = resident.say(emergency)
        assert first.says == ["msg_emergency", "msg_emergency_logged", "msg_ask_urgent_place"], first.texts
        assert first.form == "urgent_place_form" and first.asks == "urgent_place"
        second = resident.say(answer)
        assert second.says == ["msg_urgent_place_added" if district else "msg_urgent_place_skipped"], second.texts
        assert second.form is None
        ticket = http_json("GET", f"{stack.backend_url}/api/tickets/{resident.tickets[0]}", headers=OPERATOR)
        assert ticket["priority"] == "urgent" and ticket["district_code"] == district
        if district:
            assert ticket["address"] == answer
    finally:
        resident.close_tickets()
