"""What the next words of a safety exchange are, when the rules alone would get them wrong.

Two decisions a rule cannot make, because they depend on the words or on the whole session:

- After "are you having thoughts of ending your life?", anything short of a clear no ("i
  don't know", "sometimes", "maybe", a shrug) is a yes: the crisis reply and Ember stays.
  A classifier can read "i don't know" as `deny`, or "no, i'm just sad" as sadness; the
  words decide here, whatever the reading. Only a request or a question with nothing of
  yes, doubt or risk in it ("can we do self love please") is neither: the question, which
  carried the contacts, is set aside kindly, never answered for the person with "I'm glad
  you told me".
- "What was that number again?" repeats the contacts for what was disclosed: the abuse
  lines after an abuse disclosure, not the crisis lines.

Pure logic: the Rasa server's safety policy (ember/server/policies/safety.py) applies it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ember.core.reflection_replies import interrupts
from ember.core.risk import Risk, assess, words_of_risk
from ember.core.text import fold_words

SAFETY_QUESTION = "utter_safety_question"
CRISIS_REPLY = ("utter_crisis", "utter_crisis_followup")
SAFE_REPLY = ("utter_glad_you_are_safe", "utter_offer_paths")
SET_ASIDE_REPLY = ("utter_safety_question_set_aside", "utter_offer_paths")
# Asking for something, or asking a question, instead of answering: the person moved on.
MOVING_ON = frozenset(
    {
        "request_acceptance",
        "request_self_love",
        "request_boundaries",
        "request_grounding",
        "request_journal_prompt",
        "request_affirmation",
        "request_professional_help",
        "request_safety_plan",
        "help",
        "bot_challenge",
        "feeling_better",
        "show_my_reflections",
        "ask_why_they_ran",
        "ask_will_they_come_back",
        "ask_false_twin",
        "ask_what_to_say_back",
    }
)
CONTACTS_INTENT = "request_crisis_contacts"
ABUSE_CONTACTS = ("utter_abuse",)
# Messages that are a safety signal of their own get their own rules (data/rules/safety.yml).
OWN_RULES = frozenset({"crisis", "abuse", "unclear_risk", "request_crisis_contacts"})
DISCLOSURES = frozenset({"crisis", "abuse"})
READ_AS_RISK = frozenset({"crisis", "unclear_risk"})
REFLECTIONS = frozenset({"acceptance_form", "self_love_form", "boundary_form"})

# A clear no starts as one ("no", "nope", "i'm safe", "nothing like that") and casts no doubt.
_CLEAR_NO = re.compile(
    r"^(?:no+|nope|nah|never|not at all|definitely not|absolutely not|of course not|no way|"
    r"not like that|nothing like that|not that|i m not|im not|i am not|i m safe|im safe|"
    r"i am safe|i wouldn t|i would never|god no|hell no)\b"
)
# Words that turn a "no" into something short of one: "no... i don't know", "not sure".
_DOUBT = re.compile(
    r"\b(?:not sure|unsure|don ?t know|dont know|idk|maybe|sometimes|kind of|kinda|sort of|"
    r"a bit|a little|i guess|perhaps|not really sure|used to|at times|lately|on and off|"
    r"probably|might)\b"
)


# A "no" that goes on to say the thing itself is not a no.
_RISK = re.compile(
    r"\b(?:but|though|except|unless)\b.*\b(?:die|dead|end it|not be here|kill|hurt myself|gone)\b"
)


# "I'm not going to hurt myself" names the risk only to deny it; the safety net, reading
# words, takes it for a crisis. In answer to the safety question it is part of the no.
_DENIED_RISK = re.compile(
    r"\b(?:not|never|won t|wont|wouldn t|will not|would not|don t want to|dont want to|"
    r"do not want to)\s+(?:going to |gonna |ever |"
    r"try to |do anything to )?(?:hurt|kill|harm|end)\s+(?:myself|my life)\b|\bnot suicidal\b"
)


def is_clear_no(text: str) -> bool:
    folded = fold_words(text)
    return bool(_CLEAR_NO.match(folded)) and not _DOUBT.search(folded) and not _RISK.search(folded)


def says_no(text: str) -> bool:
    """A clear no whose words of risk, if it has any, are all denied ("no, i'm not going to
    hurt myself"; "no no, not like that, i just can't keep doing the back and forth")."""
    folded = fold_words(text)
    return is_clear_no(text) and assess(_DENIED_RISK.sub(" ", folded)) is Risk.NONE


# A message that begins as a yes is a yes, whatever follows; one unsure of the answer is
# not moving on from it ("a bit", a doubt after a no, is everyday speech in a request).
_YES = re.compile(r"^(?:yes|yeah|yep|yup|ya|yea|i am|i do|i have|sort of|kind of|kinda)\b")
_UNSURE = re.compile(
    r"\b(?:not sure|unsure|don ?t know|dont know|idk|maybe|sometimes|kind of|kinda|sort of|"
    r"i guess|perhaps|probably|might|at times|on and off)\b"
)


def moves_on(intent: str | None, text: str) -> bool:
    """A request or a question instead of an answer, with nothing of yes, doubt or risk in it
    ("can we do self love please"): the question is set aside, not taken as a yes."""
    folded = fold_words(text)
    return (
        intent in MOVING_ON
        and not _YES.match(folded)
        and not _UNSURE.search(folded)
        and not words_of_risk(text)
    )


def answers_the_reflection(
    active_loop: str | None, intent: str | None, text: str, confidence: float
) -> bool:
    """A reading of unclear risk or abuse, of an answer to a reflection question, that the
    words do not bear out: the form takes the answer, where the safety rules would leave it."""
    return (
        active_loop in REFLECTIONS
        and intent in ("unclear_risk", "abuse")
        and not interrupts(text, intent, confidence)
    )


def reply_after(
    previous_bot_action: str | None, intent: str | None, text: str, disclosures: Sequence[str]
) -> tuple[str, ...] | None:
    """The actions this message must get, or None to leave it to the rules.

    `previous_bot_action` is the last thing Ember did before this message; `disclosures`
    the safety intents of this session's earlier messages, oldest first.
    """
    if previous_bot_action == SAFETY_QUESTION and intent in READ_AS_RISK and says_no(text):
        # The safety net reads "going to hurt myself" as a crisis, and the classifier hears
        # the weariness that led to the question; the words are a no.
        return SAFE_REPLY
    if previous_bot_action == SAFETY_QUESTION and intent not in OWN_RULES:
        if text.startswith("/"):  # a button: its intent is the answer
            if intent in MOVING_ON:  # one of the paths offered earlier, chosen instead
                return SET_ASIDE_REPLY
            return SAFE_REPLY if intent == "deny" else CRISIS_REPLY
        if is_clear_no(text):
            return SAFE_REPLY
        return SET_ASIDE_REPLY if moves_on(intent, text) else CRISIS_REPLY
    if intent == CONTACTS_INTENT and disclosures and disclosures[-1] == "abuse":
        return ABUSE_CONTACTS
    return None
