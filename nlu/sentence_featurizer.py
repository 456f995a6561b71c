"""Rasa's CountVectorsFeaturizer without the per-token (sequence) features nothing here reads.

Rasa's featurizer transforms every message twice: once token by token (sequence features, for
DIET and CRF entity extraction) and once as a whole (sentence features). Our classifiers
(nlu/linear.py) read sentence features only, and no other component reads either, so the
per-token transform was a third of the Rasa server's NLU time under load (py-spy) for nothing.
The sentence features, and so every prediction, are exactly those of Rasa's class.
"""

from typing import Any

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    """Sentence features as Rasa's CountVectorsFeaturizer makes them; no sequence features."""

    def _create_features(self, attribute: str, all_tokens: list[list[str]]) -> tuple[
            list[scipy.sparse.spmatrix | None], list[scipy.sparse.spmatrix | None]]:
        vectorizer: Any = self.vectorizers.get(attribute)
        if not vectorizer:
            return [None], [None]
        sentence_features: list[scipy.sparse.spmatrix | None] = []
        for tokens in all_tokens:
            if not tokens or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
                sentence_features.append(None)
                continue
            sentence = vectorizer.transform([" ".join(tokens)])  # Rasa's own sentence step, unchanged
            sentence.sort_indices()
            sentence_features.append(sentence.tocoo())
        return [None] * len(all_tokens), sentence_features
