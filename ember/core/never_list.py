"""What Ember must never say, read for meaning in every response and content item.

The rules name what a reply must not *do*: promise a reunion, say what the other person
feels, nudge someone towards contact or checking, call abuse a lesson, diagnose, advise on
medication, give method details, or sell. Words alone are not enough: "Don't text him
tonight" and "No one can promise a reunion" use the same words as the replies the rules
exist to stop, and are exactly what Ember should say. So each clause is read on its own,
and a match that comes with a refusal or a negation in its clause ("don't", "never", "no one
can", "I can't tell you") is what Ember is saying *not* to do, and passes; so does a
person's own hope told back to them ("you keep hoping he'll come back").

Method details take no excuse at all. Medication advice is excused by a refusal, or by
pointing to a pharmacist or doctor, which is the right answer.
"""

from __future__ import annotations

import re

_THEM = r"(?:they|he|she|them|him|her|your (?:twin(?: flame)?|runner|person|partner|ex|soulmate))"
_CONTACT = (
    r"(?:text|texting|message|messaging|call|calling|ring|email|emailing|dm|dming|contact|"
    r"contacting|reach out to|reaching out to|write to|visit|visiting|unblock|unblocking|"
    r"check|checking|look at|looking at|follow|following|watch|watching|keep an eye on|track|"
    r"tracking|find|send|sending)"
)

