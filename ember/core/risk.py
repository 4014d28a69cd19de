"""Reading risk in a message's own words: crisis, unclear risk, or a figure of speech.

The trained classifier generalises, but it can miss a message that says it plainly in
words it has not seen ("kms", "unalive", a goodbye note) and it can be fooled by a figure
of speech ("this breakup is killing me"). This module reads the message itself:

- explicit or coded risk -> intent `crisis`, whatever the classifier said;
- a figure of speech and nothing else -> never `crisis` (the classifier's next guess);
- unclear risk (hopelessness, wanting everything to stop, or the classifier unsure about
  `crisis`) -> intent `unclear_risk`, so Ember asks directly and kindly.

Pure logic: the Rasa server's safety net (ember/server/nlu/safety_net.py) and the channels'
"always answer" path both use it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from enum import Enum
from functools import lru_cache
from typing import Any

CRISIS_INTENT = "crisis"
UNCLEAR_INTENT = "unclear_risk"
FALLBACK_INTENT = "nlu_fallback"
# Intents whose reply is crisis contacts: never the "calmer" reading of a figure of speech.
ABUSE_INTENT = "abuse"
RISK_INTENTS = frozenset({CRISIS_INTENT, UNCLEAR_INTENT, "request_crisis_contacts"})
NOT_CALMER = RISK_INTENTS | {ABUSE_INTENT}


class Risk(Enum):
    NONE = "none"
    UNCLEAR = "unclear"
    CRISIS = "crisis"


def _patterns(*expressions: str) -> list[re.Pattern]:
    return [re.compile(expression) for expression in expressions]


SELF = r"(?:my ?self|my (?:arms?|wrists?|legs?|thighs?|skin|body|stomach|face|head))"
HARM = (
    r"(?:cut|cuts|cutting|burn|burns|burned|burnt|burning|hit|hitting|slap|slapped|slapping|"
    r"punch|punched|punching|scratch|scratched|scratching|bite|bit|biting|bang|banged|banging|"
    r"stab|stabbed|starve|starving|hurt|hurting|harm|harming|kill|killing|killed|end|ending|"
    r"hang|hanging|shoot|drown|poison|strangle|choke)"
)
DEATH = (
    r"(?:die|dye|be dead|not exist|not be here|not be alive|stop existing|not wake up|"
    r"never wake up|disappear forever|sleep forever|end it all|go to sleep forever|"
    # "end it with him" ends a relationship, not a life.
    r"end it(?! (?:with|between|off with) ))"
)
# Not after "the", "my" or "our" ("watching the hope die" is about a hope), nor after "he",
# "she" or "they" ("he wants to end it" is the other person ending the relationship).
WANTING = (
    r"(?<!\bthe )(?<!\bmy )(?<!\bour )(?<!\bany )(?<!\bhe )(?<!\bshe )(?<!\bthey )"
    r"(?:want|wanna|wish|going|gonna|ready|plan|planning|need|hope|hoping|trying|pray|praying)"
)
# What people cut in a breakup: contact, ties, them.
CUT_OFF = r"(?! (?:contact|ties|things|him|her|them|off|out|back|down|it off|people|cords?)\b)"
# Letters, notes and belongings tied to the other person are part of a breakup.
TO_THEM = r"(?! (?:him|her|them|my ex|the ex|he|she|they|from|that (?:he|she|they))\b)"
# "he wants to end it tonight": the other person ending things.
THEIR_CHOICE = r"(?<!\bhe wants to )(?<!\bshe wants to )(?<!\bthey want to )(?<!\bwants to )"
# Explicit, passive, coded, self-harm, planning and method-seeking ways people say it,
# matched after normalise() has folded spelling, slang and obfuscation.
CRISIS_PATTERNS = _patterns(
    rf"\b{HARM} {SELF}\b",
    rf"\b{WANTING}\w* (?:to |i |that i |i could |i would )?(?:just )?{DEATH}\b",
    r"\bk ?m ?s\b|\bkys\b|\bctb\b|\bun ?aliv(?:e|ing)\b|\bsewer ?slide\b",
    r"\b(?:off|yeet|delete|unalive) myself\b|\bkill yourself\b|\blog off from life\b",
    r"\bwish i (?:was|were|d be) dead\b|\bonce i ?m (?:not around|gone)\b|\bwhen i ?m gone\b",
    r"\b(?:cut|carved|carve|cutting) .{0,25}\binto my (?:arm|leg|skin|wrist|thigh)",
    r"\bcut my (?:arm|leg|wrist|thigh|skin)s?\b|\bitching to cut\b",
    r"\bway of ending it\b|\b(?:ending|end) it (?:hurts|quick|painless)",
    r"\b(?:kill|end) me if i (?:took|take|drank|drink|swallow|swallowed)\b",
    r"\b(?:thinking|thought|think|thinks) (?:about|of|abt) (?:jumping|ending it|killing|dying|"
    r"hanging|overdosing|cutting)\b(?! (?:off|out|ties|contact|things|him|her|them)\b)",
    r"\bsh\b",
    r"\bsuicid\w*|\bself ?harm\w*|\bsh (?:again|relapse)",
    r"\brelapsed?\b.{0,30}\b(?:sh|self harm|cut)",
    r"\b(?:clean|free) from (?:sh|self harm|cutting)\b",
    rf"\b(?:started|start|starting) cutting\b{CUT_OFF}|\bcutting again\b{CUT_OFF}|\bfresh cuts\b|"
    rf"\bneed to cut\b{CUT_OFF}",
    r"\b(?:until|till|til) it bled\b|\bto bleed\b|\bbleed out\b|\bmake (?:myself|me) bleed\b",
    r"\b(?:arms?|wrists?|thighs?|legs?) (?:are |is )?(?:already )?"
    r"(?:scarred|covered in (?:cuts|scars))",
    r"\b(?:blade|razor|knife)\b.{0,30}\b(?:wrist|arm|skin|thigh)",
    r"\b(?:don ?t|dont|do not|never|no longer) (?:want|wanna|wish) (?:to )?"
    r"(?:live|be alive|exist|be here|wake up|keep going|go on|be around|"
    r"be (?:on|in) this (?:earth|world|planet))\b",
    r"\b(?:don ?t|dont|never|not) wake up (?:again|tomorrow|in the morning)?\b",
    r"\b(?:end|ending|take|taking) (?:it all|my (?:own )?life|everything)\b",
    rf"{THEIR_CHOICE}\bend it (?:all|tonight|today|now|for good|this weekend)\b",
    r"\b(?:better|easier|happier) (?:off |time |life )?without me\b",
    r"\bwithout me (?:around|here|alive)\b",
    r"\bbetter off (?:dead|if i (?:was|were) gone|if i wasn ?t here)",
    r"\b(?:no|nothing to|no more|not any) (?:reason|point) (?:to|in|of|for) "
    r"(?:keep )?(?:live|living|"
    r"being alive|life|going on|existing|stay(?:ing)?(?: alive| here)?|me (?:being here|existing|"
    r"living|being alive))\b",
    r"\bpoint of (?:living|being alive|existing|life)\b",
    r"\b(?:wasn ?t|weren ?t|not|wasnt) (?:be )?(?:here|around|alive) "
    r"(?:anymore|tomorrow|much longer|by (?:morning|tomorrow))",
    r"\bfuture where i ?m (?:still )?(?:here|alive|around)\b",
    r"\b(?:stick|stay) around (?:on this earth|anymore|much longer)\b|\bdon ?t see why i should "
    r"(?:stay|live|stick around|go on|be here|keep going)",
    r"\bpray\w* i (?:get sick|die|don ?t wake|don ?t recover|never wake)|\bdon ?t recover\b",
    r"\bpermanent (?:nap|sleep|solution)\b|\blong sleep\b|\bsleep that never ends\b",
    # "a final goodbye to us", "a final message to someone who ghosted me": to a relationship.
    r"\bfinal (?:exit|sleep|goodbye|message|words)\b(?! (?:to|at|with|from|for) )"
    r"|\bend(?:ing)? my run\b|\bgame over for me\b",
    r"\bbecome a ghost\b|\bcease to exist\b|\bdisappear (?:forever|for good|permanently)\b",
    r"\b(?:over ?dose|overdosing|od ?ing|od on)\b",
    r"\bhow (?:many|much)\b.{0,30}\b(?:pills|tablets|meds|medication|sleeping|painkillers|"
    r"antidepressants|paracetamol|insulin)\b",
    r"\bhow (?:many|much)\b.{0,40}\b(?:would|will|does) it take\b",
    r"\b(?:pills|tablets|meds|medication)\b.{0,40}\b(?:deadly|lethal|fatal|too many|to die|kill|"
    r"end it|sleep forever|never wake|all of them|whole (?:bottle|box|pack))",
    r"\b(?:lethal|fatal|deadly) (?:dose|amount)\b",
    r"\bhow (?:long|quick|fast) .{0,30}\b(?:bleed|die|drown|suffocate|lose consciousness)\b",
    r"\b(?:quick|quickest|fastest|easiest|painless|least (?:messy|painful)|cleanest) "
    r"(?:and painless )?(?:way|method) to (?:go|die|do it|end)",
    r"\bquick and painless\b|\bso it doesn ?t hurt\b",
    r"\bhow (?:high|tall|far|deep)\b.{0,40}\b(?:bridge|building|roof|cliff|fall|drop|jump)\b",
    r"\b(?:bridge|building|roof|cliff|balcony|height)s?\b.{0,30}\b(?:high|tall) enough\b",
    r"\b(?:jump|jumping|throw myself|step) (?:off|from|in front)\b",
    r"\b(?:nobody|no one) (?:would|will|could|can) stop me\b",
    r"\blook like an accident\b|\b(?:drive|crash|swerve) (?:my car )?(?:into|off)\b.{0,30}"
    r"\b(?:fast enough|on purpose|tree|wall|bridge|cliff|truck|lorry)\b",
    r"\b(?:noose|rope to|hang from)\b",
    # "my last text to him" closes a relationship; a goodbye or suicide note is something else.
    r"\b(?:goodbye|suicide) (?:letter|note|message|text)s?"
    r"\b(?! (?:to|for) (?:him|her|them|my ex))",
    r"\b(?:final|last) (?:letter|note)s?\b"
    r"(?! (?:to|for) (?:him|her|them|my ex)| i (?:never|won t))",
    r"\bgoodbye (?:forever|for good)\b",
    r"\b(?:this is|consider this) (?:my )?(?:last|final)? ?goodbye\b",
    # To no one in particular, or to Ember, a last message is a goodbye note.
    r"\bthis (?:is|will be) my (?:last|final) (?:message|text|post)\b"
    r"(?! (?:to|for) (?:him|her|them|my ex))",
    r"\bdeath (?:is|sounds|seems|feels) (?:all|what|like|better|easier|peaceful)\b",
    r"\b(?:don ?t|not|never) survive\b|\bstop my heart\b",
    r"\bplanned (?:exactly |out )?how i m (?:going to|gonna) do it\b",
    r"\bsleep and (?:never|not) wake up\b",
    r"\bmight as well (?:die|be dead|not be here|not exist|follow|end it|go too)\b",
    r"\b(?:last|final) time i ?(?:ll| will) (?:ever )?(?:talk to|speak to|see|message|"
    r"bother) (?:anyone|anybody|you|everyone|any of you)\b",
    r"\b(?:won ?t|will not|never) (?:ever )?(?:have|need) to (?:worry about|deal with|see|"
    r"hear from|put up with) me (?:again|anymore|any more)\b",
    r"\b(?:i m|im|i am) (?:on|at|up on) (?:the )?(?:roof|edge|top of|ledge|tracks|railway|cliff)"
    r"\b.{0,40}\b(?:looking down|right now|tonight|about to)\b",
    r"\b(?:quick|quickest|fastest|easiest|painless|best) (?:way|method) to (?:make )?"
    r"(?:it all|everything) (?:stop|end)\b",
    r"\bhow long (?:would|will|does|did) it take\b.{0,60}\b(?:pills|painkillers|tablets|eating|"
    r"drinking|bleed|die|overdose)\b",
    r"\b(?:pills|painkillers|tablets|paracetamol|meds)\b.{0,60}\bhow long (?:would|will|does) "
    r"it take\b",
    r"\b(?:whole|entire|full) (?:pack|bottle|box|packet) of (?:pills|painkillers|tablets|"
    r"paracetamol|meds|sleeping pills)\b",
    r"\b(?:tonight|today|tomorrow) (?:is|s) (?:when|the day|the night) i m (?:finally )?"
    r"(?:doing|going to do|gonna do) it\b",
    r"\b(?:rather|prefer to|d rather) (?:not be alive|be dead|not exist|not be here|die)\b",
    r"\b(?:saving|stockpiling|hoarding|collecting) (?:up )?(?:my |some |all my )?"
    r"(?:pills|tablets|meds|medication)\b",
    r"\bon purpose\b.{0,40}\b(?:wouldn ?t|won ?t|not|never) wake\b"
    r"|\bhoping i (?:wouldn ?t|won ?t|don ?t|would not) wake\b",
    r"\b(?:driving|crashing|drive|crash) (?:my car )?into (?:a|the) "
    r"(?:wall|tree|truck|lorry|river)\b",
    r"\b(?:won ?t|don ?t think i ?ll|not going to|don ?t think i will) (?:still )?be "
    r"(?:here|around|alive) (?:by|for|at|next|much|when)\b",
    r"\bdon ?t see myself (?:making it|being here|being alive|alive|around)\b",
    r"\b(?:end|take|ending|taking) (?:their|someone s|your|a person s) (?:own )?life\b",
    r"\b(?:wrote|written|writing) (?:a |my )?(?:goodbye )?(?:letters|notes?) (?:to|for)\b"
    rf"{TO_THEM}",
    r"\b(?:note|letter) for (?:\w+ ){0,2}to find\b",
    r"\b(?:left|leaving|leave) (?:goodbye )?(?:letters|notes?) (?:for|to)\b",
    r"\b(?:wrote|written|writing) (?:my|a) will\b|\baffairs in order\b",
    r"\b(?:gave|giving|given|give) (?:away )?(?:all )?my "
    rf"(?:dog|cat|pets?|things|stuff|belongings)\b{TO_THEM}",
    r"\bnobody (?:has|will have) to (?:deal with|clean up|sort out)\b",
    r"\bwon ?t need (?:them|it|my (?:things|stuff)|anything) (?:soon|anymore|much longer)",
    r"\b(?:chosen|picked|set|chose|pick) (?:a|the) (?:date|day)\b|\bdate picked\b",
    r"\btonight (?:is|s) the night\b|\bcheck(?:ing)? out (?:for good|early)\b",
    r"\bcatch(?:ing)? the bus\b|\bgo(?:ing)? home for good\b",
    r"\bnot coming home\b|\bwon ?t be (?:coming home|here tomorrow)\b",
    r"\bdon ?t think i ?m (?:coming (?:home|back)|going to make it|gonna make it)\b",
    r"\b(?:can ?t|cannot) (?:go on|keep living|live like this|stay alive)\b",
    r"\bwant (?:it|the pain|everything) to end (?:for good|forever|permanently)",
)

# Everyday hyperbole, and names of services, that use the same words.
FIGURES_OF_SPEECH = _patterns(
    r"\bsuicide (?:hotline|helpline|line|prevention|crisis line|number|text line)s?\b",
    r"\b(?:is|are|its|it s|this is|that s|thats|this|he s|she s|they re) (?:literally )?"
    r"killing me\b",
    r"\bkilling me\b(?! ?self)|\bkilling it\b|\bkilled it\b|\bkilled me\b",
    r"\b(?:is|s|are|re|gonna|going to|will|would) (?:going to |gonna )?(?:kill|murder) me "
    r"(?:if|when|for)\b",
    r"\b(?:it|that|this|which) (?:still )?kills me\b",
    # Cutting someone off, out of a life, or cutting contact: how people end things (but
    # "he cut me off from my family" is control, read by the classifier as abuse).
    r"\bcut(?:s|ting)? (?:me|him|her|them|us) (?:off|out)\b(?! from)"
    r"|\bcut(?:s|ting)? off (?:contact|ties|him|her|them|his|their|the|all|every)\b"
    r"|\bcut(?:s|ting)? (?:my|his|her) hair\b",
    # A goodbye text sent to him or her ("text him one last goodbye message") ends a
    # relationship. Left to "them" or to no one, a goodbye note is read as risk.
    r"\b(?:him|her) (?:a |one )?(?:last |final )?goodbye (?:letter|note|message|text)s?\b",
    # "killing off an old version of myself": a change, not a death.
    r"\bkill(?:ing|ed)? off (?:an? |the |that |my )?(?:old|older|former)? ?"
    r"(?:version|part|side)s?\b",
    r"\bif (?:he|she|they)\b.{0,40}\b(?:gonna|going to|will|ll) die\b",
    r"\b(?:die|died|dying) (?:of|from) (?:embarrassment|shame|cringe|laughter|laughing)\b",
    r"\b(?:could|would|d) die (?:when|if|for)\b|\b(?:dying|die) (?:to|for)\b|\bto die for\b",
    r"\b(?:dead|dying) (?:tired|end)\b|\bdied laughing\b",
    r"\b(?:phone|battery|laptop|plant|car|conversation|chat|vibe|wifi)s? (?:is |was |just )?"
    r"(?:dead|died|dying)\b",
    r"\bkill(?:ing)? (?:for|it|the vibe|time)\b",
    r"\b(?:heels|shoes|boots|feet|back|head|legs|neck|knees|hangover) (?:are|is) killing me\b"
    r"|\bkilling my (?:feet|back|head|legs|neck|knees|vibe|mood)\b",
    r"\b\w*(?:plants?|flowers?|batter(?:y|ies)|phones?|laptops?|cars?) "
    r"(?:are |is |was |were |keep |"
    r"keeps )?(?:dead|died|dying)\b|\bvibe (?:\w+ )?(?:died|dead|dying)\b",
    # Said of grief, not of a plan (domain notes): the classifier still reads the rest.
    r"\bdead inside\b|\bdying (?:a (?:little|bit) )?inside\b",
    # "our story is only dead if i stop hoping": a relationship's end, not a life's.
    r"\b(?:story|relationship|connection|marriage|bond|love|we|things) (?:is|s|are|re|was|"
    r"were|feels?|felt) (?:only |already |basically |completely |totally |so )?(?:dead|over)\b",
    r"\b(?:could|gonna|going to|want to|wanna) kill (?:him|her|them)\b",
    # "disappear off social media", "vanish from his life", "vanish for a month": leaving a
    # place, or for a time, not living.
    r"\b(?:disappear|vanish)\w* (?:for a (?:while|bit|few \w+) )?(?:from|off) "
    r"(?:(?:his|her|their|the|all|my) )?(?:socials?|social media|instagram|insta|facebook|"
    r"tiktok|snapchat|online|internet|feeds?|stories|life|apps?|group ?chats?|radar)\b",
    r"\b(?:disappear|vanish)\w* for (?:a|one|the) (?:month|week|weekend|summer|day or two)\b"
    r"|\b(?:disappear|vanish)\w* for (?:a few|a couple of|two|three) (?:days|weeks|months)\b",
)

# Hopelessness without a plain statement of intent: ask, don't assume either way.
UNCLEAR_PATTERNS = _patterns(
    r"\b(?:can ?t|cannot) (?:do|handle|take) (?:this|it) anymore\b",
    r"\bgiv(?:e|ing) up on (?:everything|life|it all)\b",
    r"\bhow (?:much )?longer i can (?:keep )?(?:hold(?:ing)? on|going|go on|last|survive|"
    r"take (?:this|it)|do this)\b",
    r"\b(?:want|need) (?:it all|everything|the pain|all of this) to (?:stop|end|go away)\b",
    r"\b(?:want to disappear|wish i could disappear|vanish)\b",
    # Not "what's the point of texting him": that asks about the chase, not about living.
    r"\bwhat ?s the point(?! (?:of|in) (?:even )?(?:waiting|texting|messaging|calling|chasing|"
    r"hoping|checking|begging|reaching out|talking|replying|writing|asking|fighting|holding out)"
    r"\b(?: \w+){0,3} (?:him|her|them|he|she|they|his|their)\b)"
    r"(?: of (?:anything|it all|going on|trying))?\b",
    r"\b(?:i ?m|im|i am) (?:so )?done with (?:life|everything|it all)\b",
    r"\btired of (?:living|life|being alive|existing)\b",
    r"\bnothing (?:matters|means anything) (?:anymore|any more|now)\b",
    r"\bif i (?:was|were) (?:gone|not here|not around|dead)\b",
    r"\b(?:don ?t|can ?t|cannot) see (?:any|a) (?:way (?:forward|out|through)|future|point)\b",
    r"\b(?:no one|nobody) would (?:notice|care|miss me) if i\b",
    r"\bfeel(?:s|ing)? like (?:i m )?dying\b|\bcould (?:just )?die without (?:him|her|them)\b",
    r"\b(?:sitting|standing|parked|waiting) .{0,20}\b(?:by|on|at|near) the (?:river|bridge|edge|"
    r"cliff|tracks|railway|roof|water)\b",
)
# Texting spellings folded before matching, so "dnt wanna liv" reads as "dont wanna live".
SPELLINGS = {
    "w o": "without",
    "wo": "without",
    "wud": "would",
    "wd": "would",
    "dnt": "dont",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrow": "tomorrow",
    "liv": "live",
    "mor": "more",
    "hw": "how",
    "u": "you",
    "ur": "your",
    "evry1": "everyone",
    "every1": "everyone",
    "ev1": "everyone",
    "wana": "wanna",
    "kil": "kill",
    "pils": "pills",
    "reasn": "reason",
    "beter": "better",
    "arond": "around",
    "wak": "wake",
    "hopin": "hoping",
    "myslef": "myself",
    "mysef": "myself",
    "myslf": "myself",
    "slef": "self",
    "overdoes": "overdose",
    "im": "i m",
    "cant": "can t",
    "dont": "don t",
    "wont": "won t",
    "didnt": "didn t",
    "doesnt": "doesn t",
    "wasnt": "wasn t",
    "isnt": "isn t",
    "ded": "dead",
    "dei": "die",
    "mysefl": "myself",
    "lfe": "life",
    "tonite": "tonight",
    "nite": "night",
    "hurtin": "hurting",
    "lyf": "life",
    "ovr": "over",
    "wit": "with",
    "nemore": "anymore",
    "anymor": "anymore",
    "b": "be",
    "2": "to",
}
RISK_WORDS = (
    "suicide",
    "suicidal",
    "myself",
    "overdose",
    "without",
    "everyone",
    "better",
    "around",
    "reason",
    "anymore",
    "tomorrow",
    "living",
    "alive",
    "pills",
    "tablets",
    "killing",
    "unaliving",
    "yourself",
    "painkillers",
)

# How far the classifier alone is trusted, without words the patterns recognise: a confident
# `crisis` stands; a less sure one, or a lot of probability on `crisis`, leads to asking;
# `unclear_risk` on its own must be very sure, since asking is heavy for someone who is sad.
TRUST_CRISIS = 0.6
ASK_ABOUT_CRISIS = 0.4
TRUST_UNCLEAR = 0.5
# The least weight a reading needs to stand in for a risk reading set aside.
CALMER_CONFIDENCE = 0.01
# A confident `crisis` from the classifier with none of these words leads to asking rather
# than the full crisis reply: it learned that "goodbye", "gone" and "done" often come with
# risk, and a breakup uses them all. Coded risk without these words has its own patterns.
RISK_VOCABULARY = re.compile(
    r"\b(?:die|died|dying|dead|death|kill\w*|suicid\w*|end (?:it(?! with)|my|everything|all)|"
    r"ending it(?! with)|alive|live|living|my life|this life|hurt (?:myself|me)|harm\w*|pills?|"
    r"overdos\w*|jump\w*|bridge|"
    r"exist\w*|anymore|not be here|burden|better off|unaliv\w*|kms|ctb|sleep|wake|disappear\w*|"
    r"forever|point|give up|giving up|blade|rope|gun|bleed\w*|scars?|meds|tablets?)\b"
)
# An `unclear_risk` reading needs at least one of these (or a word of risk) to ask the
# safety question: "that it's over and i can't undo any of it" is grief, not hopelessness.
HOPELESSNESS = re.compile(
    RISK_VOCABULARY.pattern
    + r"|\b(?:hope\w*|anymore|give up|giving up|can ?t (?:do|take|go on|keep|cope|handle|"
    r"bear|stand|breathe)|tired|exhausted|no way|nothing|empty|numb|escape|"
    # "done with this whole twin flame thing", "done with him": a breakup; done with it all is not.
    r"done with (?:life|living|everything|it all|all (?:of )?(?:it|this)|trying|myself|me)|"
    r"stop (?:it|everything|feeling)|enough|pointless|worthless|burden|trapped)\b"
)


# "endin", "cuttin", "thinkin": the dropped g of texting, put back on the words that matter.
DROPPED_G = frozenset(
    "ending cutting thinking killing dying hurting taking jumping planning hoping wanting "
    "going living starving bleeding overdosing hanging".split()
)


# Abuse said in passing: the other person hurting, threatening, tracking, stalking or
# controlling the one who writes. The other person is the subject, so a person describing
# their own checking ("i keep checking his location") is not read as abused.
_THEM = r"(?:he|she|they|my ex|my partner|my husband|my wife|my boyfriend|my girlfriend|my twin)"
ABUSE_PATTERNS = _patterns(
    rf"\b{_THEM} (?:\w+ ){{0,2}}(?:hit|hits|slapped|slaps|punched|punches|kicked|kicks|choked|"
    r"chokes|strangled|shoved|shoves|pushed me|grabbed|grabs|beat|beats|spat on|threw \w+ at) ?"
    r"(?:me|my)\b",
    rf"\b{_THEM} (?:\w+ ){{0,2}}(?:threatened|threatens|threatening) (?:to|me)\b",
    rf"\b{_THEM} (?:said|says|told me|warned me|swore) (?:that )?(?:he|she|they) (?:d|ll|would|"
    r"will|"
    r"is going to|are going to) (?:hurt|kill|find|ruin|destroy|hit) me\b",
    r"\b(?:tracker|gps|tracking app|spy app|airtag) (?:on|in|under) my\b|\bfound a tracker\b",
    rf"\b{_THEM} (?:\w+ ){{0,2}}(?:tracks|tracked|tracking|reads|read|checks|goes through|"
    r"monitors) "
    r"(?:my (?:phone|messages|texts|location|emails|email|accounts)|where i am)\b",
    rf"\b{_THEM} (?:\w+ ){{0,2}}(?:turns up|turned up|turning up|shows up|showed up|showing up|"
    r"waits|waiting|sits) (?:outside|at) my\b",
    rf"\b{_THEM} (?:\w+ ){{0,2}}(?:follows|followed|following) me\b",
    r"\b(?:calling|texting|messaging) (?:me )?from (?:new|different|other|fake) (?:numbers|"
    r"accounts)\b",
    r"\b(?:photos|pictures|pics) of my (?:house|flat|front door|car|window|street)\b",
    rf"\b{_THEM} (?:\w+ ){{0,2}}(?:won ?t|doesn ?t|does not|will not) let me (?:see|go|leave|talk|"
    r"have|"
    r"work|use)\b",
    r"\bi (?:have|need) to ask (?:him|her|them) (?:before|if|whether) i\b",
    rf"\b{_THEM} (?:\w+ ){{0,2}}(?:changed|took|controls|takes|keeps) (?:the |my |all my |"
    r"all the )?"
    r"(?:passwords|money|bank|card|phone|keys|passport|wages)\b",
    r"\b(?:scared|afraid|terrified|frightened) of (?:him|her|them|what (?:he|she|they) (?:ll|will|"
    r"might|would) do)\b",
)


# The close-match search costs about a millisecond a word; people reuse their words, so a
# remembered answer makes a message cost what its new words cost.
@lru_cache(maxsize=50_000)
def _respell(token: str) -> str:
    if token in SPELLINGS:
        return SPELLINGS[token]
    if token.endswith("in") and token + "g" in DROPPED_G:
        return token + "g"
    if len(token) >= 6 and token not in RISK_WORDS:
        cutoff = 0.85 if len(token) >= 7 else 0.88
        close = difflib.get_close_matches(token, RISK_WORDS, n=1, cutoff=cutoff)
        if close:
            return close[0]
    return token


def normalise(text: str) -> str:
    """Lowercase; accents, apostrophes, obfuscation ("s*icide") and texting spellings folded."""
    folded = unicodedata.normalize("NFKD", text or "")
    folded = "".join(char for char in folded if not unicodedata.combining(char)).lower()
    folded = re.sub(r"(?<=[a-z])[*#.](?=[a-z])", "", folded)
    folded = re.sub(r"(?<=[a-z])[!1](?=[a-z])", "i", folded)
    folded = re.sub(r"(?<=[a-z])3(?=[a-z])", "e", folded)
    folded = re.sub(r"(?<=[a-z])[0](?=[a-z])", "o", folded)
    folded = re.sub(r"(?<=[a-z])[@](?=[a-z])", "a", folded)
    folded = re.sub(r"(?<=[a-z])[$](?=[a-z])", "s", folded)
    folded = folded.replace("w/o", "without")
    folded = re.sub(r"[\u2019'`´]", " ", folded)
    folded = re.sub(r"[^a-z0-9 ]+", " ", folded)
    folded = re.sub(r"(.)\1{2,}", r"\1\1", folded)
    return " ".join(_respell(token) for token in folded.split())


def _without_figures_of_speech(text: str) -> str:
    for pattern in FIGURES_OF_SPEECH:
        text = pattern.sub(" ", text)
    return text


def _assess_normalised(normalised: str) -> Risk:
    literal = _without_figures_of_speech(normalised)
    if any(pattern.search(literal) for pattern in CRISIS_PATTERNS):
        return Risk.CRISIS
    if any(pattern.search(literal) for pattern in UNCLEAR_PATTERNS):
        return Risk.UNCLEAR
    return Risk.NONE


def assess(text: str) -> Risk:
    """What the words themselves say, regardless of any classifier."""
    return _assess_normalised(normalise(text))


def _calmer(ranking: list[dict[str, Any]], passed_over: frozenset[str]) -> str:
    """The next reading once the risk readings are set aside, if the classifier gave it any
    weight: "vanish for a month" read as unclear risk at 0.99 leaves crumbs for the rest, and
    the largest crumb once started a safety plan. Below that, Ember says it did not follow."""
    return next(
        (
            entry["name"]
            for entry in ranking
            if entry["name"] not in passed_over
            and entry["name"] != FALLBACK_INTENT
            and entry["confidence"] >= CALMER_CONFIDENCE
        ),
        FALLBACK_INTENT,
    )


def names_abuse(text: str) -> bool:
    """Whether the words themselves say the other person hurts, threatens, tracks or controls."""
    return _names_abuse_normalised(normalise(text))


def _names_abuse_normalised(normalised: str) -> bool:
    return any(pattern.search(normalised) for pattern in ABUSE_PATTERNS)


def words_of_risk(text: str) -> bool:
    """Whether the message's own words touch on risk or hopelessness, whatever read it."""
    normalised = normalise(text)
    literal = _without_figures_of_speech(normalised)
    return _assess_normalised(normalised) is not Risk.NONE or bool(HOPELESSNESS.search(literal))


