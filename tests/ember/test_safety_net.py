import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from ember.safety_net import (
    ASK_ABOUT_CRISIS,
    TRUST_CRISIS,
    CrisisSafetyNet,
    Risk,
    assess,
    decide,
    normalise,
)


@pytest.mark.parametrize(
    "text",
    [
        "i want to kill myself",
        "I’m going to end my life tonight",
        "kms",
        "honestly just wanna k m s",
        "thinking about unaliving myself",
        "sewerslide is looking good rn",
        "i feel so sucidal",
        "i relapsed on self harm after he blocked me",
        "cut myself again last night",
        "how many pills would it take",
        "which bridge is high enough",
        "i want to sleep forever and never wake up",
        "everyone would be better off without me",
        "i dont want to be alive anymore",
        "wrote a goodbye letter to my sister",
        "im giving my things away, i wont need them soon",
        "he left. i blocked everyone. tonight is the night",
        "i can't go on without him, i'm going to end it all",
        "no reason to live since my twin flame left",
        "i want to die",
        "I WANT TO DIE!!!",
    ],
)
def test_plain_and_coded_risk_is_crisis(text):
    assert assess(text) is Risk.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "this breakup is killing me",
        "waiting for his reply is literally killing me",
        "i'm dying to know why he left",
        "my phone died while she was calling",
        "i could kill for a hug right now",
        "her new haircut is to die for",
        "i'm dead tired after crying all night",
        "i could kill him for ghosting me",
        "is there a suicide hotline i can give my friend",
    ],
)
def test_figures_of_speech_are_not_crisis(text):
    assert assess(text) is Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "i can't do this anymore",
        "i just want everything to stop",
        "what's the point of anything",
        "im so done with life",
        "i want to disappear",
    ],
)
def test_hopelessness_without_plain_intent_is_unclear(text):
    assert assess(text) is Risk.UNCLEAR


def ranking(**confidences):
    return [
        {"name": name, "confidence": value}
        for name, value in sorted(confidences.items(), key=lambda item: -item[1])
    ]


def test_a_pattern_wins_over_any_classifier_decision():
    assert decide("kms", ranking(greet=0.9, crisis=0.01)) == "crisis"


def test_a_confident_classifier_is_trusted_without_a_pattern():
    assert decide("i am so tired of all of it", ranking(crisis=TRUST_CRISIS)) is None


def test_an_unsure_classifier_leads_to_asking():
    text = "it all feels far away"
    assert decide(text, ranking(crisis=ASK_ABOUT_CRISIS, feeling_lonely=0.3)) == "unclear_risk"
    assert decide(text, ranking(feeling_lonely=0.5, crisis=0.1)) is None


def test_unsure_crisis_under_the_fallback_still_leads_to_asking():
    fallback_first = [{"name": "nlu_fallback", "confidence": 0.3}] + ranking(crisis=0.45)
    assert decide("i dont know anymore", fallback_first) == "unclear_risk"


def test_a_figure_of_speech_is_never_crisis_even_if_the_classifier_says_so():
    assert decide(
        "this breakup is killing me", ranking(crisis=0.9, feeling_heartbroken=0.05)
    ) == "feeling_heartbroken"
    assert decide("this breakup is killing me", ranking(feeling_heartbroken=0.9)) is None


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


def test_normalise_folds_case_accents_and_punctuation():
    assert normalise("  I’M   Sùicidal!!  ") == "i m suicidal"
