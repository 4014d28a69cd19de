"""A policy for the two safety decisions rules cannot make (ember/core/safety_exchange.py).

It runs beside RulePolicy with a higher priority and predicts only when the safety exchange
needs it: then each action of the reply in turn, and `action_listen` after the last.
Otherwise it predicts nothing, and the rules and stories answer as before.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from ember.core.safety_exchange import DISCLOSURES, reply_after

# Above RulePolicy (6): when the safety exchange decides, it wins.
PRIORITY = 7
# Not things Ember said: listening, and leaving a reflection the safety question interrupted.
STEPS_BETWEEN = frozenset({ACTION_LISTEN_NAME, ACTION_DEACTIVATE_LOOP_NAME})


def _turn(tracker: DialogueStateTracker) -> tuple[str | None, list[str], list[str]]:
    """The bot action before the latest message, the actions since it, and the session's
    earlier safety disclosures."""
    events = list(tracker.events)
    latest = next(
        (i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], UserUttered)), None
    )
    if latest is None:
        return None, [], []
    since = [
        e.action_name
        for e in events[latest + 1 :]
        if isinstance(e, ActionExecuted) and e.action_name and e.action_name != ACTION_LISTEN_NAME
    ]
    before = next(
        (
            e.action_name
            for e in reversed(events[:latest])
            if isinstance(e, ActionExecuted) and e.action_name not in STEPS_BETWEEN
        ),
        None,
    )
    disclosures: list[str] = []
    for event in events[:latest]:
        if isinstance(event, SessionStarted):
            disclosures = []
        elif isinstance(event, UserUttered) and event.intent_name in DISCLOSURES:
            disclosures.append(event.intent_name)
    return before, since, disclosures


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class SafetyExchangePolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": PRIORITY}

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        before, since, disclosures = _turn(tracker)
        message = tracker.latest_message
        if message is not None and before is not None:
            reply = reply_after(before, message.intent_name, message.text or "", disclosures)
            if reply is not None and list(reply[: len(since)]) == since:
                next_action = reply[len(since)] if len(since) < len(reply) else ACTION_LISTEN_NAME
                probabilities[domain.index_for_action(next_action)] = 1.0
        return self._prediction(probabilities)
