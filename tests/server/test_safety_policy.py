"""What the safety exchange policy reads from a conversation (ember/server/policies/safety.py)."""

from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from ember.server.policies.safety import _turn


def said(intent: str) -> UserUttered:
    return UserUttered("…", {"name": intent, "confidence": 1.0})


def test_the_turn_is_read_back_from_the_latest_message():
    tracker = DialogueStateTracker("someone", [])
    for event in [
        said("crisis"),
        ActionExecuted("utter_crisis_support"),
        ActionExecuted("action_listen"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        said("abuse"),
        ActionExecuted("utter_ask_safe_now"),
        ActionExecuted("action_listen"),
        said("crisis"),
        ActionExecuted("utter_ask_safe_now"),
        ActionExecuted("action_listen"),
        said("deny"),
        ActionExecuted("utter_relief"),
        ActionExecuted("action_offer_help"),
    ]:
        tracker.update(event)
    # Disclosures count from the session's start; the actions since the message, in order.
    assert _turn(tracker) == (
        "utter_ask_safe_now",
        ["utter_relief", "action_offer_help"],
        ["abuse", "crisis"],
    )


def test_the_action_before_may_be_in_the_previous_session():
    tracker = DialogueStateTracker("someone", [])
    for event in [
        ActionExecuted("utter_ask_safe_now"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        said("deny"),
    ]:
        tracker.update(event)
    assert _turn(tracker) == ("action_session_start", [], [])


def test_before_any_message_there_is_no_turn():
    tracker = DialogueStateTracker("someone", [])
    tracker.update(ActionExecuted("action_listen"))
    assert _turn(tracker) == (None, [], [])
