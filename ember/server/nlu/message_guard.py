"""Messages too long to take in at once get a kind request for shorter ones.

A wall of text (a pasted letter, a whole chat log) cannot be understood as one intent,
and whatever the classifier guessed would answer it badly. The message is still stored in
full with the conversation; the reply asks for it in smaller pieces. A message the
classifier reads as a risk (crisis, unclear risk, abuse, a request for contacts) keeps that
reading: long pastes are where goodbye notes and abuse stories show up. Put this component
just before the crisis safety net, which reads the whole message and still wins.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from ember.core.risk import RISK_INTENTS
from ember.core.text import too_long
from ember.server.nlu.stateless_component import StatelessComponent, impose_intent

TOO_LONG_INTENT = "message_too_long"
KEEPS_ITS_READING = RISK_INTENTS | {"abuse"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LongMessageGuard(StatelessComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            classified = (message.get(INTENT) or {}).get("name")
            if too_long(message.get(TEXT) or "") and classified not in KEEPS_ITS_READING:
                impose_intent(message, TOO_LONG_INTENT)
        return messages
