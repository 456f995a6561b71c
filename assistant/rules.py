"""Rasa's RulePolicy, with the same predictions at a cost that does not grow with the conversation.

Rasa 3.6's RulePolicy rebuilds the state of every earlier turn on each prediction (two or three
predictions per message), parses each rule's JSON key again for every turn it looks at, and
keeps looking after no rule is left. A rule can only look back as many turns as it has states,
so the turns older than the longest rule never change which rules match. This policy:

- builds the states of the last ``longest rule + 1`` turns only (slots and the active loop are
  still replayed from the whole conversation, so each of those states is exactly Rasa's);
- parses each rule key once;
- stops matching when no rule is left or the longest rule is used up;
- for the latest turn, looks only at rules whose last previous action is the conversation's
  (or that name none): any other rule fails Rasa's own check there.

Everything else (training, contradiction checks, loops, fallbacks) is Rasa's own code.
"""

import json
from typing import Any

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import SHOULD_NOT_BE_SET
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker


def recent_states(tracker: DialogueStateTracker, domain: Domain, keep: int) -> list[State]:
    """The last ``keep`` of ``tracker.past_states(domain)``, without building the older ones.

    The same walk as Rasa's ``generate_all_prior_trackers`` (a state before each action and one at
    the end), over one list of applied events.
    """
    applied = tracker.applied_events()
    first = 1 + sum(isinstance(event, ActionExecuted) for event in applied) - keep
    prior = tracker.init_copy()
    states: list[State] = []
    index = 0
    for event in applied:
        if isinstance(event, ActionExecuted):
            if index >= first:
                states.append(domain.get_active_state(prior))
            index += 1
        prior.update(event)
    if index >= first:
        states.append(domain.get_active_state(prior))
    return states


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class RecentRulePolicy(RulePolicy):
    """RulePolicy that looks back only as far as its longest rule (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reversed_rules: dict[str, list[State]] = {}
        self._longest: tuple[tuple[int, int], int] = ((-1, -1), 0)  # (lookup sizes, longest rule)
        # id(lookup) -> (the lookup, its size, its rule keys by their last previous action name; None: no name)
        self._by_last_action: dict[int, tuple[dict[str, str], int, dict[str | None, set[str]]]] = {}

    def _longest_rule(self) -> int:
        rules, unhappy = self.lookup.get(RULES, {}), self.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})
        sizes = (len(rules), len(unhappy))
        if self._longest[0] != sizes:  # the lookup grows while training, then stays
            longest = max((len(self._reversed_rule_states(key)) for key in [*rules, *unhappy]), default=0)
            self._longest = (sizes, longest)
        return self._longest[1]

    def _reversed_rule_states(self, rule_key: str) -> list[State]:
        reversed_states = self._reversed_rules.get(rule_key)
        if reversed_states is None:
            reversed_states = self._reversed_rules[rule_key] = list(reversed(json.loads(rule_key)))
        return reversed_states

    def _prediction_states(self, tracker: DialogueStateTracker, domain: Domain,
                           use_text_for_last_user_input: bool = False,
                           rule_only_data: dict[str, Any] | None = None) -> list[State]:
        # RulePolicy's own call keeps rule-only turns and action_unlikely_intent, and has no
        # max_history: what is left of the featurizer's work is choosing text or intent.
        states = recent_states(tracker, domain, keep=self._longest_rule() + 1)
        self.featurizer._choose_last_user_input([states], use_text_for_last_user_input)
        return states

    def _is_rule_applicable(self, rule_key: str, turn_index: int, conversation_state: State) -> bool:
        reversed_rule_states = self._reversed_rule_states(rule_key)
        if turn_index >= len(reversed_rule_states):
            return True
        current_previous_action = conversation_state.get("prev_action")
        rule_previous_action = reversed_rule_states[turn_index].get("prev_action")
        if not rule_previous_action and not current_previous_action:
            return True
        if not rule_previous_action or not current_previous_action:
            return False
        return bool(self._does_rule_match_state(reversed_rule_states[turn_index], conversation_state))

    def _last_action_index(self, lookup: dict[str, str]) -> dict[str | None, set[str]]:
        """The lookup's rule keys by the action name their latest state requires as previous action."""
        known, size, index = self._by_last_action.get(id(lookup), ({}, -1, {}))
        if known is not lookup or size != len(lookup):  # the lookup grows while training, then stays
            index = {}
            for key in lookup:
                states = self._reversed_rule_states(key)
                name = states[0].get("prev_action", {}).get("action_name") if states else None
                required = name if isinstance(name, str) and name and name != SHOULD_NOT_BE_SET else None
                index.setdefault(required, set()).add(key)
            self._by_last_action[id(lookup)] = (lookup, len(lookup), index)
        return index

    def _get_possible_keys(self, lookup: dict[str, str], states: list[State]) -> set[str]:
        if not states:
            return set(lookup.keys())
        by_action = self._last_action_index(lookup)
        current = states[-1].get("prev_action", {}).get("action_name")
        # A rule naming another previous action fails Rasa's check at the latest turn; no need to ask.
        possible_keys = set(by_action.get(None, ()))
        if isinstance(current, str):
            possible_keys |= by_action.get(current, set())
        longest = self._longest_rule()
        for index, state in enumerate(reversed(states)):
            if not possible_keys or index >= longest:
                break  # nothing left, or every rule left is satisfied by the turns seen
            possible_keys = {key for key in possible_keys if self._is_rule_applicable(key, index, state)}
        return possible_keys
