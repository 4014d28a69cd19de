"""RulePolicy's rules looked up by the conversation's last state, not tried one by one.

To find the rules that match, Rasa 3.6 tries every rule against the last state, then the
survivors against the state before it, and so on (`RulePolicy._get_possible_keys`). Ember
has over 600 rules, most of which fail on the last state already, because they expect
another previous action or another intent: the first pass was about a sixth of a Rasa
worker's time under load (docs/performance.md).

A rule's last state fails `_does_rule_match_state` whenever it names a previous action or
an intent (a value other than SHOULD_NOT_BE_SET) that the conversation's last state does
not have. So the rules are indexed by those two values, a rule that names neither being
found under any; the candidates are then checked by Rasa's own `_is_rule_applicable`, state
by state as before. The result is exactly Rasa's: tests/e2e/test_rule_history.py compares
them at every step of a conversation made of every story and rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import State
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

_INDEXES_ATTRIBUTE = "_ember_rule_indexes"
# Rasa's own, which the tests compare with.
_rasa_get_possible_keys = RulePolicy._get_possible_keys

# (previous action, intent) of a rule's last state; None where the rule does not name one.
IndexKey = tuple[str | None, str | None]


def _named(sub_state: dict | None, key: str) -> str | None:
    value = (sub_state or {}).get(key)
    return value if value and value != SHOULD_NOT_BE_SET else None


@dataclass(frozen=True)
class RuleIndex:
    keys: frozenset[str]
    # Rules whose last state has a previous action, by what that state names.
    by_last_state: dict[IndexKey, frozenset[str]]
    # Rules whose last state has none: a conversation's start (`conversation_start: true`).
    starters: frozenset[str]
    # Rules of no state at all, which match anything.
    empty: frozenset[str]

    @classmethod
    def of(cls, policy: RulePolicy, lookup: dict[str, str]) -> RuleIndex:
        by_last_state: dict[IndexKey, set[str]] = defaultdict(set)
        starters, empty = set(), set()
        for key in lookup:
            rule_states = policy._rule_key_to_state(key)
            if not rule_states:
                empty.add(key)
                continue
            last = rule_states[-1]
            if not last.get(PREVIOUS_ACTION):
                starters.add(key)
                continue
            named = (_named(last[PREVIOUS_ACTION], ACTION_NAME), _named(last.get(USER), INTENT))
            by_last_state[named].add(key)
        return cls(
            frozenset(lookup),
            {named: frozenset(keys) for named, keys in by_last_state.items()},
            frozenset(starters),
            frozenset(empty),
        )

    def candidates(self, last: State) -> set[str]:
        """The rules that can match a conversation whose last state is `last`."""
        previous_action = last.get(PREVIOUS_ACTION)
        if not previous_action:
            # `_is_rule_applicable` accepts a starter here and refuses every other rule.
            return self.starters | self.empty
        action, intent = previous_action.get(ACTION_NAME), (last.get(USER) or {}).get(INTENT)
        found = set(self.empty)
        for named in ((action, intent), (action, None), (None, intent), (None, None)):
            found |= self.by_last_state.get(named, frozenset())
        return found


def _index(policy: RulePolicy, lookup: dict[str, str]) -> RuleIndex:
    indexes = policy.__dict__.setdefault(_INDEXES_ATTRIBUTE, {})
    index = indexes.get(id(lookup))
    # Training fills and prunes the lookups between predictions: a stale index is rebuilt.
    if index is None or index.keys != lookup.keys():
        index = indexes[id(lookup)] = RuleIndex.of(policy, lookup)
    return index


def possible_rule_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]) -> set[str]:
    """`RulePolicy._get_possible_keys`, starting from the rules indexed under the last state."""
    if not states:
        return set(lookup)
    keys = _index(self, lookup).candidates(states[-1])
    for turn_index, state in enumerate(reversed(states)):
        keys = {key for key in keys if self._is_rule_applicable(key, turn_index, state)}
    return keys
