from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from ember.server.nlu.safety_net import CrisisSafetyNet
from tests.helpers import ranking


def test_the_component_rewrites_intent_and_ranking():
    message = Message(
        data={
            TEXT: "ready to unalive tbh",
            INTENT: {"name": "nlu_fallback", "confidence": 0.3},
            INTENT_RANKING_KEY: ranking(greet=0.2, crisis=0.1),
        }
    )
    CrisisSafetyNet().process([message])
    assert message.get(INTENT) == {"name": "crisis", "confidence": 1.0}
    assert [entry["name"] for entry in message.get(INTENT_RANKING_KEY)] == [
        "crisis",
        "greet",
    ]


def test_the_component_leaves_ordinary_messages_alone():
    intent = {"name": "they_blocked_me", "confidence": 0.95}
    message = Message(data={TEXT: "she blocked me", INTENT: intent})
    message.set(INTENT_RANKING_KEY, ranking(they_blocked_me=0.95))
    CrisisSafetyNet().process([message])
    assert message.get(INTENT) == intent
