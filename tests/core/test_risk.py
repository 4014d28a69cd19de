import pytest

from ember.core.risk import ASK_ABOUT_CRISIS, TRUST_CRISIS, Risk, assess, decide, normalise
from tests.helpers import ranking


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
    assert (
        decide("this breakup is killing me", ranking(crisis=0.9, feeling_heartbroken=0.05))
        == "feeling_heartbroken"
    )
    assert decide("this breakup is killing me", ranking(feeling_heartbroken=0.9)) is None


def test_normalise_folds_case_accents_and_punctuation():
    assert normalise("  I’M   Sùicidal!!  ") == "i m suicidal"
