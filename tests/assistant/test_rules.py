"""assistant.rules.RecentRulePolicy predicts exactly what Rasa's RulePolicy predicts, also in long conversations."""

from pathlib import Path
from typing import Any

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.training import load_data
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.rules import RecentRulePolicy, recent_states

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def policies(agent: Any) -> tuple[RecentRulePolicy, RulePolicy, Domain]:
    nodes = agent.processor.graph_runner._instantiated_nodes
    ours = next(node._component for node in nodes.values() if isinstance(node._component, RecentRulePolicy))
    context = ExecutionContext(GraphSchema({}), model_id="test")
    plain = RulePolicy(dict(ours.config), ours._model_storage, ours._resource, context,
                       featurizer=ours.featurizer, lookup=ours.lookup)
    return ours, plain, agent.domain


def story_trackers(domain: Domain) -> list[DialogueStateTracker]:
    return list(load_data(str(ROOT / "tests" / "dialogue" / "stories"), domain, augmentation_factor=0,
                          remove_duplicates=False))


def one_long_conversation(trackers: list[DialogueStateTracker], domain: Domain) -> DialogueStateTracker:
    """Every story one after the other in one conversation, as a resident who stays a long time."""
    events = [event for tracker in trackers for event in tracker.events if not isinstance(event, SessionStarted)]
    return DialogueStateTracker.from_events("long", events, domain.slots)


def prefixes(tracker: DialogueStateTracker, domain: Domain) -> list[DialogueStateTracker]:
    """The tracker before each bot action: the moments a policy predicts."""
    cuts = [i for i, event in enumerate(tracker.events) if isinstance(event, ActionExecuted)]
    return [DialogueStateTracker.from_events(tracker.sender_id, list(tracker.events)[:cut], domain.slots)
            for cut in cuts]


def test_every_prediction_in_every_story_and_a_long_conversation_is_rasas(
        policies: tuple[RecentRulePolicy, RulePolicy, Domain]) -> None:
    ours, plain, domain = policies
    trackers = story_trackers(domain)
    assert len(trackers) >= 30
    moments = [p for tracker in [*trackers, one_long_conversation(trackers, domain)] for p in prefixes(tracker, domain)]
    assert len(moments) > 300
    for moment in moments:
        expected, got = (plain.predict_action_probabilities(moment, domain),
                         ours.predict_action_probabilities(moment, domain))
        assert got.probabilities == expected.probabilities, moment.events
        assert (got.is_end_to_end_prediction, got.is_no_user_prediction) == (
            expected.is_end_to_end_prediction, expected.is_no_user_prediction)
        assert [type(e) for e in got.events] == [type(e) for e in expected.events]


def test_recent_states_are_the_tail_of_rasas_states(policies: tuple[RecentRulePolicy, RulePolicy, Domain]) -> None:
    _, _, domain = policies
    long = one_long_conversation(story_trackers(domain), domain)
    everything = long.past_states(domain)
    assert len(everything) > 100
    for keep in (1, 7, len(everything), len(everything) + 5):
        assert recent_states(long, domain, keep) == everything[-keep:]
