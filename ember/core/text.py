"""The one plain form of a message that word patterns are matched against."""

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
