"""NLU components that keep bad input from reaching (or confusing) the rest of the pipeline.

``InputTrimmer`` runs first: it cuts very long text so tokenizers never chew megabytes.
``InputJudge`` runs last: empty, over-long or unreadable messages get the intent
``bad_input`` with an ``input_problem`` entity, which a rule answers helpfully.
"""

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.input_check import EMPTY, MAX_MESSAGE_CHARS, input_problem

PROBLEM_KEY = "input_problem"
BAD_INPUT = "bad_input"
# Featurizers give no features for empty text, and Rasa's LogisticRegressionClassifier then
# fails on a zero-width matrix; one placeholder character keeps the shapes right.
EMPTY_PLACEHOLDER = "\u2205"


class StatelessComponent(GraphComponent):
    """A pipeline step with nothing to train or store."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "StatelessComponent":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class InputTrimmer(StatelessComponent):
    """Notes what is wrong with the raw text and trims it to the maximum length."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            problem = input_problem(text)
            message.set(PROBLEM_KEY, problem)
            if problem == EMPTY:
                message.set(TEXT, EMPTY_PLACEHOLDER)
            elif len(text) > MAX_MESSAGE_CHARS:
                message.set(TEXT, text[:MAX_MESSAGE_CHARS])
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class InputJudge(StatelessComponent):
    """Overrides the intent with ``bad_input`` when the trimmer found a problem."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            problem = message.get(PROBLEM_KEY)
            if problem is None:
                continue
            intent = {"name": BAD_INPUT, "confidence": 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
            entity = {"entity": PROBLEM_KEY, "value": problem, "start": 0, "end": 0, "extractor": "InputJudge"}
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
        return messages


def make_intent(message: Message, name: str, confidence: float = 0.0) -> None:
    """Makes ``name`` the message's intent whatever the classifier gave it (its ranked confidence, at least
    ``confidence``: what the words alone make sure of)."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    entry = next((r for r in ranking if r.get("name") == name), None) or {"name": name, "confidence": 0.0}
    entry["confidence"] = max(float(entry.get("confidence") or 0.0), confidence)
    message.set(INTENT, dict(entry), add_to_output=True)
    message.set(INTENT_RANKING_KEY, [entry, *(r for r in ranking if r is not entry)], add_to_output=True)


def promote_ranked(message: Message, name: str, min_confidence: float) -> bool:
    """Makes the ranking's ``name`` the message's intent, when the classifier gave it ``min_confidence``."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    entry = next((r for r in ranking if r.get("name") == name), None)
    if entry is None or float(entry.get("confidence") or 0.0) < min_confidence:
        return False
    message.set(INTENT, dict(entry), add_to_output=True)
    message.set(INTENT_RANKING_KEY, [entry, *(r for r in ranking if r is not entry)], add_to_output=True)
    return True
