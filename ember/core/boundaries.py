"""A boundary followed day by day: how long it is meant to last, and which day it is.

Progress is kept as {"start": local ISO date, "days": length or None (open-ended),
"timezone": zone at the start, "set_at": ISO time, "slips": [local ISO dates]}. Only the
person restarts the count; a slip is recorded, never a reset.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

_UNITS = {"day": 1, "night": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365}
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "twenty": 20,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
    "hundred": 100,
}
_DURATION = re.compile(
    r"(?:(\d{1,3})|\b(" + "|".join(_NUMBERS) + r"))?\s*-?\s*"
    r"\b(day|night|week|fortnight|month|year)s?\b"
)
MAX_DAYS = 3 * 365


def duration_days(text: Any) -> int | None:
    """Days in "30 days", "two weeks", "a month", "90-day"; None when open-ended or unclear."""
    if not isinstance(text, str):
        return None
    match = _DURATION.search(text.lower())
    if not match:
        return None
    digits, word, unit = match.groups()
    count = int(digits) if digits else _NUMBERS.get(word or "", 1)
    days = count * _UNITS[unit]
    return days if 0 < days <= MAX_DAYS else None


def started(start: date, days: int | None, zone_key: str, set_at: str) -> dict[str, Any]:
    """`set_at` (ISO time) tells which visit set it, for people who chose not to be remembered."""
    return {
        "start": start.isoformat(),
        "days": days,
        "timezone": zone_key,
        "set_at": set_at,
        "slips": [],
    }


def start_date(progress: dict[str, Any] | None) -> date | None:
    try:
        return date.fromisoformat(str((progress or {}).get("start")))
    except ValueError:
        return None


def day_label(day: int, days: int | None) -> str:
    """ "day 12 of 30", "day 31 (your 30 days are behind you)", or "day 12" when open-ended."""
    if not days:
        return f"day {day}"
    if day > days:
        return f"day {day} (your {days} days are behind you)"
    return f"day {day} of {days}"


def with_slip(progress: dict[str, Any], on: date) -> dict[str, Any]:
    return {**progress, "slips": [*progress.get("slips", []), on.isoformat()]}


def restarted(progress: dict[str, Any], on: date) -> dict[str, Any]:
    """A new count from today, chosen by the person; earlier slips stay in their journal."""
    return {**progress, "start": on.isoformat()}
