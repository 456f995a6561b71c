"""A logistic regression over the featurizers' sparse sentence features, as a Rasa component.

The shared base of nlu/intent_classifier.py and nlu/faq_selector.py: features log-scaled and
L2-normalised (long and short messages weigh alike), ``C`` configurable, the fitted model
stored with skops in Rasa's model storage.
"""

from typing import Any

import numpy as np
import numpy.typing as npt
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix, csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

MODEL_FILE = "logistic_regression.skops"


def sentence_features(messages: list[Message], *, normalise: bool = True) -> csr_matrix:
    """One row per message: its sparse sentence features for the text, featurizer after featurizer.

    The same matrix as stacking ``message.get_sparse_features(TEXT)[1]``, built in one step:
    Rasa's call also deep-copies and stacks every sequence feature, which we never use.
    """
    if not messages:
        return csr_matrix((0, 0))
    data: list[npt.NDArray[Any]] = []
    indices: list[npt.NDArray[Any]] = []
    row_lengths: list[int] = []
    widths: set[int] = set()
    for message in messages:
        width = length = 0
        for feature in message.features:
            if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE and feature.is_sparse():
                row = csr_matrix(feature.features)
                data.append(row.data)
                indices.append(row.indices + width)
                width += row.shape[1]
                length += row.nnz
        widths.add(width)
        row_lengths.append(length)
    if len(widths) > 1:
        raise ValueError(f"The messages' sentence features differ in width: {sorted(widths)}")
    indptr = np.concatenate(([0], np.cumsum(row_lengths, dtype=np.int64)))
    matrix = csr_matrix((np.concatenate(data) if data else np.zeros(0),
                         np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32), indptr),
                        shape=(len(messages), widths.pop()))
    if not normalise:
        return matrix
    matrix.data = np.log1p(matrix.data)
    normalised: csr_matrix = normalize(matrix, norm="l2", copy=False)
    return normalised


Row = tuple[npt.NDArray[Any], npt.NDArray[Any], int]  # (column indices, values, width) of one message


def sentence_row(message: Message) -> Row:
    """One message's sparse sentence features as (column indices, values, width): the row of
    ``sentence_features([message], normalise=False)`` without building a matrix."""
    columns: list[npt.NDArray[Any]] = []
    values: list[npt.NDArray[Any]] = []
    width = 0
    for feature in message.features:
        if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE and feature.is_sparse():
            matrix = feature.features if isinstance(feature.features, coo_matrix) else feature.features.tocoo()
            columns.append(matrix.col + width)
            values.append(matrix.data)
            width += matrix.shape[1]
    if not columns:
        return np.zeros(0, dtype=np.int64), np.zeros(0), width
    return np.concatenate(columns), np.concatenate(values), width


class LinearComponent(GraphComponent):
    """Subclasses choose the examples and labels (``fit``) and write the results (``process``)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 1000.0, "max_iter": 1000, "random_state": 42, "normalise": True}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self.model_storage = model_storage
        self.resource = resource
        self.classifier: LogisticRegression | None = None
        self._weights: npt.NDArray[np.float64] | None = None  # coef_.T, C-contiguous
        self._bias: npt.NDArray[np.float64] | None = None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LinearComponent":
        return cls(config, model_storage, resource)

    def features(self, messages: list[Message]) -> csr_matrix:
        return sentence_features(messages, normalise=self.config["normalise"])

    def rows(self, messages: list[Message]) -> list[Row]:
        return [sentence_row(message) for message in messages]

    def fit(self, examples: list[Message], labels: list[str]) -> Resource:
        """Fit on ``examples`` and store the model."""
        self.classifier = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"],
                                             random_state=self.config["random_state"], class_weight="balanced")
        self.classifier.fit(self.features(examples), labels)
        self._prepare()
        import skops.io as sio

        with self.model_storage.write_to(self.resource) as folder:
            sio.dump(self.classifier, folder / MODEL_FILE)
        return self.resource

    def _prepare(self) -> None:
        """Keep the weights as one C-contiguous (features x labels) array for prediction.

        ``predict_proba`` multiplies the sparse features by ``coef_.T``, a Fortran-ordered view,
        which scipy copies into C order on every call (features x labels floats: megabytes per
        message). The same softmax over a prepared copy gives the same probabilities.
        """
        assert self.classifier is not None
        multinomial = len(self.classifier.classes_) > 2
        self._weights = np.ascontiguousarray(self.classifier.coef_.T) if multinomial else None
        self._bias = np.asarray(self.classifier.intercept_, dtype=np.float64) if multinomial else None

    def predict(self, messages: list[Message]) -> tuple[npt.NDArray[Any], npt.NDArray[Any]] | None:
        """(probabilities per message, the labels in column order), or None before training."""
        if self.classifier is None or not messages:
            return None
        if self._weights is None or self._bias is None:  # two labels: a binary model
            return self.classifier.predict_proba(self.features(messages)), self.classifier.classes_
        scores = self._scores(messages)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores, self.classifier.classes_

    def _scores(self, messages: list[Message]) -> npt.NDArray[np.float64]:
        """Features times weights plus bias, message by message with numpy alone: the same arithmetic as the
        sparse matrix product (log-scaling and L2 norm per entry, then the weighted sum), without scipy's and
        sklearn's per-call checks, which cost more than the product for one message (py-spy, under load)."""
        assert self._weights is not None and self._bias is not None
        scores = np.empty((len(messages), self._weights.shape[1]))
        for number, (columns, values, width) in enumerate(self.rows(messages)):
            if width != self._weights.shape[0]:
                raise ValueError(f"The message's sentence features are {width} wide, the model's "
                                 f"{self._weights.shape[0]}")
            weighted = values.astype(np.float64)
            if self.config["normalise"]:
                weighted = np.log1p(weighted)
                norm = np.sqrt(weighted @ weighted)
                if norm > 0:
                    weighted /= norm
            scores[number] = weighted @ self._weights[columns] + self._bias
        return scores

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearComponent":
        import skops.io as sio

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as folder:
                path = folder / MODEL_FILE
                if path.exists():  # our own artefact, written by fit()
                    component.classifier = sio.load(path, trusted=sio.get_untrusted_types(file=path))
                    component._prepare()
        except ValueError:
            pass  # nothing was trained
        return component
