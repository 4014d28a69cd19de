"""A deterministic safety net for crisis messages, run in the NLU pipeline after the classifier.

The trained classifier generalises, but it can miss a message that says it plainly in
words it has not seen ("kms", "unalive", a goodbye note) and it can be fooled by a figure
of speech ("this breakup is killing me"). This component reads the message itself:

- explicit or coded risk -> intent `crisis`, whatever the classifier said;
- a figure of speech and nothing else -> never `crisis` (the classifier's next guess);
- unclear risk (hopelessness, wanting everything to stop, or the classifier unsure about
  `crisis`) -> intent `unclear_risk`, so Ember asks directly and kindly.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

CRISIS_INTENT = "crisis"
UNCLEAR_INTENT = "unclear_risk"
FALLBACK_INTENT = "nlu_fallback"


class Risk(Enum):
    NONE = "none"
    UNCLEAR = "unclear"
    CRISIS = "crisis"


def _patterns(*expressions: str) -> List[re.Pattern]:
    return [re.compile(expression) for expression in expressions]


ME = r"(?:my ?self|me)"
# Explicit, passive, coded and method-seeking ways people say it, after normalisation.
CRISIS_PATTERNS = _patterns(
    rf"\b(?:kill|killing|end|ending|hurt|hurting|harm|harming|cut|cutting|burn|burning|"
    rf"starve|hang|hanging|shoot|drown|poison)(?:ed|s)? {ME}\b",
    r"\bk ?m ?s\b|\bkys\b",
    r"\bun ?aliv(?:e|ing)\b",
    r"\bsewer ?slide\b|\bsu+i+c+i+d+(?:e|al)\b|\bsuicid|\bsuic?idal\b|\bsucid",
    r"\bself[ -]?harm|\bsh relapse|\brelapsed? on (?:sh|self)",
    r"\b(?:want|wanna|going|ready|plan(?:ning)?|need|wish|trying) (?:to )?(?:die|be dead)\b",
    r"\bwish (?:i|id|i had|i was|i were) (?:was |were |had )?(?:dead|never been born|not alive)",
    r"\b(?:don ?t|do not|dont|no longer|never) (?:want|wanna|wish) to (?:live|be alive|exist|"
    r"be here|wake up|keep going|go on)\b",
    r"\b(?:end|ending|take|taking) (?:it all|my (?:own )?life|my life|everything|things)\b",
    r"\bend it (?:all|tonight|today|now|for good)\b",
    r"\bbetter off (?:dead|without me|if i (?:was|were) gone|if i wasn ?t here)",
    r"\b(?:no|nothing to|no more) (?:reason|point) (?:to|in|of) (?:live|living|being alive|"
    r"going on|existing|stay(?:ing)?(?: alive| here)?)\b",
    r"\b(?:sleep|go to sleep|fall asleep) (?:forever|and never wake|and not wake)",
    r"\bnever wake up\b|\bnot wake up (?:again|tomorrow)\b",
    r"\bnot (?:be )?(?:here|around|alive) (?:anymore|tomorrow|much longer|by (?:morning|tomorrow))",
    r"\bstop existing\b|\bcease to exist\b|\bdisappear (?:forever|for good|permanently)\b",
    r"\b(?:over ?dose|overdosing|od ?ing|od on)\b",
    r"\b(?:how many|enough|lethal|fatal|deadly) (?:pills|tablets|mg|dose|amount)",
    r"\b(?:pills|tablets|sleeping pills|painkillers).{0,40}\b(?:end|die|sleep forever|never wake|"
    r"all of them|whole (?:bottle|box|pack))",
    r"\b(?:bridge|building|roof|cliff|balcony|height).{0,30}\b(?:high|tall) enough\b",
    r"\b(?:jump|jumping|throw myself) (?:off|from|in front)\b",
    r"\b(?:noose|rope to|hang from)\b",
    r"\b(?:goodbye|suicide|final) (?:letter|note|message)s?\b",
    r"\b(?:this is|consider this) (?:my )?(?:last|final)? ?goodbye\b",
    r"\bwrote (?:letters|notes?) (?:to|for) (?:everyone|my family|my (?:mum|mom|sister|brother))",
    r"\bgiving (?:away )?(?:all )?my (?:things|stuff|belongings|pets?)(?: away)?\b",
    r"\bwon ?t need (?:them|it|my (?:things|stuff)|anything) (?:soon|anymore|much longer)",
    r"\btonight is the night\b|\bcheck(?:ing)? out for good\b|\bcatch the bus\b",
    r"\b(?:can ?t|cannot) (?:go on|keep living|live like this|stay alive)\b",
    r"\bwant (?:it|the pain|everything) to end (?:for good|forever|permanently)",
)

# Everyday hyperbole that uses the same words.
FIGURES_OF_SPEECH = _patterns(
    r"\b(?:is|are|its|it s|this is|that s|thats|this|he s|she s|they re) (?:literally )?"
    r"killing me\b",
    r"\bkilling me\b(?! ?self)",
    r"\bdying (?:to|for)\b",
    r"\bto die for\b",
    r"\b(?:dead|dying) (?:tired|inside from laughing)\b",
    r"\bdied (?:laughing|of embarrassment)\b",
    r"\b(?:my )?(?:phone|battery|laptop|plant)s? (?:is |was )?(?:dead|died|dying)\b",
    r"\bkill (?:for|it|the vibe|time)\b|\bkilled it\b",
    r"\b(?:could|gonna|going to|want to|wanna) kill (?:him|her|them)\b",
)

# Hopelessness without a plain statement of intent: ask, don't assume either way.
UNCLEAR_PATTERNS = _patterns(
    r"\b(?:can ?t|cannot) do this anymore\b",
    r"\b(?:want|need) (?:it all|everything|the pain|all of this) to (?:stop|end|go away)\b",
    r"\bwant to disappear\b|\bwish i could disappear\b|\bvanish\b",
    r"\bwhat ?s the point(?: of (?:anything|it all|living|life|going on))?\b",
    r"\b(?:i ?m|im|i am) (?:so )?done with (?:life|everything|it all)\b",
    r"\btired of (?:living|life|being alive|existing)\b",
    r"\b(?:no one|nobody) would (?:notice|care|miss me) if i\b",
    r"\bdead inside\b",
)

# Classifier confidence in `crisis` above which it is trusted on its own, and the band
# below it in which Ember asks instead of assuming.
TRUST_CRISIS = 0.8
ASK_ABOUT_CRISIS = 0.4


def normalise(text: str) -> str:
    """Lowercase, accents and apostrophes folded, punctuation to spaces, whitespace folded."""
    folded = unicodedata.normalize("NFKD", text or "")
    folded = "".join(char for char in folded if not unicodedata.combining(char)).lower()
    folded = re.sub(r"[\u2019'`´]", " ", folded)
    folded = re.sub(r"[^a-z0-9 ]+", " ", folded)
    return re.sub(r"\s+", " ", folded).strip()


def _without_figures_of_speech(text: str) -> str:
    for pattern in FIGURES_OF_SPEECH:
        text = pattern.sub(" ", text)
    return text


def assess(text: str) -> Risk:
    """What the words themselves say, regardless of any classifier."""
    literal = _without_figures_of_speech(normalise(text))
    if any(pattern.search(literal) for pattern in CRISIS_PATTERNS):
        return Risk.CRISIS
    if any(pattern.search(literal) for pattern in UNCLEAR_PATTERNS):
        return Risk.UNCLEAR
    return Risk.NONE


def is_figure_of_speech_only(text: str) -> bool:
    normalised = normalise(text)
    return any(p.search(normalised) for p in FIGURES_OF_SPEECH) and assess(text) is Risk.NONE


def decide(text: str, ranking: List[Dict[str, Any]]) -> Optional[str]:
    """The intent the safety net imposes, or None to keep the classifier's decision."""
    risk = assess(text)
    if risk is Risk.CRISIS:
        return CRISIS_INTENT
    crisis_confidence = next(
        (entry["confidence"] for entry in ranking if entry["name"] == CRISIS_INTENT), 0.0
    )
    top = ranking[0]["name"] if ranking else None
    if is_figure_of_speech_only(text):
        if top in (CRISIS_INTENT, UNCLEAR_INTENT):
            return next(
                (e["name"] for e in ranking if e["name"] not in (CRISIS_INTENT, UNCLEAR_INTENT)),
                FALLBACK_INTENT,
            )
        return None
    if risk is Risk.UNCLEAR:
        return UNCLEAR_INTENT
    if top == CRISIS_INTENT and crisis_confidence >= TRUST_CRISIS:
        return None
    if crisis_confidence >= ASK_ABOUT_CRISIS:
        return UNCLEAR_INTENT
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CrisisSafetyNet(GraphComponent, IntentClassifier):
    """Put it last in the pipeline, after the intent classifier and FallbackClassifier."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [IntentClassifier]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisSafetyNet":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            imposed = decide(message.get(TEXT) or "", ranking)
            if imposed is None:
                continue
            current = message.get(INTENT) or {}
            if current.get("name") == imposed:
                continue
            message.set(INTENT, {"name": imposed, "confidence": 1.0}, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [{"name": imposed, "confidence": 1.0}]
                + [entry for entry in ranking if entry["name"] != imposed],
                add_to_output=True,
            )
        return messages
