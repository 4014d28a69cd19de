"""Everything Ember kept for a person, as they can read it back or take it with them.

Built from the conversation's slots (the tracker store, as "show me what I wrote" is), and
nothing else: reflection answers by reflection and date, the boundary and its day count, the
mood check-ins and the safety plan. Rendered as plain text (the shell, REST) or Markdown (the
web chat's download and printable page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ember.core import boundaries, mood
from ember.core.clock import day_number, from_iso, local_date

# Every answer a reflection keeps, in the order the reflections ask for them, with the
# heading each answer is shown under when a person asks to see what they wrote.
REFLECTION_SLOTS = {
    "Your acceptance reflection": {
        "hardest_part": "The hardest part",
        "outside_control": "Outside your control",
        "within_reach": "Within your reach",
        "letting_go": "What you'd like to hold more lightly",
    },
    "Your self-love reflection": {
        "kind_words": "What you'd tell a dear friend",
        "own_qualities": "What you value in yourself",
        "unmet_need": "What you can begin giving yourself",
        "care_act": "Your act of care",
    },
    "Your boundary reflection": {
        "pull_trigger": "What pulls you back",
        "boundary_rule": "Your boundary",
        "boundary_duration": "For how long",
        "urge_plan": "When the urge comes",
    },
    "Your safety plan": {
        "warning_signs": "Warning signs",
        "coping_alone": "Things I can do on my own",
        "distractions": "People and places that help",
        "people_to_call": "People I can ask for help",
        "professionals": "Professionals and crisis lines",
        "safe_space_step": "Making my space safer",
    },
}


def reflections_summary(slots: Mapping[str, Any]) -> str | None:
    """The person's own answers as readable sections, or None when they have written none.

    Sections are separated by a blank line (one message each over REST); answers within a
    section by single line breaks.
    """
    sections = []
    for title, headings in REFLECTION_SLOTS.items():
        lines = [
            f"{heading}: {slots[slot]}" for slot, heading in headings.items() if slots.get(slot)
        ]
        if lines:
            sections.append("\n".join([title, *lines]))
    return "\n\n".join(sections) or None


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)


def _long_date(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def boundary_lines(slots: Mapping[str, Any], progress: Any, today: date) -> list[str]:
    """The boundary in their words, its day count, slips and plan for the urge."""
    lines = []
    if slots.get("boundary_rule"):
        lines.append(f"Your boundary: {slots['boundary_rule']}")
    start = boundaries.start_date(progress if isinstance(progress, dict) else None)
    if start is not None:
        day = boundaries.day_label(day_number(start, today), progress.get("days"))
        lines.append(f"Today is {day}, counted from {_long_date(start)}")
        slips = [date.fromisoformat(s) for s in progress.get("slips", []) if _is_date(s)]
        if slips:
            lines.append("Slips, met kindly: " + ", ".join(_long_date(s) for s in slips))
    elif slots.get("boundary_duration"):
        lines.append(f"For how long: {slots['boundary_duration']}")
    if slots.get("urge_plan"):
        lines.append(f"When the urge comes: {slots['urge_plan']}")
    return lines


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def sections(
    slots: Mapping[str, Any],
    dated: Mapping[str, datetime],
    now: datetime,
    zone_key: str,
) -> list[Section]:
    """The journal's sections; `dated` gives when each reflection was last answered."""
    today = local_date(now, zone_key)
    result = []
    for title, headings in REFLECTION_SLOTS.items():
        if title == "Your boundary reflection":
            trigger = slots.get("pull_trigger")
            lines = [f"{headings['pull_trigger']}: {trigger}"] if trigger else []
            lines += boundary_lines(slots, slots.get("boundary_progress"), today)
        else:
            lines = [f"{heading}: {slots[s]}" for s, heading in headings.items() if slots.get(s)]
        if lines:
            when = dated.get(title)
            suffix = f" ({_long_date(local_date(when, zone_key))})" if when else ""
            result.append(Section(title + suffix, lines))
    checkins = [
        entry for entry in slots.get("mood_checkins") or [] if from_iso(str(entry.get("at")))
    ]
    if checkins:
        lines = []
        for entry in sorted(checkins, key=lambda e: str(e.get("at"))):
            day = local_date(from_iso(str(entry["at"])), zone_key)  # type: ignore[arg-type]
            score = entry.get("score")
            if isinstance(score, int) and score in mood.SCALE:
                word = f", {entry['word']}" if entry.get("word") else ""
                lines.append(f"{_long_date(day)}: {score} ({mood.SCALE[score]}){word}")
        if lines:
            result.append(Section("Your mood check-ins", lines))
    return result


def as_text(parts: list[Section], now: datetime, zone_key: str) -> str:
    head = f"Your Ember journal, {_long_date(local_date(now, zone_key))}"
    return "\n\n".join([head, *("\n".join([p.title, *p.lines]) for p in parts)])


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def _escaped(text: str) -> str:
    """Their words shown as they wrote them, never read as Markdown or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def as_markdown(parts: list[Section], now: datetime, zone_key: str) -> str:
    lines = ["# My Ember journal", "", f"Exported {_long_date(local_date(now, zone_key))}."]
    for part in parts:
        lines += ["", f"## {_escaped(part.title)}", ""]
        lines += [f"- {_escaped(line)}" for line in part.lines]
    lines += [
        "",
        "Written by you with Ember, an AI companion. Only you have this copy.",
        "",
    ]
    return "\n".join(lines)
