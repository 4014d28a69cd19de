"""While a reflection question waits, is the message the answer, or something else?

An answer to "what feels hardest?" can be about anything: "that he's gone", "i can't control
what she does", "checking his stories at 2am". A classifier trained on requests and
situations will often read such an answer as one of them, and a reflection that treats
every such reading as a detour loses one answer in three. So the classifier's reading is
only half of the decision: a message interrupts the reflection when the classifier says so
*and* its own words say so (a request names what it asks for; a goodbye is only a goodbye).
Safety readings are the exception: crisis always interrupts; unclear risk does when the
words touch on risk or hopelessness; abuse does when the words name it, or the classifier is
sure. Answers in a reflection are about the other person and the ending, so the classifier
alone finds many of them worrying ("tomorrow i'll buy myself flowers", "trying to make him
understand how much he hurt me"): such an answer is kept, with a line that says help is
there whenever it is needed.

Pure logic: the reflections' validation action (actions/forms.py) calls it for every answer.
"""

from __future__ import annotations

import re
import unicodedata

from ember.core.risk import ABUSE_INTENT, UNCLEAR_INTENT, names_abuse, words_of_risk
from ember.core.text import fold_words

# Of the held-out abuse disclosures the classifier alone caught, all but two were read at
# 0.84 or more; reflection answers it misread as abuse, at 0.3 to 0.73 (and one at 0.9).
TRUST_ABUSE_IN_A_REFLECTION = 0.8
# The intents that can interrupt a reflection question (the reflections' slot mappings in
# domain/reflections.yml skip them; this module decides whether each one really does).
SAFETY_INTENTS = frozenset({"crisis", "unclear_risk", "abuse"})
STOP_INTENT = "stop"
CLOSING_INTENTS = frozenset({"thank", "goodbye"})

# What a request or question must say in its own words to interrupt, by intent.
_CUES: dict[str, str] = {
    STOP_INTENT: (
        r"^(?:ok |okay |sorry |um |actually )?(?:can we |could we |i want to |i d like to |"
        r"i need to |let s |please |i wanna )?(?:stop|quit|pause|end|leave|skip)(?: (?:this|it|"
        r"here|now|there|the (?:exercise|reflection|questions?)|for now|for today|please|pls))*$"
        r"|\b(?:not now|another time|some other time|no more questions|change the subject|"
        r"(?:don ?t|do not) want to (?:do|answer|continue|keep going with|carry on with) (?:this|"
        r"these|that|it|the (?:exercise|reflection|questions))|leave (?:this|the) (?:exercise|"
        r"reflection)|stop (?:this|the) (?:exercise|reflection|questions)|i m done with "
        r"(?:this|these) (?:exercise|questions|reflection)|talk about something else|"
        r"not up for (?:this|it|that)|not in the mood for (?:this|it|that))\b"
        # "can we stop here please? i need to get ready for work": asked first, then why.
        r"|^(?:ok |okay |sorry |um |actually |wait )?(?:can|could) we (?:please )?(?:stop|pause|"
        r"leave it|end it|finish)\b"
    ),
    "request_journal_prompt": r"\b(?:journal(?:ing)? prompt|writing prompt|prompt|journal)\b",
    "request_affirmation": r"\b(?:affirmations?|mantra)\b",
    "request_grounding": (
        r"\b(?:grounding|ground me|breathing|breathe|breath|calm down|calm me|exercise|"
        r"5 4 3 2 1|meditation)\b"
    ),
    "request_professional_help": (
        r"\b(?:therapist|therapy|counsel+or|counsel+ing|psychologist|psychiatrist|professional|"
        r"doctor|real person|talk to someone|helpline)\b"
    ),
    "show_my_reflections": (
        r"\b(?:what i (?:wrote|said|answered|ve written|have written|ve put|put)|"
        r"what ive (?:written|put)|my (?:answers|reflections))\b"
    ),
    "delete_my_data": r"\b(?:delete|erase|remove|wipe)\b",
    "ask_why_they_ran": r"\bwhy\b",
    "ask_will_they_come_back": (
        r"\b(?:come back|coming back|return|reunion|union|reach out again|back to me|be back|"
        r"how long)\b"
    ),
    "bot_challenge": (
        r"\b(?:bot|robot|ai|chatbot|human|real person|a person|an actual person|machine|program|"
        r"someone reading|person reading)\b"
    ),
    "help": (
        r"\b(?:what do you mean|don ?t understand|not sure what you mean|what should i (?:say|"
        r"write|answer|put)|how does this work|what is this|help|confused|example|meaning)\b"
    ),
    "feeling_anxious": (
        r"\b(?:panic|panicking|anxiety attack|can ?t breathe|cannot breathe|heart (?:is )?racing|"
        r"shaking|hyperventilat\w*|freaking out)\b"
    ),
}
# Requests and questions must also be shaped as one: an answer may use the same words
# ("i want to journal more", "not knowing why he left", "what would help is sleep").
_ASKS = (
    r"^(?:wait |ok |okay |so |sorry |um |hey |actually |hold on |hang on )?"
    r"(?:can|could|would|will|do|does|did|is|are|am|why|when|how|what|should|shall)\b"
    r"|\b(?:give|send|show|tell|offer|get) me\b|\bi (?:want|need|would like|d like|wanna) "
    r"(?:a|an|some|another|to (?:do|try|talk|see|speak|get|have|delete|erase))\b"
    r"|\blet ?s (?:do|try|set|make|start|begin|work on)\b|\b(?:please|pls|plz)\b"
    r"|\bcan (?:i|you|we)\b"
    r"|\bhelp me (?:set|do|with|make|start|accept|love|feel)\b"
)
ASKS = re.compile(_ASKS)
# A request short enough to be nothing else: "journal prompt", "affirmation please".
SHORT_REQUEST_WORDS = 4
NEEDS_ASKING = frozenset(
    {
        "request_journal_prompt",
        "request_affirmation",
        "request_grounding",
        "request_professional_help",
        "show_my_reflections",
        "delete_my_data",
        "ask_why_they_ran",
        "ask_will_they_come_back",
        "bot_challenge",
        "help",
    }
)
CUES = {intent: re.compile(pattern) for intent, pattern in _CUES.items()}
INTERRUPTING_INTENTS = SAFETY_INTENTS | CLOSING_INTENTS | frozenset(CUES)

