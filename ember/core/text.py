"""The one plain form of a message that word patterns are matched against, and the part
of a very long message that is read at all."""

from __future__ import annotations

import re
import unicodedata


def fold_words(text: str) -> str:
    """Lower case, accents and apostrophes dropped, anything but letters and digits a space:
    "I'm  NOT sure…" -> "i m not sure"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    plain = re.sub(r"[\u2019'`´]", " ", plain)
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", plain).split())


# Reading costs time on the server's event loop in proportion to the length: a pasted
# megabyte would stall every conversation on that worker for seconds. Nothing a person
# types in one message comes near this; a long paste keeps its start, where people say what
# it is, and its end, where goodbye notes and requests for help tend to be.
READ_HEAD_CHARACTERS = 8_000
READ_TAIL_CHARACTERS = 2_000


def bounded(text: str) -> str:
    """The part of a message that the NLU and the safety net read: all of it, unless it is
    longer than READ_HEAD_CHARACTERS + READ_TAIL_CHARACTERS."""
    if len(text) <= READ_HEAD_CHARACTERS + READ_TAIL_CHARACTERS:
        return text
    return f"{text[:READ_HEAD_CHARACTERS]}\n…\n{text[-READ_TAIL_CHARACTERS:]}"


# About a page and a half of writing: longer than nearly any single chat message, and than
# every example the classifier learned from. Such a message is asked for in smaller pieces.
MAX_MESSAGE_CHARACTERS = 4000


def too_long(text: str) -> bool:
    return len(text.strip()) > MAX_MESSAGE_CHARACTERS
