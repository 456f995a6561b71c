"""NLU component: choose the policy answer (``faq/<topic>``) for questions classed as ``faq``.

A logistic regression over the pipeline's sparse features, trained on the retrieval intent
examples; its output has the shape of Rasa's ResponseSelector, so the built-in ``utter_faq``
retrieval action works unchanged. It trains in seconds where ResponseSelector (a TensorFlow
model) takes minutes, and parses in well under a millisecond.
"""

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY, RESPONSE_SELECTOR_PROPERTY_NAME, RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY, RESPONSE_SELECTOR_RETRIEVAL_INTENTS, RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.sparse import sentence_features

RANKING_LENGTH = 5


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FaqSelector(GraphComponent):
    """Picks ``utter_faq/<topic>`` for messages whose intent is the retrieval intent."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"retrieval_intent": "faq", "max_iter": 1000, "C": 1000.0, "random_state": 42, "normalise": True}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self.model_storage = model_storage
        self.resource = resource
        self.classifier: LogisticRegression | None = None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FaqSelector":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        intent = self.config["retrieval_intent"]
        examples = [m for m in training_data.intent_examples
                    if m.get(INTENT) == intent and m.get(INTENT_RESPONSE_KEY)]
        if len({m.get(INTENT_RESPONSE_KEY) for m in examples}) >= 2:
            self.classifier = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"],
                                                 random_state=self.config["random_state"], class_weight="balanced")
            self.classifier.fit(sentence_features(examples, normalise=self.config["normalise"]), [m.get(INTENT_RESPONSE_KEY) for m in examples])
        self.persist()
        return self.resource

    def process(self, messages: list[Message]) -> list[Message]:
        intent = self.config["retrieval_intent"]
        if self.classifier is None:
            return messages
        probabilities = self.classifier.predict_proba(sentence_features(messages, normalise=self.config["normalise"]))
        labels = self.classifier.classes_
        for message, row in zip(messages, probabilities):
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

    def persist(self) -> None:
        import skops.io as sio

        with self.model_storage.write_to(self.resource) as folder:
            if self.classifier is not None:
                sio.dump(self.classifier, folder / "faq_selector.skops")

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "FaqSelector":
        import skops.io as sio

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as folder:
                path = folder / "faq_selector.skops"
                if path.exists():
                    component.classifier = sio.load(path, trusted=sio.get_untrusted_types(file=path))
        except ValueError:
            pass  # nothing was trained (no retrieval examples)
        return component
