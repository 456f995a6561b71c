"""The prepared-weights prediction gives sklearn's own probabilities."""

from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse import random as sparse_random
from sklearn.linear_model import LogisticRegression

from nlu.linear import LinearComponent, Row


class Features(LinearComponent):
    """The component with its features given directly (the featurizers are Rasa's, not ours)."""

    matrix: csr_matrix

    def features(self, messages: list[Any]) -> csr_matrix:
        return self.matrix[: len(messages)]

    def rows(self, messages: list[Any]) -> list[Row]:
        features = self.matrix[: len(messages)]
        return [(features[i].indices, features[i].data, features.shape[1]) for i in range(len(messages))]


def fitted(labels: int) -> tuple[Features, csr_matrix]:
    rng = np.random.default_rng(7)
    matrix = csr_matrix(sparse_random(120, 300, density=0.05, random_state=7, format="csr"))
    component = Features({"normalise": False}, None, None)  # type: ignore[arg-type]  # the matrix is final
    component.classifier = LogisticRegression(C=1000, max_iter=1000).fit(matrix, rng.integers(0, labels, 120))
    component._prepare()
    component.matrix = matrix
    return component, matrix


def test_many_labels_match_predict_proba() -> None:
    component, matrix = fitted(labels=6)
    predicted = component.predict([object()] * 40)
    assert predicted is not None
    probabilities, classes = predicted
    assert np.allclose(probabilities, component.classifier.predict_proba(matrix[:40]), atol=1e-10)  # type: ignore[union-attr]
    assert list(classes) == list(range(6)) and component._weights is not None
    assert component._weights.flags["C_CONTIGUOUS"]


def test_two_labels_use_the_binary_model() -> None:
    component, matrix = fitted(labels=2)
    predicted = component.predict([object()] * 10)
    assert predicted is not None and component._weights is None
    assert np.allclose(predicted[0], component.classifier.predict_proba(matrix[:10]))  # type: ignore[union-attr]


def test_nothing_before_training_or_without_messages() -> None:
    assert Features({}, None, None).predict([object()]) is None  # type: ignore[arg-type]
    assert fitted(labels=3)[0].predict([]) is None


def featurized_message(rng: np.random.Generator, widths: tuple[int, int]) -> Any:
    """A message with sequence and sentence features from two featurizers, as Rasa's CountVectors give."""
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.features import Features as RasaFeatures
    from rasa.shared.nlu.training_data.message import Message
    from scipy.sparse import coo_matrix

    message = Message(data={TEXT: "x"})
    tokens = int(rng.integers(1, 6))
    for origin, width in zip(("words", "chars"), widths, strict=False):
        sequence = coo_matrix(sparse_random(tokens, width, density=0.2, random_state=rng))
        message.add_features(RasaFeatures(sequence, "sequence", TEXT, origin))
        sentence = coo_matrix(np.asarray(sequence.sum(axis=0)))
        message.add_features(RasaFeatures(sentence, "sentence", TEXT, origin))
        message.add_features(RasaFeatures(coo_matrix(np.ones((1, 3))), "sentence", "intent", origin))  # not text
    return message


def test_sentence_features_are_rasas_combined_sentence_features() -> None:
    from rasa.shared.nlu.constants import TEXT
    from scipy.sparse import vstack

    from nlu.linear import sentence_features

    rng = np.random.default_rng(3)
    messages = [featurized_message(rng, (40, 90)) for _ in range(25)]
    rasas = vstack([m.get_sparse_features(TEXT)[1].features for m in messages]).tocsr()
    assert (sentence_features(messages, normalise=False) != rasas).nnz == 0
    assert sentence_features(messages, normalise=False).shape == (25, 130)
    normalised = sentence_features(messages)
    assert np.allclose(np.asarray(normalised.multiply(normalised).sum(axis=1)).ravel(), 1.0)
    assert sentence_features([]).shape == (0, 0)


def test_the_numpy_scores_are_the_sparse_products_on_featurized_messages() -> None:
    from nlu.linear import sentence_features, sentence_row

    rng = np.random.default_rng(5)
    messages = [featurized_message(rng, (40, 90)) for _ in range(60)]
    component = LinearComponent({}, None, None)  # type: ignore[arg-type]
    labels = rng.integers(0, 7, len(messages))
    component.classifier = LogisticRegression(C=1000, max_iter=1000).fit(sentence_features(messages), labels)
    component._prepare()
    predicted = component.predict(messages)
    assert predicted is not None
    assert np.allclose(predicted[0], component.classifier.predict_proba(sentence_features(messages)), atol=1e-12)
    columns, values, width = sentence_row(messages[0])
    dense = np.zeros(width)
    dense[columns] = values
    assert np.array_equal(dense, sentence_features(messages[:1], normalise=False).toarray()[0])


def test_features_of_another_width_than_the_model_are_refused() -> None:
    import pytest

    rng = np.random.default_rng(6)
    from nlu.linear import sentence_features

    messages = [featurized_message(rng, (40, 90)) for _ in range(30)]
    component = LinearComponent({}, None, None)  # type: ignore[arg-type]
    component.classifier = LogisticRegression(max_iter=200).fit(sentence_features(messages), rng.integers(0, 3, 30))
    component._prepare()
    with pytest.raises(ValueError, match="wide"):
        component.predict([featurized_message(rng, (40, 50))])
