"""The sentence-only featurizer gives exactly Rasa's sentence features, and no sequence features."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.sentence_featurizer import SentenceCountVectorsFeaturizer

TRAINING = [("the street light is broken", "report"), ("street lamp out near gate 3", "report"),
            ("how do I extend my visa", "faq"), ("visa extension documents", "faq"),
            ("thanks a lot", "thank"), ("noise from the building site at night", "report")]
UNSEEN = ["the visa light", "gate 3 noise at night", "completely new words here", "thanks"]


def featurizer(cls: type[CountVectorsFeaturizer], config: dict[str, Any], tmp_path: Path, name: str) -> Any:
    (tmp_path / name).mkdir()
    storage = LocalModelStorage(tmp_path / name)
    context = ExecutionContext(GraphSchema({}), model_id="test")
    return cls.create({**cls.get_default_config(), **config}, storage, Resource(name), context)


def tokenized(texts: Sequence[tuple[str, str | None]]) -> list[Message]:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={TEXT: text, **({INTENT: intent} if intent else {})}) for text, intent in texts]
    tokenizer.process_training_data(TrainingData(messages))
    return messages


@pytest.mark.parametrize("config", [{"min_ngram": 1, "max_ngram": 3},
                                    {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4}])
def test_sentence_features_are_rasas_and_there_are_no_sequence_features(config: dict[str, Any], tmp_path: Path) -> None:
    rasas = featurizer(CountVectorsFeaturizer, config, tmp_path, "rasa")
    ours = featurizer(SentenceCountVectorsFeaturizer, config, tmp_path, "ours")
    for component in (rasas, ours):
        component.train(TrainingData(tokenized(TRAINING)))
    for text in UNSEEN + [text for text, _ in TRAINING]:
        theirs_message, ours_message = tokenized([(text, None)]), tokenized([(text, None)])
        rasas.process(theirs_message)
        ours.process(ours_message)
        theirs_sentence = [f for f in theirs_message[0].features if f.type == FEATURE_TYPE_SENTENCE]
        ours_sentence = [f for f in ours_message[0].features if f.type == FEATURE_TYPE_SENTENCE]
        assert len(theirs_sentence) == len(ours_sentence) == 1
        assert ours_sentence[0].attribute == TEXT
        assert (theirs_sentence[0].features != ours_sentence[0].features).nnz == 0
        assert theirs_sentence[0].features.nnz > 0 or text == "completely new words here"
        assert any(f.type == FEATURE_TYPE_SEQUENCE for f in theirs_message[0].features)
        assert not any(f.type == FEATURE_TYPE_SEQUENCE for f in ours_message[0].features)


@pytest.mark.parametrize("config", [{"ngram_range": (1, 3)}, {"analyzer": "char_wb", "ngram_range": (1, 4)},
                                    {"ngram_range": (1, 2), "binary": True}])
def test_sentence_counts_are_sklearns_transform_on_every_nlu_example(config: dict[str, Any]) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    from bench.bench_nlu_eval import load_examples
    from nlu.sentence_featurizer import sentence_counts

    texts = [example.text for example in load_examples()[0]]
    vectorizer = CountVectorizer(token_pattern=r"(?u)\b\w+\b", lowercase=True, **config).fit(texts[::2])
    analyzer = vectorizer.build_analyzer()
    for text in texts[1::2][:1500] + ["", "全く新しい言葉", "zzz qqq"]:
        ours, theirs = sentence_counts(vectorizer, analyzer, text), vectorizer.transform([text])
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        assert (ours.tocsr() != theirs).nnz == 0
