"""Conversation repair (issue 14), turn by turn, against the real stack: every conversation in
tests/dialogue/conversations/ (zh, en, ja) must hold at every step (tests/dialogue/conversations.py)."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dialogue.conversations import Conversation, Resident, load, mismatches
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
    for number, step in enumerate(conversation.steps, start=1):
        turn = resident.say(step.user)
        said += [f"> {step.user}", *(f"  {text}" for text in turn.texts)]
        problems = mismatches(turn, step.expected)
        assert not problems, f"step {number} ({step.user!r}): {problems}\n" + "\n".join(said)
