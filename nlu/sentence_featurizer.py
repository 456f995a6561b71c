"""Rasa's CountVectorsFeaturizer without the per-token (sequence) features nothing here reads.

Rasa's featurizer transforms every message twice: once token by token (sequence features, for
DIET and CRF entity extraction) and once as a whole (sentence features). Our classifiers
(nlu/linear.py) read sentence features only, and no other component reads either, so the
per-token transform was a third of the Rasa server's NLU time under load (py-spy) for nothing.

The sentence step counts the vectorizer's own analyzer output against its vocabulary directly:
what ``CountVectorizer.transform([doc])`` computes (the same analyzer, vocabulary, counts, dtype
and ``binary`` rule), without building and checking a CSR matrix per message. The sentence
features, and so every prediction, are exactly those of Rasa's class (tests/nlu/).
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer


def sentence_counts(vectorizer: Any, analyzer: Callable[[str], list[str]], document: str) -> scipy.sparse.coo_matrix:
    """One row: ``vectorizer.transform([document])`` as a COO matrix, columns in order."""
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    counts: dict[int, int] = {}
    for term in analyzer(document):
        column = vocabulary.get(term)
        if column is not None:
            counts[column] = counts.get(column, 0) + 1
    columns = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
    values = np.ones(len(columns), dtype=vectorizer.dtype) if vectorizer.binary else \
        np.fromiter((counts[c] for c in columns), dtype=vectorizer.dtype, count=len(columns))
    return scipy.sparse.coo_matrix((values, (np.zeros(len(columns), dtype=np.int32), columns)),
                                   shape=(1, len(vocabulary)), dtype=vectorizer.dtype)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    """Sentence features as Rasa's CountVectorsFeaturizer makes them; no sequence features."""

    _analyzers: dict[int, tuple[Any, Callable[[str], list[str]]]]

    def _analyzer(self, vectorizer: Any) -> Callable[[str], list[str]]:
        """The vectorizer's analyzer, built once per vectorizer (sklearn builds it on every transform)."""
        if not hasattr(self, "_analyzers"):
            self._analyzers = {}
        known = self._analyzers.get(id(vectorizer))
        if known is None or known[0] is not vectorizer:
            known = self._analyzers[id(vectorizer)] = (vectorizer, vectorizer.build_analyzer())
        return known[1]

    def _create_features(self, attribute: str, all_tokens: list[list[str]]) -> tuple[
            list[scipy.sparse.spmatrix | None], list[scipy.sparse.spmatrix | None]]:
        vectorizer: Any = self.vectorizers.get(attribute)
        if not vectorizer:
            return [None], [None]
        analyzer = self._analyzer(vectorizer)
        sentence_features: list[scipy.sparse.spmatrix | None] = []
        for tokens in all_tokens:
            if not tokens or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
                sentence_features.append(None)
                continue
            sentence_features.append(sentence_counts(vectorizer, analyzer, " ".join(tokens)))
        return [None] * len(all_tokens), sentence_features
