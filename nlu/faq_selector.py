"""NLU component: choose the policy answer (``faq/<topic>``) for questions classed as ``faq``.

A logistic regression over the pipeline's sparse features, trained on the retrieval intent
examples; its output has the shape of Rasa's ResponseSelector, so the built-in ``utter_faq``
retrieval action works unchanged. It trains in well under a minute where ResponseSelector (a TensorFlow
model) takes minutes, and parses in well under a millisecond.
"""

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.linear import LinearComponent
from nlu.narrative_guard import may_be_question

RANKING_LENGTH = 5


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FaqSelector(LinearComponent):
    """Picks ``utter_faq/<topic>`` for messages whose intent is the retrieval intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LinearComponent.get_default_config(), "retrieval_intent": "faq"}

    def train(self, training_data: TrainingData) -> Resource:
        intent = self.config["retrieval_intent"]
        examples = [m for m in training_data.intent_examples
                    if m.get(INTENT) == intent and m.get(INTENT_RESPONSE_KEY)]
        if len({m.get(INTENT_RESPONSE_KEY) for m in examples}) < 2:
            return self.resource  # nothing to choose between
        return self.fit(examples, [m.get(INTENT_RESPONSE_KEY) for m in examples])

    def process(self, messages: list[Message]) -> list[Message]:
        """Selects a topic for the messages whose intent is the retrieval intent, and for reports that ask a
        question (nlu/narrative_guard.py may make them questions); others need none."""
        intent = self.config["retrieval_intent"]
        messages_with_intent = [m for m in messages if (m.get(INTENT) or {}).get("name") == intent
                                or may_be_question(m, intent)]
        predicted = self.predict(messages_with_intent)
        if predicted is None:
            return messages
        probabilities, labels = predicted
        for message, row in zip(messages_with_intent, probabilities, strict=False):
            order = np.argsort(-row)[:RANKING_LENGTH]
            best = str(labels[order[0]])
            ranking = [{"id": None, PREDICTED_CONFIDENCE_KEY: float(row[i]), INTENT_RESPONSE_KEY: str(labels[i])}
                       for i in order]
            selector = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
            selector[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [intent]
            selector[intent] = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: [],
                    PREDICTED_CONFIDENCE_KEY: float(row[order[0]]),
                    INTENT_RESPONSE_KEY: best,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{best}",
                },
                RESPONSE_SELECTOR_RANKING_KEY: ranking,
            }
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
        return messages
