"""The crisis safety net, run in the NLU pipeline after the classifier (ember/core/risk.py
reads the words; this component imposes what it decides)."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from ember.core.risk import decide
from ember.server.nlu.stateless_component import StatelessComponent, impose_intent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisSafetyNet(StatelessComponent, IntentClassifier):
    """Put it last in the pipeline, after the intent classifier and FallbackClassifier."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            imposed = decide(message.get(TEXT) or "", ranking)
            if imposed is None:
                continue
            if (message.get(INTENT) or {}).get("name") != imposed:
                impose_intent(message, imposed)
        return messages
