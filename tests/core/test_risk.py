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
        "sometimes i just want to vanish",
        "i wish i could disappear from everyone",
    ],
)
def test_hopelessness_without_plain_intent_is_unclear(text):
    assert assess(text) is Risk.UNCLEAR


@pytest.mark.parametrize(
    "text",
    [
        "i mean vanish from socials",
        "i want to disappear from his life like he did from mine",
        "i kind of want to vanish off instagram for a while",
        "part of me wants to disappear off social media for a while",
    ],
)
def test_leaving_a_place_is_not_hopelessness(text):
    assert assess(text) is Risk.NONE


def test_leaving_a_place_is_not_asked_about_whatever_the_classifier_says():
    # The classifier learned "disappear" from "i want to disappear": a word, not the meaning.
    wary = ranking(unclear_risk=0.82, checking_their_profile=0.1)
    text = "part of me wants to disappear off social media for a while"
    assert decide(text, wary) == "checking_their_profile"
    assert decide("gonna disappear off insta and then kill myself", wary) == "crisis"
    assert decide("i want to disappear off the face of the earth", wary) == "unclear_risk"


@pytest.mark.parametrize(
    "text",
    [
        "whats the point of waiting for him",
        "what's the point of texting her if she never answers",
        "honestly what's the point in even checking his stories",
    ],
)
def test_asking_the_point_of_chasing_them_is_not_hopelessness(text):
    assert assess(text) is Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "what's the point of waking up without him",
        "whats the point of trying anymore",
        "what's the point, he's gone",
        "what's the point of waiting for anything",
    ],
)
def test_the_point_of_living_on_is_still_asked_about(text):
    assert assess(text) is Risk.UNCLEAR


def test_a_pattern_wins_over_any_classifier_decision():
    assert decide("kms", ranking(greet=0.9, crisis=0.01)) == "crisis"


def test_a_confident_classifier_is_trusted_without_a_pattern_when_the_words_touch_on_risk():
    assert decide("i am so tired of living like this", ranking(crisis=TRUST_CRISIS)) is None


def test_a_confident_classifier_without_any_word_of_risk_leads_to_asking():
    # "goodbye to us", "she's gone", "it's done": a breakup's words, often learned with risk.
    for text in ("i wrote goodbye to us in my journal", "i am so tired of all of it"):
        assert decide(text, ranking(crisis=0.93, share_reflection=0.07)) == "unclear_risk"


def test_an_unsure_classifier_leads_to_asking():
    text = "it all feels far away"
    assert decide(text, ranking(crisis=ASK_ABOUT_CRISIS, feeling_lonely=0.3)) == "unclear_risk"
    assert decide(text, ranking(feeling_lonely=0.5, crisis=0.1)) is None


def test_unsure_crisis_under_the_fallback_still_leads_to_asking():
    fallback_first = [{"name": "nlu_fallback", "confidence": 0.3}] + ranking(crisis=0.45)
    assert decide("i dont know anymore", fallback_first) == "unclear_risk"


def test_crisis_close_behind_another_reading_asks_only_when_the_words_touch_on_risk():
    close = [{"name": "nlu_fallback", "confidence": 0.3}] + ranking(
        request_boundaries=0.458, crisis=0.452, urge_to_contact=0.045
    )
    assert decide("i need to cut contact before i lose myself", close) == "request_boundaries"
    assert decide("i need to cut contact, i cant take this anymore", close) == "unclear_risk"


def test_a_figure_of_speech_is_never_crisis_even_if_the_classifier_says_so():
    assert (
        decide("this breakup is killing me", ranking(crisis=0.9, feeling_heartbroken=0.05))
        == "feeling_heartbroken"
    )
    assert decide("this breakup is killing me", ranking(feeling_heartbroken=0.9)) is None


def test_normalise_folds_case_accents_and_punctuation():
    assert normalise("  I’M   Sùicidal!!  ") == "i m suicidal"


def test_a_weak_crisis_reading_asks_when_the_words_touch_on_risk_and_otherwise_steps_aside():
    weak = ranking(crisis=0.32, feeling_heartbroken=0.19)
    assert decide("living like this hurts so much", weak) == "unclear_risk"
    assert decide("the spark is gone but i still care about him", weak) == "feeling_heartbroken"


