"""The trained RulePolicy decides the same when it reads states only back to its longest
rule (ember/server/history.py) as when it reads the whole session, at every step of a long
conversation made of every story and rule of data/."""

from __future__ import annotations

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RULES_NOT_IN_STORIES, RulePolicy
from rasa.shared.core.trackers import DialogueStateTracker

from ember.server import history
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


def test_rules_decide_the_same_on_the_states_back_to_the_longest_rule(trained, monkeypatch):
    policy, domain = trained
    assert history._longest_rule(policy) > 1
    tracker = DialogueStateTracker("someone", domain.slots)
    compared = 0
    for event in conversation_events(domain):
        tracker.update(event)
        for use_text in (True, False):
            bounded = decision(policy, tracker, domain, use_text)
            with monkeypatch.context() as whole_session:
                whole_session.setattr(
                    RulePolicy, "_prediction_states", history._rasa_rule_prediction_states
                )
                assert decision(policy, tracker, domain, use_text) == bounded
            compared += 1
    assert compared > 2000
