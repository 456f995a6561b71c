"""Score conversation repair's first steps on labelled messages written apart from the assistant (issue 14).

- bench/data/labelled_replies.tsv: replies at the call-back question ("May the department call you?"): a yes, a
  no or a polite decline, thanks, "say that again", "not sure", cancelling the whole appeal, or anything else
  (an answer about the problem, a question) that must decide nothing.
- bench/data/labelled_openers.tsv: first messages: an announcement without what happened, a report, a policy
  question, an emergency now, danger words that are no emergency now (over, later, denied, a nuisance), small talk.

Each message goes through the trained model (``parse``) and our own repair code (actions/repair.py,
actions/conversation.py), as the assistant runs them. Run by tests/actions/test_repair_eval.py (floors).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actions.conversation import is_announcement
from actions.repair import Kind, Move, Question, Turn, decide, yes_or_no_of
from bot.short_replies import Reply, short_reply

DATA = Path(__file__).parent / "data"
REPLIES, OPENERS = DATA / "labelled_replies.tsv", DATA / "labelled_openers.tsv"
CALL_BACK = Question(Kind.YES_NO, optional=True)
SMALL_TALK = {"greet", "thanks", "goodbye", "bot_challenge", "out_of_scope", "chitchat"}
APPEAL = {"report_problem", "nlu_fallback", "correct_appeal"}

Parse = Callable[[str], dict[str, Any]]  # Rasa's parse data for a text


@dataclass
class Score:
    right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    misses: list[str] = field(default_factory=list)

    def add(self, keys: tuple[str, ...], ok: bool) -> None:
        for key in keys:
            self.right[key] += ok
            self.total[key] += 1

    def share(self, key: str) -> float:
        return self.right[key] / self.total[key] if self.total[key] else float("nan")


def rows(path: Path) -> list[tuple[str, str, str]]:
    lines = [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines()]
    return [(parts[0], parts[1], parts[2]) for parts in (line.split("\t") for line in lines if line and
                                                         not line.startswith("#")) if len(parts) == 3]


def turn_of(text: str, parsed: dict[str, Any]) -> Turn:
    intent = parsed.get("intent") or {}
    ranking = tuple((str(r["name"]), float(r["confidence"])) for r in parsed.get("intent_ranking") or [])
    return Turn(text=text, intent=intent.get("name"), confidence=float(intent.get("confidence") or 0.0),
                reply=short_reply(text), ranking=ranking)


def reply_outcome(turn: Turn) -> str:
    """What the call-back question makes of the reply: YES, NO, CANCEL, REPEAT, THANKS or something else."""
    move = decide(turn, CALL_BACK)
    if move is Move.ANSWER:
        return {True: "YES", False: "NO", None: "ASKED_AGAIN"}[yes_or_no_of(turn)]
    if move is Move.SKIP:
        return "NO"
    if move in (Move.CANCEL, Move.REPEAT):
        return move.name
    if move is Move.INTERRUPT and (turn.reply is Reply.THANKS or turn.intent == "thanks"):
        return "THANKS"
    return f"{move.value}:{turn.intent}"


EXPECTED_REPLY = {"YES": {"YES"}, "NO": {"NO"}, "DECLINE": {"NO"}, "CANCEL": {"CANCEL"}, "REPEAT": {"REPEAT"},
                  "THANKS": {"THANKS"}}


def score_replies(parse: Parse, path: Path = REPLIES) -> Score:
    score = Score()
    for language, label, text in rows(path):
        got = reply_outcome(turn_of(text, parse(text)))
        # "not sure" and anything else decide nothing for the resident
        ok = got in EXPECTED_REPLY[label] if label in EXPECTED_REPLY else got not in ("YES", "NO", "CANCEL")
        score.add((language, label, "all"), ok)
        if not ok:
            score.misses.append(f"{language} {label} -> {got}: {text}")
    return score


def opener_outcome(text: str, parsed: dict[str, Any]) -> str:
    intent = str((parsed.get("intent") or {}).get("name"))
    if intent == "emergency":
        return "EMERGENCY"
    if intent == "faq":
        return "QUESTION"
    if intent in APPEAL:
        return "ANNOUNCE" if is_announcement(text) else "REPORT"
    if intent == "ask_question":
        return "ASK"  # the assistant asks what the question is
    return "SMALLTALK" if intent in SMALL_TALK else f"OTHER:{intent}"


# An announcement is handled when the assistant asks what happened: as an announcement, a greeting or "your question?"
EXPECTED_OPENER = {"ANNOUNCE": {"ANNOUNCE", "SMALLTALK", "ASK"}, "REPORT": {"REPORT"}, "QUESTION": {"QUESTION"},
                   "EMERGENCY": {"EMERGENCY"}, "NOT_EMERGENCY": {"REPORT", "QUESTION", "ASK", "ANNOUNCE"},
                   "SMALLTALK": {"SMALLTALK"}}


def score_openers(parse: Parse, path: Path = OPENERS) -> Score:
    score = Score()
    for language, label, text in rows(path):
        got = opener_outcome(text, parse(text))
        ok = got in EXPECTED_OPENER[label]
        score.add((language, label, "all"), ok)
        if not ok:
            score.misses.append(f"{language} {label} -> {got}: {text}")
    return score
