"""Sentence features for our scikit-learn components: the featurizers' sparse counts,
log-scaled and L2-normalised so long and short messages weigh alike."""

import numpy as np
from scipy.sparse import csr_matrix, vstack
from sklearn.preprocessing import normalize

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


def sentence_features(messages: list[Message], *, normalise: bool = True) -> csr_matrix:
    rows = []
    for message in messages:
        sparse = message.get_sparse_features(attribute=TEXT)[1]
        rows.append(csr_matrix(sparse.features) if sparse is not None else csr_matrix((1, 0)))
    matrix = vstack(rows).tocsr() if rows else csr_matrix((0, 0))
    if not normalise:
        return matrix
    matrix.data = np.log1p(matrix.data)
    normalised: csr_matrix = normalize(matrix, norm="l2", copy=False)
    return normalised