def decide(text: str, ranking: list[dict[str, Any]]) -> str | None:
    """The intent the safety net imposes, or None to keep the classifier's decision."""
    normalised = normalise(text)  # once per message: this runs on every turn
    risk = _assess_normalised(normalised)
    if risk is Risk.CRISIS:
        return CRISIS_INTENT
    if _names_abuse_normalised(normalised):
        return ABUSE_INTENT
    confidence = {entry["name"]: entry["confidence"] for entry in ranking}
    classified = [e["name"] for e in ranking if e["name"] != FALLBACK_INTENT]
    top = classified[0] if classified else None
    calmer = _calmer(ranking, RISK_INTENTS)
    figure_of_speech = any(pattern.search(normalised) for pattern in FIGURES_OF_SPEECH)
    if figure_of_speech and risk is Risk.NONE:
        # "is there a suicide hotline?" keeps its reading: a request for the contacts. Abuse
        # said in so many words was found above; "my mum will kill me when she finds out" is
        # not abuse either.
        if top in (CRISIS_INTENT, UNCLEAR_INTENT, ABUSE_INTENT):
            return _calmer(ranking, NOT_CALMER)
        return None
    crisis = confidence.get(CRISIS_INTENT, 0.0)
    about_risk = RISK_VOCABULARY.search(normalised) is not None
    if top == CRISIS_INTENT:
        if crisis >= TRUST_CRISIS:
            return None if about_risk else UNCLEAR_INTENT
        # A weak crisis reading: ask when the words touch on risk or it is not that weak.
        return UNCLEAR_INTENT if about_risk or crisis >= ASK_ABOUT_CRISIS else calmer
    if risk is Risk.UNCLEAR:
        return UNCLEAR_INTENT
    if crisis >= ASK_ABOUT_CRISIS:
        # Crisis close behind another reading: "i need to cut contact" shares a word with
        # self-harm, so asking needs a word of risk or hopelessness, as for `unclear_risk`.
        return UNCLEAR_INTENT if HOPELESSNESS.search(normalised) else calmer
    if top == UNCLEAR_INTENT and (
        confidence[UNCLEAR_INTENT] < TRUST_UNCLEAR or not HOPELESSNESS.search(normalised)
    ):
        return calmer
    return None