@pytest.mark.parametrize(
    "text",
    [
        "i want to end it with him",
        "i need to cut contact",
        "he wants to end it tonight",
        "i finally sent him my last text",
        "i wrote letters to him i never sent",
        "i gave away all my stuff he bought me",
        "i'm thinking of cutting off his friends too",
        "a final goodbye to us",
        "but rn i really want to text him one last goodbye message and tell him what i think",
        "i want to send her a final goodbye text",
    ],
)
def test_breakup_language_is_not_crisis_in_its_words(text):
    assert assess(text) is Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "this is my last message, goodbye",
        "thinkin bout endin it all",
        "i keep cuttin again",
        "which bridges near me are tall enough",
        "i've been saving up my pills",
        "i wrote letters to my family",
        "i gave away my dog",
    ],
)
def test_risk_said_in_other_words_is_crisis(text):
    assert assess(text) is Risk.CRISIS


def test_feeling_like_dying_is_asked_about():
    assert assess("i feel like dying without him") is Risk.UNCLEAR


def test_a_request_for_the_suicide_hotline_keeps_its_reading():
    asked = ranking(request_crisis_contacts=0.8, crisis=0.1)
    assert decide("is there a suicide hotline?", asked) is None


@pytest.mark.parametrize(
    "text",
    [
        "i'm scared of him",
        "he checks my location all the time",
        "she said she'd hurt me if i told anyone",
        "he won't let me see my friends",
        "found a tracker under my car",
        "she keeps turning up outside my flat",
        "he slapped me last night",
    ],
)
def test_abuse_said_in_passing_is_read_as_abuse(text):
    assert decide(text, ranking(share_reflection=0.6)) == "abuse"


@pytest.mark.parametrize(
    "text",
    [
        "i keep checking his location",
        "he said he needs space",
        "she says she still loves me but needs time",
        "i'm scared i'll never love anyone again",
    ],
)
def test_what_they_said_or_what_i_do_is_not_abuse(text):
    assert decide(text, ranking(share_reflection=0.6)) is None


def test_a_confident_unclear_reading_without_any_word_of_hopelessness_steps_aside():
    grief = ranking(unclear_risk=0.97, share_reflection=0.03)
    assert decide("that it's over and i can't undo any of it", grief) == "share_reflection"
    assert decide("i can't take any of this anymore", grief) is None


def test_done_with_a_person_or_a_belief_is_a_breakup_and_done_with_it_all_is_asked_about():
    unsure = ranking(unclear_risk=0.59, i_am_the_runner=0.14, feeling_angry=0.07)
    assert decide("i think i'm done with this whole twin flame thing honestly", unsure) == (
        "i_am_the_runner"
    )
    assert decide("i'm so done with him and his games", unsure) == "i_am_the_runner"
    for hopeless in ("i'm done with all of this", "im done with everything", "done with life"):
        # None keeps the classifier's unclear_risk; the patterns may also impose it.
        assert (decide(hopeless, unsure) or "unclear_risk") == "unclear_risk"


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("when he sends those texts at 1am it kills me every time", "abuse"),
        ("my mum will murder me when she finds out i unblocked him", "abuse"),
        ("it felt like killing off an old version of myself, in a good way", "crisis"),
        ("i'm cutting him off completely and muting everything", "crisis"),
        ("she cut me out of her life like i was nothing", "crisis"),
        ("going to vanish for a month, no socials, nothing", "unclear_risk"),
    ],
)
def test_everyday_breakup_figures_step_aside_whatever_the_classifier_reads(text, reading):
    assert decide(text, ranking(**{reading: 0.8, "feeling_heartbroken": 0.1})) == (
        "feeling_heartbroken"
    )


def test_isolating_someone_from_family_keeps_its_abuse_reading():
    text = "he cut me off from my family and says i can only talk to him"
    assert decide(text, ranking(abuse=0.9, feeling_heartbroken=0.05)) is None


def test_not_knowing_how_much_longer_one_can_keep_going_is_asked_about():
    assert assess("i honestly dont know how much longer i can keep going like this") is Risk.UNCLEAR


def test_a_risk_reading_set_aside_leaves_only_a_reading_with_some_weight():
    sure = ranking(unclear_risk=0.987, request_safety_plan=0.004, i_am_the_runner=0.001)
    text = "going to disappear off social media for a while, just vanish for a month"
    assert decide(text, sure) == "nlu_fallback"
    assert decide(text, ranking(unclear_risk=0.9, share_reflection=0.08)) == "share_reflection"
