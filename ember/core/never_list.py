"""What Ember must never say, as patterns searched in every response and content item."""

from __future__ import annotations

import re

NEVER_LIST = {
    "reunion promises or predictions": [
        r"\b(they|he|she)('ll| will) (come back|return|reach out|realise|realize|miss you)",
        r"\b(they|he|she) (still )?(loves?|miss(es)?|want(s)?) you\b",
        r"\bunion is (coming|near|close|certain|guaranteed|written)",
        r"\bmeant to be together\b",
        r"\b(in|within|after) \d+ (days|weeks|months)\b.*\b(back|reunite|union)\b",
        r"\bdivine timing will\b",
    ],
    "encouraging contact, checking or showing up": [
        r"\b(text|message|call|email|dm|contact|visit) (them|him|her)\b(?! again)",
        r"\breach out to (them|him|her)\b",
        r"\b(try|go ahead and|you could|why not) (unblock|check|look at|follow)\b",
        r"\bshow up at\b",
        r"\bnew account\b",
    ],
    "diagnosis": [
        r"\bnarcissi",
        r"\bavoidant\b",
        r"\bborderline\b",
        r"\bbipolar\b",
        r"\b(socio|psycho)path",
        r"\byou (have|are suffering from) (depression|an? .*disorder|ptsd)",
        r"\btrauma bond",
    ],
    "method information": [
        r"\b\d+\s?(mg|milligram|pills|tablets)\b",
        r"\b(overdose|lethal|noose|rope|bridge|tall enough|high enough)\b",
    ],
    "selling": [
        r"\b(buy|purchase|subscribe|premium|upgrade|discount|coupon|pricing)\b",
        r"\b(coaching|(?<!of )course|masterclass|tarot|psychic|reading session)\b",
        r"[$€£]\s?\d",
    ],
}

_COMPILED = {
    rule: [re.compile(pattern, re.IGNORECASE) for pattern in patterns]
    for rule, patterns in NEVER_LIST.items()
}


def violations(text: str) -> list[tuple[str, str]]:
    """(rule, matched text) for every never-list pattern the text breaks."""
    found = []
    for rule, patterns in _COMPILED.items():
        for pattern in patterns:
            match = pattern.search(text or "")
            if match:
                found.append((rule, match.group(0)))
    return found
