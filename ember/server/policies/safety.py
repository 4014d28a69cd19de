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

from ember.core.safety_exchange import DISCLOSURES, answers_the_reflection, reply_after

# Above RulePolicy (6): when the safety exchange decides, it wins.
PRIORITY = 7
# Not things Ember said: listening, and leaving a reflection the safety question interrupted.
STEPS_BETWEEN = frozenset({ACTION_LISTEN_NAME, ACTION_DEACTIVATE_LOOP_NAME})


def _turn(tracker: DialogueStateTracker) -> tuple[str | None, list[str], list[str]]:
    """The bot action before the latest message, the actions since it, and the session's
    earlier safety disclosures."""
    # One pass back from the end, stopping as soon as all three are known: this runs for
    # every prediction, and a session can hold a whole night's messages.
    since: list[str] = []
    before: str | None = None
    disclosures: list[str] = []
    found_message = found_before = session_began = False
    for event in reversed(tracker.events):
        if not found_message:
            if isinstance(event, UserUttered):
                found_message = True
            elif (
                isinstance(event, ActionExecuted)
                and event.action_name
                and event.action_name != ACTION_LISTEN_NAME
            ):
                since.append(event.action_name)
            continue
        if (
            not found_before
            and isinstance(event, ActionExecuted)
            and event.action_name not in STEPS_BETWEEN
        ):
            before, found_before = event.action_name, True
        if not session_began:
            if isinstance(event, SessionStarted):
                session_began = True
            elif isinstance(event, UserUttered) and event.intent_name in DISCLOSURES:
                disclosures.append(event.intent_name)
        if found_before and session_began:
            break
    if not found_message:
        return None, [], []
    return before, since[::-1], disclosures[::-1]


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
        if message is None:
            return self._prediction(probabilities)
        loop = tracker.active_loop_name
        confidence = message.intent.get("confidence") or 0.0
        text = message.text or ""
        if not since and answers_the_reflection(loop, message.intent_name, text, confidence):
            # The form takes the answer; the rules go on from there as after any answer.
            probabilities[domain.index_for_action(loop)] = 1.0
        elif before is not None:
            reply = reply_after(before, message.intent_name, text, disclosures)
            if reply is not None and list(reply[: len(since)]) == since:
                next_action = reply[len(since)] if len(since) < len(reply) else ACTION_LISTEN_NAME
                probabilities[domain.index_for_action(next_action)] = 1.0
        return self._prediction(probabilities)
