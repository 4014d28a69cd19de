"""Pure helpers for the free-text answers people give in the guided reflections."""

from __future__ import annotations

import re
import unicodedata

# Long enough for a heartfelt paragraph, short enough to mirror back on a phone screen.
MAX_REFLECTION_CHARS = 1200
_WHITESPACE = re.compile(r"\s+")


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
