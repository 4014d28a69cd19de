"""Replaces personal data with placeholders before anything is written or shown.

Emails, URLs, @handles and phone numbers are found by their shape. Names are found two
ways: a list of first names (names.txt, replaced in any case) and a heuristic for the rest
(a capitalised word that does not start a sentence and is not a word the project already
knows from its training data and responses). The heuristic prefers replacing too much: a
reviewer can put a word back, but cannot unpublish a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from ember.core.project import load_domain

NAMES_FILE = Path(__file__).with_name("names.txt")
PLACEHOLDERS = re.compile(r"\[(?:email|url|handle|phone|name)\]")

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
URL = re.compile(
    r"""(?:https?://|www\.)[^\s<>"']*[^\s<>"'.,!?)]
    |\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|uk|de|fr|ie|au|nz|ca|us|me|app|ly|gg|tv|info)
       \b(?:/[^\s<>"']*[^\s<>"'.,!?)])?""",
    re.IGNORECASE | re.VERBOSE,
)
HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
# International and national formats: +44 20 7946 0958, 0044..., (555) 123-4567, 0871-555-0199.
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d(?:[\s().-]{0,2}\d){6,14}(?!\w)")
DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")
CAPITALISED = re.compile(r"\b[A-Z][a-zà-öø-ÿ]+\b")
SENTENCE_END = re.compile(r"""(?:^|[.!?…:;\n]\s*|^\s*)["'“‘(\[]*\s*$""")
WORD = re.compile(r"[a-zà-öø-ÿ]+(?:'[a-z]+)?")

# Capitalised words that are not names even when the training data never uses them.
ALWAYS_KNOWN = {
    "i",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "ok",
    "okay",
    "god",
    "lord",
    "universe",
    "ember",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "christmas",
    "easter",
    "valentine",
    "instagram",
    "insta",
    "facebook",
    "whatsapp",
    "tiktok",
    "snapchat",
    "twitter",
    "telegram",
    "messenger",
    "tinder",
    "hinge",
    "bumble",
    "spotify",
    "youtube",
    "google",
    "iphone",
    "android",
    "english",
    "reddit",
    "discord",
    "linkedin",
    "signal",
}


def load_names(path: Path = NAMES_FILE) -> set[str]:
    return {
        line.strip().lower()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }


def known_words(project: Path) -> set[str]:
    """Words the project itself uses: NLU examples, lookup tables and every response."""
    words = set(ALWAYS_KNOWN)
    texts: list[str] = []
    for path in sorted((project / "data" / "nlu").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            texts.append(str(block.get("examples", "")))
    domain = load_domain(project / "domain")
    for variations in (domain.get("responses") or {}).values():
        texts += [str(variation.get("text", "")) for variation in variations]
    for text in texts:
        words.update(WORD.findall(text.lower()))
    return words - load_names()


class Scrubber:
    def __init__(self, known: Iterable[str], names: Iterable[str] | None = None):
        self.known = {word.lower() for word in known}
        names = sorted(load_names() if names is None else names, key=len, reverse=True)
        self.names = (
            re.compile(
                r"\b(?:" + "|".join(re.escape(name) for name in names) + r")\b", re.IGNORECASE
            )
            if names
            else None
        )

    def __call__(self, text: str) -> str:
        text = EMAIL.sub("[email]", text)
        text = URL.sub("[url]", text)
        text = HANDLE.sub("[handle]", text)
        text = PHONE.sub(self._phone, text)
        if self.names:
            text = self.names.sub("[name]", text)
        return CAPITALISED.sub(self._capitalised, text)

    @staticmethod
    def _phone(match: re.Match) -> str:
        number = match.group(0)
        digits = sum(character.isdigit() for character in number)
        if digits < 7 or DATE.match(number.strip()):
            return number
        return "[phone]"

    def _capitalised(self, match: re.Match) -> str:
        word = match.group(0)
        if word.lower() in self.known:
            return word
        if SENTENCE_END.search(match.string[: match.start()]):
            return word
        return "[name]"
