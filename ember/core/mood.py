"""Mood check-ins: reading an answer on the 1-5 scale, and a trend told without judgement.

A check-in is kept as {"at": ISO time (UTC), "score": 1-5, "word": optional one word why,
"timezone": the person's zone then}. The trend only describes; a falling run of check-ins is
flagged so that the action can gently offer professional help.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ember.core.clock import from_iso, local_date

SCALE = {1: "very low", 2: "low", 3: "okay", 4: "good", 5: "really good"}
TREND_DAYS = 14
# At least this many check-ins, each no higher than the one before, ending lower than they
# started: a fall that deserves a gentle word about professional help.
FALLING_RUN = 3
MAX_WORD_CHARS = 40

# Longest phrases first, so "not good" is read before "good" and "really good" before it.
_WORDS = [
    ("not bad", 3),
    ("not great", 2),
    ("not good", 2),
    ("not okay", 2),
    ("not ok", 2),
    ("really good", 5),
    ("very good", 5),
    ("really low", 1),
    ("very low", 1),
    ("pretty good", 4),
    ("pretty low", 2),
    ("so so", 3),
    ("so-so", 3),
    ("terrible", 1),
    ("awful", 1),
    ("horrible", 1),
    ("worst", 1),
    ("amazing", 5),
    ("great", 5),
    ("wonderful", 5),
    ("fantastic", 5),
    ("good", 4),
    ("better", 4),
    ("fine", 3),
    ("okay", 3),
    ("ok", 3),
    ("alright", 3),
    ("meh", 3),
    ("bad", 2),
    ("low", 2),
    ("rough", 2),
    ("sad", 2),
]
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_DIGIT = re.compile(r"(?<![\d.])([1-5])(?![\d.])(?:\s*(?:/|out of)\s*5)?")


def score_from_text(text: Any) -> int | None:
    """The 1-5 score in a typed or button answer ("3", "a 2 today", "four", "pretty low")."""
    if not isinstance(text, str):
        return None
    lowered = text.lower()
    match = _DIGIT.search(lowered)
    if match:
        return int(match.group(1))
    words = re.findall(r"[a-z]+", lowered)
    for word in words:
        if word in _NUMBERS:
            return _NUMBERS[word]
    padded = " " + " ".join(words) + " "
    for phrase, score in _WORDS:
        if f" {phrase.replace('-', ' ')} " in padded:
            return score
    return None


def one_word(text: Any) -> str | None:
    """The reason they gave, kept short; None when they skipped it."""
    if not isinstance(text, str):
        return None
    cleaned = " ".join(text.split()).strip(" .,!")
    if not cleaned or cleaned.startswith("/") or cleaned.lower() in {"skip", "no", "nope", "pass"}:
        return None
    if len(cleaned) > MAX_WORD_CHARS:
        cleaned = cleaned[:MAX_WORD_CHARS].rsplit(" ", 1)[0] + "…"
    return cleaned


def checkin(score: int, at: str, zone_key: str, word: str | None) -> dict[str, Any]:
    return {"at": at, "score": score, "word": word, "timezone": zone_key}


def recent(checkins: Sequence[dict[str, Any]], now: datetime, days: int = TREND_DAYS) -> list:
    """Valid check-ins from the last `days` days, oldest first."""
    since = now - timedelta(days=days)
    kept = []
    for entry in checkins or []:
        at = from_iso(str(entry.get("at", "")))
        score = entry.get("score")
        if at is not None and isinstance(score, int) and 1 <= score <= 5 and since <= at <= now:
            kept.append({**entry, "at": at})
    return sorted(kept, key=lambda entry: entry["at"])


def falling(checkins: Sequence[dict[str, Any]], now: datetime) -> bool:
    scores = [entry["score"] for entry in recent(checkins, now)][-FALLING_RUN:]
    if len(scores) < FALLING_RUN:
        return False
    return all(a >= b for a, b in zip(scores, scores[1:], strict=False)) and scores[-1] < scores[0]


def _label(score: int) -> str:
    return f"{score} ({SCALE[score]})"


def _mostly(scores: list[int]) -> int:
    counts = Counter(scores)
    top = max(counts.values())
    # A tie goes to the most recent of the tied scores: it says more about now.
    return next(score for score in reversed(scores) if counts[score] == top)


def _direction(scores: list[int]) -> str:
    if len(scores) < 3:
        return ""
    last_two, before = scores[-2:], scores[:-2]
    change = sum(last_two) / 2 - sum(before) / len(before)
    if change >= 0.5:
        return ", better on the last two"
    if change <= -0.5:
        return ", lower on the last two"
    return ", about the same throughout"


def trend_summary(checkins: Sequence[dict[str, Any]], now: datetime, zone_key: str) -> str:
    """ "Last 14 days: 5 check-ins, mostly 2 (low), better on the last two." and one line per
    check-in; the text alternative to the web chat's chart, too."""
    entries = recent(checkins, now)
    if not entries:
        return f"No check-ins in the last {TREND_DAYS} days yet."
    scores = [entry["score"] for entry in entries]
    count = "1 check-in" if len(scores) == 1 else f"{len(scores)} check-ins"
    head = f"Last {TREND_DAYS} days: {count}, "
    head += f"mostly {_label(_mostly(scores))}" if len(scores) > 1 else _label(scores[0])
    lines = [head + _direction(scores) + "."]
    for entry in entries:
        day = local_date(entry["at"], zone_key).strftime("%a %d %b")
        word = f", {entry['word']}" if entry.get("word") else ""
        lines.append(f"{day}: {_label(entry['score'])}{word}")
    return "\n".join(lines)


def chart_points(
    checkins: Sequence[dict[str, Any]], now: datetime, zone_key: str
) -> list[dict[str, Any]]:
    """The points the web chat draws: local date, score, and the word, oldest first."""
    return [
        {
            "date": local_date(entry["at"], zone_key).isoformat(),
            "score": entry["score"],
            "word": entry.get("word"),
        }
        for entry in recent(checkins, now)
    ]