NEVER_LIST: dict[str, list[str]] = {
    "reunion promises or predictions": [
        rf"\b{_THEM}(?: ll| will| is going to| are going to| re going to| always| ll always|"
        rf" will always| is bound to)"
        r" (?:come back|come running back|return|reach out|be back|realise|realize|miss you|"
        r"find (?:their|his|her) way back|feel (?:it|the pull)|wake up)",
        r"\b(?:union|reunion|reuniting|reunite|coming back together)\b.{0,40}\b(?:on its way|"
        r"is coming|"
        r"coming soon|near|close|certain|guaranteed|written|destined|will happen|inevitable|"
        r"within|soon)\b",
        r"\b(?:preparing|prepares) (?:you|both of you|you both) for (?:union|reunion)\b",
        r"\bdivine timing\b",
        r"\b(?:destined|meant) to be (?:together|with (?:them|him|her))\b",
        r"\b(?:runners?|they|twin flames?) (?:always|eventually) (?:comes? back|returns?|do|"
        r"does)\b",
        r"\bseparation is (?:only |just )?temporary\b|\bonly temporary\b",
        r"\b(?:end|ends|ending) in (?:union|reunion)\b",
        r"\bonce you (?:surrender|let go|heal|do the work)\b.{0,40}\b(?:come back|return|back)\b",
    ],
    "claims about what the other person feels": [
        rf"\b{_THEM}\b(?: still| really| secretly| deep down)? (?:loves? you|misses you|"
        r"wants you|regrets|is thinking (?:about|of) you|are thinking (?:about|of) you|"
        r"feels? your|cares? about you|knows? you re (?:the one|meant))",
        r"\bdeep down (?:he|she|they)\b",
        r"\b(?:their|his|her) (?:soul|heart) (?:loves|knows|misses|wants|is calling)\b",
        r"\benergetically\b|\b(?:reaches?|reaching) (?:them|him|her) (?:through|on) ",
        r"\b(?:their|his|her) silence is (?:proof|a sign)\b",
        r"\bonly with (?:her|him|them) to\b",
        r"\b(?:run|runs|ran) because (?:they|he|she|their|his|her)\b.{0,30}\b(?:love|loves|feel)",
    ],
    "encouraging contact, checking or following": [
        rf"\b(?:try|you could|you can|why not|maybe|go ahead and|just|keep|one more|ask a|ask "
        rf"(?:a |your )?(?:mutual )?friend to)\b.{{0,30}}\b{_CONTACT}\b.{{0,25}}\b(?:them|him|her|"
        r"his|their)\b",
        rf"\b{_CONTACT} (?:them|him|her) again\b",
        r"^\s*(?:and |then |so )?(?:text|message|call|ring|email|dm|contact|reach out to|write to|"
        r"visit|unblock|check|look at|follow|watch|keep an eye on|track|find|send) (?:them|him|"
        r"her)\b",
        rf"\b{_CONTACT} (?:them|him|her|his|their)\b.{{0,30}}\b(?:is|s|are|re) "
        r"(?:fine|ok|okay|normal|harmless|healthy|alright)\b",
        r"\b(?:tracking|spy|monitoring) app\b|\blets you see (?:who|what|where)\b",
        r"\b(?:another|new|fake|second|different|private|secret|burner) (?:account|number|"
        r"profile)\b",
        r"\bfrom a number (?:he|she|they)\b",
        r"\b(?:show|turn) up at\b|\bgo (?:to|round to|over to) (?:his|her|their) "
        r"(?:house|home|work|place|flat|office)\b",
        r"\b(?:use|try|check|turn on|keep an eye on|look at|watch)\b.{0,20}\b(?:snap ?map|find my|"
        r"location)\b",
        r"\bpass (?:your|a) (?:letter|message|note) (?:on )?to (?:them|him|her)\b",
    ],
    "abuse reframed as a lesson": [
        r"\b(?:his|her|their) (?:anger|rage|threats?|abuse|violence|hitting|control\w*)\b.{0,40}"
        r"\b(?:mirror|shadow|"
        r"help (?:him|her|them) heal|you (?:still )?need to heal)\b",
        r"\b(?:abuse|abusive|hitting|hits you|hit you|threats?|threatening|controlling|control|"
        r"violence|violent|hurts you|hurt you)\b.{0,50}\b(?:lesson|test|karma|karmic|spiritual|"
        r"soul contract|growth|meant to)\b",
        r"\b(?:lesson|test|karmic|soul contract|spiritual growth)\b.{0,50}\b(?:abuse|abusive|hit|"
        r"hits|threat|threats|control|controls|violence|hurts you)\b",
    ],
    "diagnosis": [
        r"\byou(?: might| may| could| probably| clearly| definitely| must)?(?: be| are| have| "
        r"sound| seem)\b.{0,25}\b(?:depressed|depression|bipolar|borderline|codependent|ptsd|"
        r"disorder|ocd|adhd|anxious attachment|avoidant|clinically|codependen\w*)",
        rf"\b{_THEM}\b.{{0,30}}\b(?:narcissist|narcissistic|sociopath|psychopath|avoidant|"
        r"borderline|bipolar|personality disorder|a disorder)",
        r"\bnarcissi\w*|\btrauma bond\w*|\b(?:socio|psycho)path\w*",
    ],
    "medication advice": [
        r"\b(?:try|take|taking|use|start|up|increase|double|add)\b.{0,25}\b(?:melatonin|sleeping "
        r"(?:pills?|tablets?)|pills?|tablets?|antidepressants?|medication|meds|doses?|benadryl|"
        r"diphenhydramine|zopiclone|xanax|valium|ambien|sertraline|an extra)\b",
        r"\btake (?:two|three|\d+|a couple|another|one more|an extra)\b",
        r"\b(?:melatonin|sleeping (?:pills?|tablets?)|antidepressants?|benadryl|zopiclone|xanax|"
        r"valium|ambien|sertraline|diphenhydramine)\b",
        r"\b(?:stop|stopping|skip|skipping|quit|come off|coming off) (?:your |the |taking )?"
        r"(?:antidepressants?|medication|meds|pills|tablets)\b",
    ],
    "method information": [
        r"\b\d+\s?(?:mg|milligrams?|pills|tablets)\b",
        r"\b(?:lethal|fatal) (?:dose|amount)\b|\bnoose\b|\b(?:high|tall) enough\b|\boverdose on\b",
    ],
    "selling": [
        r"\b(?:buy|purchase|subscribe|subscription|premium|upgrade|discount|coupon|pricing)\b",
        r"\b(?:book|schedule|sign up for|join)\b.{0,25}\b(?:session|reading|coaching|course|"
        r"masterclass|program|programme)\b",
        r"\bour (?:coach|coaches|coaching|program|programme|course|readers?|psychics?)\b",
        r"\bmasterclass\b|[$€£]\s?\d",
    ],
}
# Method details have no excuse. Medication is excused by a refusal, or by pointing to a
# pharmacist or doctor anywhere in the reply.
NO_EXCUSE = frozenset({"method information"})
MEDICATION = "medication advice"
_PROFESSIONAL = re.compile(r"\b(?:pharmacist|doctor|gp|prescriber|nurse|psychiatrist)\b", re.I)
# A refusal or negation earlier in the clause: "don't", "no one can", "i can't tell you".
_NEGATION = re.compile(
    r"\b(?:don ?t|do not|doesn ?t|never|no one|nobody|nothing|can ?t|cannot|won ?t|wouldn ?t|"
    r"shouldn ?t|isn ?t|aren ?t|not|no|avoid|instead of|rather than|without|stop|only "
    r"(?:they|he|she) can|unable|impossible)\b",
    re.I,
)
# A hope or a question of the person's, told back to them, is not a prediction:
# "it makes sense that you keep hoping he'll come back".
REPORTED = frozenset(
    {"reunion promises or predictions", "claims about what the other person feels"}
)
_REPORTED = re.compile(
    r"\b(?:hope|hoping|wish|wishing|wonder|wondering|whether|if|afraid|fear|waiting for|"
    r"asking|ask|question)\b",
    re.I,
)
# Medication words are excused only by a refusal ("I can't recommend..."), not by "stop".
_REFUSAL = re.compile(
    r"\b(?:can ?t|cannot|won ?t|unable to|not able to|don ?t|do not|never)\b", re.I
)
# Reassurance that only looks like a negation: "don't worry, he will come back".
_IDIOMS = re.compile(
    r"\b(?:don ?t worry|do not worry|not to worry|no doubt|never doubt|don ?t doubt|no matter|"
    r"why not|if not|not yet)\b",
    re.I,
)
_CLAUSES = re.compile(r"[.;!?\n]+|,\s*(?:but|and|so)\s+|\s+-\s+|:\s")

_COMPILED = {
    rule: [re.compile(pattern, re.IGNORECASE) for pattern in patterns]
    for rule, patterns in NEVER_LIST.items()
}


def _without_idioms(text: str) -> str:
    return _IDIOMS.sub(" ", text)


def _folded(text: str) -> str:
    return re.sub(r"[\u2019'`´]", " ", text or "")


def violations(text: str) -> list[tuple[str, str]]:
    """(rule, matched words) for every rule the text breaks."""
    found = []
    professional = _PROFESSIONAL.search(text or "") is not None
    for clause in _CLAUSES.split(_folded(text)):
        for rule, patterns in _COMPILED.items():
            for pattern in patterns:
                match = pattern.search(clause)
                if not match:
                    continue
                if rule in NO_EXCUSE:
                    pass
                elif rule == MEDICATION:
                    if professional or _REFUSAL.search(_without_idioms(clause[: match.start()])):
                        continue
                elif _NEGATION.search(_without_idioms(clause[: match.end()])):
                    continue
                elif rule in REPORTED and _REPORTED.search(clause[: match.start()]):
                    continue
                found.append((rule, match.group(0)))
                break
    return found
