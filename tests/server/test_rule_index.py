"""The rule index finds exactly the rules Rasa's one-by-one search finds, on rules of every
shape: named or unnamed previous actions and intents, SHOULD_NOT_BE_SET, conversation
starts, several steps back (the trained model's rules are in tests/e2e/test_rule_history.py)."""

from __future__ import annotations

import itertools
import json

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from ember.server.policies import rule_index

LISTEN = {"action_name": "action_listen"}
GREET = {"intent": "greet"}
STATES = [
    {},
    {"prev_action": LISTEN},
    {"prev_action": LISTEN, "user": GREET},
    {"prev_action": LISTEN, "user": {"intent": "goodbye"}},
    {"prev_action": LISTEN, "user": {"text": "hello there"}},
    {"prev_action": {"action_name": "utter_greet"}, "user": GREET},
    {"prev_action": {"action_text": "hi!"}, "user": GREET},
    {"prev_action": LISTEN, "user": GREET, "active_loop": {"name": "reflection_form"}},
    {"prev_action": LISTEN, "user": GREET, "slots": {"country": (1.0,)}},
]
RULE_STATES = [
    *STATES,
    {"prev_action": {"action_name": SHOULD_NOT_BE_SET}, "user": GREET},
    {"prev_action": LISTEN, "user": {"intent": SHOULD_NOT_BE_SET}},
    {"prev_action": LISTEN, "active_loop": {"name": SHOULD_NOT_BE_SET}},
    {"prev_action": {"action_name": "utter_greet"}},
]


# Only the rule-matching methods are used, which read nothing of a trained policy. One
# policy for every test: its index is built once and reused, and checked each time.
POLICY = RulePolicy.__new__(RulePolicy)


def lookup() -> dict[str, str]:
    keys = [[]] + [[state] for state in RULE_STATES]
    keys += [list(pair) for pair in itertools.product(RULE_STATES[:6], RULE_STATES)]
    return {json.dumps(states): "utter_something" for states in keys}


def test_every_conversation_gets_exactly_the_rules_rasa_finds():
    rules, found = lookup(), 0
    for length in (0, 1, 2, 3):
        for states in itertools.product(STATES, repeat=length):
            keys = rule_index.possible_rule_keys(POLICY, rules, list(states))
            assert keys == rule_index._rasa_get_possible_keys(POLICY, rules, list(states))
            found += len(keys)
    assert found > 1000


def test_an_index_is_rebuilt_when_its_rules_change():
    rules = lookup()
    states = [{"prev_action": LISTEN, "user": GREET}]
    before = rule_index.possible_rule_keys(POLICY, rules, states)
    extra = json.dumps([{"prev_action": LISTEN, "user": GREET, "slots": {}}])
    rules[extra] = "utter_more"
    after = rule_index.possible_rule_keys(POLICY, rules, states)
    assert after == before | {extra}
