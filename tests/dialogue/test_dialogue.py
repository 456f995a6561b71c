"""The dialogue as data: validation, test stories in zh/en/ja, and the intents of their texts."""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import parse

ROOT = Path(__file__).resolve().parents[2]
STORIES = ROOT / "tests" / "dialogue" / "stories"
# Warnings Rasa's validator always gives for this design, and why they are fine:
EXPECTED_WARNINGS = (
    # The FAQ retrieval intent is declared in domain.yml and again derived from nlu/*/faq.yml.
    re.compile(r"duplicated intents have been found across multiple domain files: faq"),
    # EXTERNAL_* intents come from our own services through trigger_intent, never from residents.
    re.compile(r"The intent 'EXTERNAL_\w+' is listed in the domain file, but is not found in the NLU"),
    # Channels send these as payloads (a shared location, a photo, a sticker); nobody types them.
    re.compile(r"The intent '(share_location|share_media|unsupported_message|inform_rating)' "
               r"is listed in the domain file, "
               r"but is not found in the NLU"),
    # Rasa's retrieval action for the FAQ intent: action_answer_question speaks its answers (utter_faq/<topic>).
    re.compile(r"The utterance 'utter_faq' is not used in any story or rule"),
    # A phone number answers a form's question: the form's from_text mapping takes it, no rule.
    re.compile(r"The intent 'inform_phone' is not used in any story or rule"),
    # A form speaks utter_ask_<slot> itself (or its action_ask_<slot>, actions/repair.py), and the appeal
    # form's validation says utter_appeal_cancelled; the validator only looks in stories and rules.
    re.compile(r"The utterance 'utter_appeal_cancelled' is not used in any story or rule"),
    re.compile(r"The utterance 'utter_ask_(appeal_description|appeal_location|contact_consent|contact_phone|"
               r"callback_topic|callback_phone|survey_resolved|survey_rating|survey_comment)' "
               r"is not used in any story or rule"),
)


def rasa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rasa", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)


def test_data_validates_with_only_the_expected_warnings() -> None:
    result = rasa("data", "validate", "--data", "nlu", "data", "--domain", "domain.yml", "--config", "config.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    warnings = re.findall(r"UserWarning: (.+)", result.stdout + result.stderr)
    unexpected = [w for w in warnings if not any(p.search(w) for p in EXPECTED_WARNINGS)]
    assert unexpected == []


def test_stories_in_every_language_predict_every_action(model: Path, tmp_path: Path) -> None:
    result = rasa("test", "core", "--stories", str(STORIES), "--model", str(model), "--out", str(tmp_path),
                  "--fail-on-prediction-errors")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "None of the test stories failed" in (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")


def _story_turns() -> list[tuple[str, str, str]]:
    turns = []
    for path in sorted(STORIES.glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                if "user" in step:
                    turns.append((path.stem, step["user"].strip(), step["intent"]))
    return turns


@pytest.mark.parametrize("language, text, intent", _story_turns())
def test_the_texts_of_the_stories_get_their_intents(agent: Any, language: str, text: str, intent: str) -> None:
    # rasa test core trusts the intent labels of test stories; here the model must earn them.
    plain = re.sub(r"\[([^\]]+)\]\(\w+:\w+\)", r"\1", text)
    assert parse(agent, plain)["intent"]["name"] == intent