# Everything a message that is *only* thanks or goodbye may contain.
_CLOSING_WORDS = frozenset(
    "thanks thank you ty thx tysm so much very a lot bye goodbye byee bye bye goodnight good "
    "night nite gn see ya you later cya i have to gotta go need got must now for today "
    "tonight ok okay cheers take care xx x love ember that s thats enough all i m im done".split()
)
# Answers that say nothing yet: met with a gentler question once, then accepted.
_NO_ANSWER = re.compile(
    r"^(?:i )?(?:idk|dunno|don ?t know|do not know|not sure|no idea|nothing|nothing really|"
    r"no|nah|nope|none|n a|na|pass|skip|hmm+|um+|eh|meh|whatever|not really|can ?t think|"
    r"i can ?t think of anything|no clue|i guess|maybe|dont know|idc)(?: really| tbh| honestly)?$"
)
# What the mirror says for an answer left open, instead of repeating "idk" back.
LEFT_OPEN = "left open for now, and that's allowed"
# Long enough for a heartfelt paragraph, short enough to mirror back on a phone screen.
MAX_REFLECTION_CHARS = 1200
_WHITESPACE = re.compile(r"\s+")


def interrupts(text: str, intent: str | None, confidence: float = 1.0) -> bool:
    """True when a message read as `intent` (with the classifier's `confidence`) should
    interrupt the waiting question."""
    if intent == UNCLEAR_INTENT:
        return words_of_risk(text)
    if intent == ABUSE_INTENT:
        return confidence >= TRUST_ABUSE_IN_A_REFLECTION or names_abuse(text)
    if intent in SAFETY_INTENTS:
        return True
    folded = fold_words(text)
    if intent in CLOSING_INTENTS:
        return bool(folded) and set(folded.split()) <= _CLOSING_WORDS
    cue = CUES.get(intent or "")
    if cue is None or cue.search(folded) is None:
        return False
    if intent in NEEDS_ASKING:
        asked = "?" in text or ASKS.search(folded) is not None
        return asked or len(folded.split()) <= SHORT_REQUEST_WORDS
    return True


REFLECTION_REQUESTS = frozenset({"request_acceptance", "request_self_love", "request_boundaries"})


def asks_for_a_reflection(text: str, intent: str | None) -> bool:
    """ "help me set a boundary" said while a reflection question waits: not its answer."""
    return intent in REFLECTION_REQUESTS and ASKS.search(fold_words(text)) is not None


def says_nothing_yet(answer: str) -> bool:
    """ "idk", "nothing", "no": an answer that a gentler question might open up."""
    return _NO_ANSWER.match(fold_words(answer)) is not None


def clean_reflection(value: object) -> str | None:
    """Normalises a free-text answer; None when nothing readable is left.

    Control characters are dropped and whitespace folded so the answer can be mirrored
    back safely; an over-long answer is cut at a word boundary with an ellipsis.
    """
    if not isinstance(value, str):
        return None
    printable = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in value
    )
    text = _WHITESPACE.sub(" ", printable).strip()
    if not any(char.isalnum() for char in text):
        return None
    if len(text) > MAX_REFLECTION_CHARS:
        cut = text[:MAX_REFLECTION_CHARS].rsplit(" ", 1)[0]
        text = f"{cut}…"
    return text
