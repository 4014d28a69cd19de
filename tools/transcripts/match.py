"""Finds which domain response a bot line of a transcript is.

Every variation of every response counts, including conditional ones (the crisis, abuse and
contact responses in domain/helplines.yml differ by country) and ones with slot
placeholders such as `{hardest_part}`, which match any text in their place. Text that is
(almost) nothing but placeholders, such as the `{summary}` paragraph of
`utter_my_reflections`, would match any line at all: it is only taken as the paragraph that
follows the ones before it in the same bot turn, never on its own. Rasa's REST
channel sends each paragraph of a response (split on blank lines) as its own message, so a
line may be a whole response or one of its paragraphs; consecutive paragraphs of the same
variation make up one bot turn.

Exact means equal after folding case, whitespace and typographic quotes. Otherwise the
closest candidate wins if difflib's similarity ratio is at least FUZZY_THRESHOLD (0.85): a
copied transcript with a changed word or two still matches, a different response does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

FUZZY_THRESHOLD = 0.85
# Fewer letters than this outside the placeholders: the text says too little to be recognised.
MIN_LITERAL_LETTERS = 10
PLACEHOLDER = re.compile(r"\\\{[a-z_]+\\\}")
QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(QUOTES)).strip().lower()


@dataclass(frozen=True)
class Candidate:
    response: str
    variation: int
    paragraph: int  # -1: the whole response
    paragraphs: int
    text: str  # folded
    pattern: re.Pattern | None  # for texts with slot placeholders

    @property
    def placeholder_only(self) -> bool:
        literal = re.sub(r"\{[a-z_]+\}", "", self.text)
        return sum(character.isalpha() for character in literal) < MIN_LITERAL_LETTERS


@dataclass(frozen=True)
class Match:
    response: str
    variation: int
    paragraph: int
    paragraphs: int
    score: float  # 1.0 for exact

    def continues(self, previous: Match | None) -> bool:
        """True when this line is the next paragraph of the same variation as `previous`."""
        return (
            previous is not None
            and previous.response == self.response
            and previous.variation == self.variation
            and self.paragraph == previous.paragraph + 1
        )


class ResponseMatcher:
    def __init__(self, responses: dict[str, list[dict]], threshold: float = FUZZY_THRESHOLD):
        self.threshold = threshold
        self.candidates: list[Candidate] = []
        for name, variations in responses.items():
            for index, variation in enumerate(variations or []):
                text = variation.get("text")
                if not text:
                    continue
                paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
                parts = [(-1, text)] + (list(enumerate(paragraphs)) if len(paragraphs) > 1 else [])
                for number, part in parts:
                    folded = fold(part)
                    escaped = PLACEHOLDER.sub(".+?", re.escape(folded))
                    pattern = re.compile(f"^{escaped}$") if escaped != re.escape(folded) else None
                    self.candidates.append(
                        Candidate(name, index, number, len(paragraphs), folded, pattern)
                    )
        # Bare placeholder paragraphs, by (response, variation, paragraph): see `follows`.
        self.bare = {
            (c.response, c.variation, c.paragraph): c for c in self.candidates if c.placeholder_only
        }
        self.candidates = [c for c in self.candidates if not c.placeholder_only]
        self.exact: dict[str, list[Candidate]] = {}
        for candidate in self.candidates:
            if candidate.pattern is None:
                self.exact.setdefault(candidate.text, []).append(candidate)

    def match(self, line: str) -> Match | None:
        found = self.matches(line)
        return found[0] if found else None

    def matches(self, line: str) -> list[Match]:
        """Every exact match (a sentence can open one response and continue another), whole
        responses and first paragraphs first; else the best fuzzy match; else none."""
        folded = fold(line)
        exact = self.exact.get(folded) or [
            c for c in self.candidates if c.pattern and c.pattern.match(folded)
        ]
        if exact:
            return sorted(
                (Match(c.response, c.variation, c.paragraph, c.paragraphs, 1.0) for c in exact),
                key=lambda m: m.paragraph,
            )
        best, best_score = None, self.threshold
        for candidate in self.candidates:
            matcher = SequenceMatcher(None, folded, candidate.text, autojunk=False)
            if matcher.real_quick_ratio() < best_score or matcher.quick_ratio() < best_score:
                continue
            score = matcher.ratio()
            if score >= best_score:
                best, best_score = candidate, score
        if best is None:
            return []
        return [Match(best.response, best.variation, best.paragraph, best.paragraphs, best_score)]

    def follows(self, previous: Match) -> Match | None:
        """The bare placeholder paragraph that comes after `previous`, or that `previous` is
        (a slot's value may run over several lines), for a line nothing else matched."""
        for paragraph in (previous.paragraph + 1, previous.paragraph):
            if (previous.response, previous.variation, paragraph) in self.bare:
                return Match(
                    previous.response, previous.variation, paragraph, previous.paragraphs, 1.0
                )
        return None


@dataclass
class BotTurn:
    """Consecutive bot lines that make up one response (or that nothing matched)."""

    response: str | None
    lines: list[str]
    where: str
    score: float = 1.0


def group_bot_lines(matcher: ResponseMatcher, lines: list[tuple[str, str]]) -> list[BotTurn]:
    """Groups (text, where) bot lines into turns, joining the paragraphs of one response."""
    turns: list[BotTurn] = []
    previous: list[Match] = []
    for text, where in lines:
        found = matcher.matches(text)
        continuing = [m for m in found if any(m.continues(p) for p in previous)]
        if not found:
            continuing = [m for p in previous if (m := matcher.follows(p)) is not None]
        if continuing and turns and turns[-1].response == continuing[0].response:
            turns[-1].lines.append(text)
            turns[-1].score = min(turns[-1].score, continuing[0].score)
            previous = continuing
            continue
        first = found[0] if found else None
        turns.append(
            BotTurn(first.response if first else None, [text], where, first.score if first else 0.0)
        )
        previous = found
    return turns
