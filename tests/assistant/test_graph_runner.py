"""assistant.graph_runner.SequentialGraphRunner gives what Rasa's DaskGraphRunner gives, on the real model."""

from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphSchema, SchemaNode
from rasa.engine.loader import load_predict_graph_runner
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.runner.interface import GraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.graph_components.providers.domain_provider import DomainProvider
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

from assistant.graph_runner import SequentialGraphRunner, execution_order
from tests.assistant.test_rules import prefixes, story_trackers

MESSAGES = ["你好", "签证快到期了，怎么延期？", "小区门口的路灯坏了三天了", "yes", "How do I register my dog?",
            "the elevator in building 3 has been broken for a week", "はい", "ビザの延長はどうすればいいですか",
            "", "x" * 3000, "今天天气怎么样", "/choose_category{\"appeal_category\": \"street_lighting\"}", "5"]

Runners = tuple[Any, GraphRunner, GraphRunner]


@pytest.fixture(scope="module")
def runners(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Runners:
    metadata, dask_runner = load_predict_graph_runner(tmp_path_factory.mktemp("dask"), model, LocalModelStorage,
                                                      DaskGraphRunner)
    _, sequential = load_predict_graph_runner(tmp_path_factory.mktemp("seq"), model, LocalModelStorage,
                                              SequentialGraphRunner)
    return metadata, dask_runner, sequential


def parsed(runner: GraphRunner, target: str, text: str, tracker: DialogueStateTracker) -> dict[str, Any]:
    message = UserMessage(text, sender_id=tracker.sender_id)
    from rasa.core.processor import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER

    results = runner.run(inputs={PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker}, targets=[target])
    assert list(results) == [target]
    data: dict[str, Any] = results[target][0].as_dict(only_output_properties=True)
    return data


def test_every_message_parses_the_same(runners: Runners, agent: Any) -> None:
    metadata, dask_runner, sequential = runners
    tracker = DialogueStateTracker("runner-test", agent.domain.slots)
    for text in MESSAGES:
        ours, theirs = parsed(sequential, metadata.nlu_target, text, tracker), parsed(
            dask_runner, metadata.nlu_target, text, tracker)
        assert ours == theirs, text
        assert ours.get(TEXT) is not None


def test_every_prediction_in_every_story_is_the_same(runners: Runners, agent: Any) -> None:
    from rasa.core.processor import PLACEHOLDER_TRACKER

    metadata, dask_runner, sequential = runners
    domain: Domain = agent.domain
    moments = [p for tracker in story_trackers(domain) for p in prefixes(tracker, domain)]
    assert len(moments) > 200
    for moment in moments:
        ours = sequential.run(inputs={PLACEHOLDER_TRACKER: moment}, targets=[metadata.core_target])
        theirs = dask_runner.run(inputs={PLACEHOLDER_TRACKER: moment}, targets=[metadata.core_target])
        a, b = ours[metadata.core_target], theirs[metadata.core_target]
        assert (a.probabilities, a.policy_name, [type(e) for e in a.events]) == (
            b.probabilities, b.policy_name, [type(e) for e in b.events])


def _schema(**needs: dict[str, str]) -> GraphSchema:
    return GraphSchema({name: SchemaNode(needs=node_needs, uses=DomainProvider, fn="provide_inference",
                                         constructor_name="create", config={}, is_target=True)
                        for name, node_needs in needs.items()})


def test_the_order_puts_every_node_after_what_it_needs() -> None:
    schema = _schema(a={}, b={"x": "a"}, c={"x": "a", "y": "b"}, d={"x": "c", "m": "__message__"}, unused={"x": "a"})
    order = execution_order(schema, ["d"])
    assert [name for name, _ in order] == ["a", "b", "c", "d"]
    assert dict(order)["d"] == ("c", "__message__")


def test_a_cycle_is_refused() -> None:
    with pytest.raises(GraphRunError, match="cycle"):
        execution_order(_schema(a={"x": "b"}, b={"x": "a"}), ["a"])


def test_an_input_named_like_a_node_is_refused(tmp_path: Path) -> None:
    schema = _schema(a={})
    storage = LocalModelStorage(tmp_path)
    runner = SequentialGraphRunner(schema, storage, ExecutionContext(schema, "test"))
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        runner.run(inputs={"a": 1}, targets=["a"])
