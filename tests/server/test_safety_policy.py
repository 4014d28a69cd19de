"""What the safety exchange policy reads from a conversation, and decides
(ember/server/policies/safety.py)."""

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from ember.server.policies.safety import SafetyExchangePolicy, _turn
from tests.helpers import PROJECT_ROOT


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


def predicted(tracker: DialogueStateTracker, domain: Domain) -> str | None:
    policy = SafetyExchangePolicy(
        SafetyExchangePolicy.get_default_config(),
        None,
        Resource("safety"),
        ExecutionContext(GraphSchema({})),
    )
    prediction = policy.predict_action_probabilities(tracker, domain)
    best = max(range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__)
    return domain.action_names_or_texts[best] if prediction.probabilities[best] else None


def answering_a_reflection(text: str, *after: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker("someone", [])
    for event in [
        ActionExecuted("acceptance_form"),
        ActiveLoop("acceptance_form"),
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "unclear_risk", "confidence": 1.0}),
        *(ActionExecuted(name) for name in after),
    ]:
        tracker.update(event)
    return tracker


def test_an_answer_read_as_unclear_risk_without_words_of_risk_goes_to_the_reflection():
    domain = Domain.load(str(PROJECT_ROOT / "domain"))
    flowers = "tomorrow i'll go to the farmers market and buy myself flowers"
    assert predicted(answering_a_reflection(flowers), domain) == "acceptance_form"
    # Once the form has taken it, the rules go on as after any answer.
    assert predicted(answering_a_reflection(flowers, "acceptance_form"), domain) is None
    # Words of hopelessness are for the safety question, which the rules ask.
    assert predicted(answering_a_reflection("i can't do this anymore"), domain) is None
