from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from ember.core.text import MAX_MESSAGE_CHARACTERS
from ember.server.nlu.message_guard import TOO_LONG_INTENT, LongMessageGuard
from ember.server.nlu.safety_net import CrisisSafetyNet


def classified(text: str, intent: str = "feeling_heartbroken") -> Message:
    message = Message({TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 0.7})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.7}])
    return message


def intent_of(message: Message) -> str:
    return message.get(INTENT)["name"]


def test_ordinary_and_long_but_reasonable_messages_keep_their_intent():
    messages = [classified("i miss him"), classified("i miss him. " * 300)]
    assert len(messages[1].get(TEXT)) < MAX_MESSAGE_CHARACTERS
    LongMessageGuard().process(messages)
    assert [intent_of(m) for m in messages] == ["feeling_heartbroken"] * 2


def test_a_wall_of_text_is_asked_for_in_smaller_pieces():
    [message] = LongMessageGuard().process([classified("i miss him so much. " * 5000)])
    assert intent_of(message) == TOO_LONG_INTENT
    assert message.get(INTENT_RANKING_KEY)[1]["name"] == "feeling_heartbroken"


def test_whitespace_padding_does_not_make_a_message_long():
    [message] = LongMessageGuard().process([classified("hi" + " " * 10_000)])
    assert intent_of(message) == "feeling_heartbroken"


def test_crisis_words_inside_a_wall_of_text_still_bring_crisis_support():
    text = "he left and everything fell apart. " * 200 + "i want to kill myself. " + "x " * 50
    messages = LongMessageGuard().process([classified(text)])
    [message] = CrisisSafetyNet().process(messages)
    assert intent_of(message) == "crisis"


def test_a_long_message_read_as_a_risk_keeps_that_reading():
    text = "he controls everything i do and i am scared of him. " * 200
    for intent in ("abuse", "crisis", "unclear_risk", "request_crisis_contacts"):
        [message] = LongMessageGuard().process([classified(text, intent)])
        assert intent_of(message) == intent
