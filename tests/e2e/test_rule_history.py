"""The trained RulePolicy decides the same when it reads states only back to its longest
rule (ember/server/history.py) as when it reads the whole session, and when it looks its
rules up by the last state (ember/server/policies/rule_index.py) as when it tries each, at
every step of a long conversation made of every story and rule of data/."""

from __future__ import annotations

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import (
    RULES,
    RULES_FOR_LOOP_UNHAPPY_PATH,
    RULES_NOT_IN_STORIES,
    RulePolicy,
)
from rasa.shared.core.trackers import DialogueStateTracker

from ember.server import history
from ember.server.policies import rule_index
from tests.helpers import PROJECT_ROOT
from tests.server.test_history import conversation_events

MODEL = PROJECT_ROOT / "models" / "ember.tar.gz"
pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def trained():
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train`")
    agent = Agent.load(str(MODEL))
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    policy = next(node._component for node in nodes if isinstance(node._component, RulePolicy))
    return policy, agent.domain


def decision(policy: RulePolicy, tracker: DialogueStateTracker, domain, use_text: bool):
    action, source, returning = policy._find_action_from_rules(tracker, domain, use_text)
    hidden = source in policy.lookup.get(RULES_NOT_IN_STORIES, [])
    # A key of states no rule matched is only a label; what it decides is whether it hides.
    return action, returning, hidden, source if action else None


def steps_decided_as_rasa_decides(trained, monkeypatch, method: str, rasas, also=None) -> int:
    """At every step of the conversation, with and without the text: Ember's decision, then
    Rasa's with its own RulePolicy `method` put back, must be the same. Returns the steps."""
    policy, domain = trained
    tracker = DialogueStateTracker("someone", domain.slots)
    compared = 0
    for event in conversation_events(domain):
        tracker.update(event)
        for use_text in (True, False):
            if also:
                also(policy, tracker, domain, use_text)
            embers = decision(policy, tracker, domain, use_text)
            with monkeypatch.context() as rasa_only:
                rasa_only.setattr(RulePolicy, method, rasas)
                assert decision(policy, tracker, domain, use_text) == embers
            compared += 1
    return compared


def test_rules_decide_the_same_on_the_states_back_to_the_longest_rule(trained, monkeypatch):
    assert history._longest_rule(trained[0]) > 1
    compared = steps_decided_as_rasa_decides(
        trained, monkeypatch, "_prediction_states", history._rasa_rule_prediction_states
    )
    assert compared > 2000


def test_rules_looked_up_by_the_last_state_are_the_rules_rasa_finds(trained, monkeypatch):
    assert RulePolicy._get_possible_keys is rule_index.possible_rule_keys
    found = []

    def same_keys(policy, tracker, domain, use_text):
        states = policy._prediction_states(
            tracker, domain, use_text, rule_only_data=policy._get_rule_only_data()
        )
        for lookup in (policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]):
            keys = rule_index.possible_rule_keys(policy, lookup, states)
            assert keys == rule_index._rasa_get_possible_keys(policy, lookup, states)
            found.extend(keys)

    compared = steps_decided_as_rasa_decides(
        trained, monkeypatch, "_get_possible_keys", rule_index._rasa_get_possible_keys, same_keys
    )
    assert compared > 2000 and len(found) > 1000
