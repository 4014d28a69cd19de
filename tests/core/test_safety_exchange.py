import pytest
import yaml

from ember.core.safety_exchange import (
    ABUSE_CONTACTS,
    CRISIS_REPLY,
    MOVING_ON,
    SAFE_REPLY,
    SAFETY_QUESTION,
    SET_ASIDE_REPLY,
    answers_the_reflection,
    is_clear_no,
    reply_after,
)
from tests.helpers import PROJECT_ROOT


@pytest.mark.parametrize(
    "text",
    ["no", "nope", "no, i'm safe", "no. just really sad", "nothing like that", "i'm safe", "nah"],
)
def test_a_clear_no_is_a_no(text):
    assert is_clear_no(text)
    assert reply_after(SAFETY_QUESTION, "deny", text, []) == SAFE_REPLY


@pytest.mark.parametrize(
    "text, intent",
    [
        ("i don't know", "deny"),
        ("sometimes", "nlu_fallback"),
        ("maybe", "affirm"),
        ("no... well kind of", "deny"),
        ("not really sure", "deny"),
        ("no but some nights i wish i was gone", "deny"),
        ("yes", "affirm"),
        ("ugh", "nlu_fallback"),
    ],
)
def test_anything_short_of_a_clear_no_gets_the_crisis_reply(text, intent):
    assert reply_after(SAFETY_QUESTION, intent, text, []) == CRISIS_REPLY


@pytest.mark.parametrize(
    "text, intent",
    [
        ("can we do self love please", "request_self_love"),
        ("what are you actually able to do for me", "help"),
        ("i need a boundary with him. an actual one", "request_boundaries"),
        ("even just typing that i feel a bit lighter tbh", "feeling_better"),
    ],
)
def test_a_request_or_question_instead_of_an_answer_sets_the_question_aside(text, intent):
    assert reply_after(SAFETY_QUESTION, intent, text, []) == SET_ASIDE_REPLY


@pytest.mark.parametrize(
    "text, intent",
    [
        ("yes. can we do self love", "request_self_love"),
        ("maybe, can you help me calm down", "request_grounding"),
        ("i don't know, can we do acceptance", "request_acceptance"),
        ("help me, i can't do this anymore", "help"),
        ("why did he leave me like this, i want to die", "ask_why_they_ran"),
        ("bye", "goodbye"),
        ("that i keep waiting for him", "share_reflection"),
    ],
)
def test_a_request_with_yes_doubt_or_risk_in_it_or_anything_else_is_still_a_yes(text, intent):
    assert reply_after(SAFETY_QUESTION, intent, text, []) == CRISIS_REPLY


def test_the_rule_behind_the_policy_sets_aside_for_the_same_intents():
    rules = yaml.safe_load((PROJECT_ROOT / "data" / "rules" / "safety.yml").read_text())["rules"]
    set_aside = next(r for r in rules if {"action": SET_ASIDE_REPLY[0]} in r["steps"])
    assert {step["intent"] for step in set_aside["steps"][1]["or"]} == MOVING_ON


def test_the_words_decide_whatever_the_reading():
    no_but_sad = "no, nothing like that. i'm just really sad"
    assert reply_after(SAFETY_QUESTION, "feeling_heartbroken", no_but_sad, []) == SAFE_REPLY


def test_buttons_answer_with_their_intent():
    assert reply_after(SAFETY_QUESTION, "deny", "/deny", []) == SAFE_REPLY
    assert reply_after(SAFETY_QUESTION, "affirm", "/affirm", []) == CRISIS_REPLY
    assert reply_after(SAFETY_QUESTION, "request_self_love", "/request_self_love", []) == (
        SET_ASIDE_REPLY
    )
    assert reply_after(SAFETY_QUESTION, "greet", "/greet", []) == CRISIS_REPLY


def test_a_safety_message_after_the_question_keeps_its_own_rule():
    assert reply_after(SAFETY_QUESTION, "crisis", "i want to die", []) is None
    assert reply_after(SAFETY_QUESTION, "unclear_risk", "no... i can't do this anymore", []) is None
    assert reply_after(SAFETY_QUESTION, "unclear_risk", "no, what's the point", []) is None


def test_a_clear_no_read_as_unclear_risk_is_a_no():
    # The classifier hears the weariness that led to the question; the words are a no.
    no = "no no, not like that. i just mean i can't keep doing the back and forth"
    assert reply_after(SAFETY_QUESTION, "unclear_risk", no, []) == SAFE_REPLY


@pytest.mark.parametrize(
    "text",
    [
        "tomorrow i'll go to the farmers market and buy myself flowers",
        "for good. this is the end of it",
    ],
)
def test_an_unclear_reading_of_a_reflection_answer_without_words_of_risk_is_the_answer(text):
    assert answers_the_reflection("self_love_form", "unclear_risk", text, 1.0)
    assert not answers_the_reflection(None, "unclear_risk", text, 1.0)
    assert not answers_the_reflection("mood_checkin_form", "unclear_risk", text, 1.0)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("i honestly can't do this anymore", "unclear_risk"),
        ("nothing matters anymore", "unclear_risk"),
        ("that i'm tired and empty all the time", "unclear_risk"),
        ("i want to die", "crisis"),
        ("he said he'd hurt me if i left", "abuse"),
    ],
)
def test_words_of_risk_or_hopelessness_still_interrupt_a_reflection(text, intent):
    assert not answers_the_reflection("acceptance_form", intent, text, 0.5)


@pytest.mark.parametrize(
    "text",
    [
        "trying to make him understand how much he hurt me",
        "i can't control him. what he does, who he talks to, if he ever thinks about me",
    ],
)
def test_an_unsure_abuse_reading_of_a_reflection_answer_without_words_of_abuse_is_the_answer(
    text,
):
    assert answers_the_reflection("acceptance_form", "abuse", text, 0.73)
    assert not answers_the_reflection("acceptance_form", "abuse", text, 0.9)
    assert not answers_the_reflection(None, "abuse", text, 0.73)


@pytest.mark.parametrize(
    "text",
    [
        "no i'm not going to hurt myself, it's just how it feels",
        "no, i would never kill myself",
        "nope, not suicidal, just sad",
        "no no im not going to hurt myself, i just mean whats the point of waiting for him",
        "no i dont want to hurt myself, i mean vanish from socials",
        "no, i don't want to harm myself, i just want the ache to stop",
    ],
)
def test_a_no_that_denies_the_risk_in_words_is_a_no(text):
    assert reply_after(SAFETY_QUESTION, "crisis", text, []) == SAFE_REPLY


@pytest.mark.parametrize(
    "text",
    [
        "no i'm not going to hurt myself but i want to die",
        "no. i am going to kill myself",
        "no i won't hurt myself, i'll just end it all",
        "i'm not going to hurt myself, maybe",
        "no i dont want to hurt myself, i want to die",
        "no i don't want to kill myself but i want to disappear forever",
    ],
)
def test_risk_said_beside_a_denial_keeps_the_crisis_reading(text):
    assert reply_after(SAFETY_QUESTION, "crisis", text, []) is None


def test_contacts_repeat_what_was_disclosed():
    asked = ("request_crisis_contacts", "what was that number again")
    assert reply_after("utter_abuse", *asked, ["abuse"]) == ABUSE_CONTACTS
    assert reply_after("utter_abuse", *asked, ["abuse", "crisis"]) is None
    assert reply_after(None, *asked, []) is None


def test_other_turns_are_left_to_the_rules():
    assert reply_after("utter_greet", "deny", "no", []) is None
