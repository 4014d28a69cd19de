"""The one place that loads, validates and renders crisis, abuse and support contacts.

The contacts come from the project's copy, resources/helplines.yml (with a source and the
date each entry was checked); `make helplines` refreshes it from ../shared/resources when
that exists, and a test fails while the two differ. They are rendered into plain domain
responses so that a crisis reply never depends on the action server being up.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ember.core.project import PROJECT_ROOT

DEFAULT_SOURCE = PROJECT_ROOT / "resources" / "helplines.yml"
# The team's shared, reviewed list; the project's copy must match it wherever it exists.
SHARED_SOURCE = PROJECT_ROOT.parent / "shared" / "resources" / "helplines.yml"
MAX_AGE_DAYS = 365
CONTACT_FIELDS = ("phone", "alt_phone", "text", "chat", "url", "email")

COUNTRY_NAMES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "AU": "Australia",
    "NZ": "New Zealand",
    "IN": "India",
    "DE": "Germany",
    "FR": "France",
}


class HelplineDataError(ValueError):
    """The helplines file is missing, malformed or out of date."""


@dataclass(frozen=True)
class Line:
    name: str
    contacts: dict[str, str]
    source: str
    checked: dt.date
    hours: str | None = None
    # Who the line is for, as the service says ("for women and their families").
    note: str | None = None


@dataclass(frozen=True)
class Country:
    code: str
    emergency: str
    crisis: list[Line] = field(default_factory=list)
    abuse: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class Helplines:
    international: list[Line]
    countries: dict[str, Country]


def source_path() -> Path:
    """Where the contacts are read from: EMBER_HELPLINES, else the project's copy."""
    return Path(os.environ.get("EMBER_HELPLINES", DEFAULT_SOURCE))


def _as_date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise HelplineDataError(f"{where}: 'checked' is not a date: {value!r}") from error


def _parse_line(raw: object, where: str, today: dt.date) -> Line:
    if not isinstance(raw, dict):
        raise HelplineDataError(f"{where}: expected a mapping, got {type(raw).__name__}")
    name = raw.get("name")
    if not name:
        raise HelplineDataError(f"{where}: an entry has no name")
    where = f"{where} '{name}'"
    contacts = {key: str(raw[key]) for key in CONTACT_FIELDS if raw.get(key)}
    if not contacts:
        raise HelplineDataError(f"{where}: no phone, text, chat, url or email")
    if not raw.get("source"):
        raise HelplineDataError(f"{where}: no source URL")
    if "checked" not in raw:
        raise HelplineDataError(f"{where}: no 'checked' date")
    checked = _as_date(raw["checked"], where)
    age = (today - checked).days
    if age > MAX_AGE_DAYS:
        raise HelplineDataError(
            f"{where}: checked {checked}, {age} days ago; re-check it (limit {MAX_AGE_DAYS})"
        )
    return Line(
        name=str(name),
        contacts=contacts,
        source=str(raw["source"]),
        checked=checked,
        hours=str(raw["hours"]) if raw.get("hours") else None,
        note=str(raw["note"]) if raw.get("note") else None,
    )


def parse(data: object, today: dt.date | None = None) -> Helplines:
    """Validates raw helplines data; raises HelplineDataError naming the bad entry."""
    today = today or dt.date.today()
    if not isinstance(data, dict):
        raise HelplineDataError("helplines data must be a mapping")
    international = [
        _parse_line(raw, "international", today) for raw in data.get("international") or []
    ]
    if not international:
        raise HelplineDataError("no international directories: needed when the country is unknown")
    countries = {}
    for code, raw in (data.get("countries") or {}).items():
        if not isinstance(raw, dict):
            raise HelplineDataError(f"{code}: expected a mapping")
        where = f"countries.{code}"
        if not raw.get("emergency"):
            raise HelplineDataError(f"{where}: no emergency number")
        crisis = [_parse_line(line, f"{where}.crisis", today) for line in raw.get("crisis") or []]
        if not crisis:
            raise HelplineDataError(f"{where}: no crisis line")
        abuse = [_parse_line(line, f"{where}.abuse", today) for line in raw.get("abuse") or []]
        countries[str(code)] = Country(str(code), str(raw["emergency"]), crisis, abuse)
    return Helplines(international=international, countries=countries)


def load(path: Path | None = None, today: dt.date | None = None) -> Helplines:
    path = path or source_path()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise HelplineDataError(f"cannot read helplines file {path}: {error}") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise HelplineDataError(f"{path} is not valid YAML: {error}") from error
    return parse(data, today)


def describe_line(line: Line) -> str:
    """One readable bullet: name, then how to reach it."""
    parts = []
    contacts = line.contacts
    if "phone" in contacts:
        phone = f"call {contacts['phone']}"
        if "alt_phone" in contacts:
            phone += f" or {contacts['alt_phone']}"
        parts.append(phone)
    if "text" in contacts:
        parts.append(f"text {contacts['text']}")
    if "chat" in contacts:
        parts.append(f"chat at {contacts['chat']}")
    if "email" in contacts:
        parts.append(f"email {contacts['email']}")
    if "url" in contacts:
        parts.append(contacts["url"])
    hours = f" ({line.hours})" if line.hours else ""
    return f"• {line.name}: {', '.join(parts)}{hours}"


def describe_line_with_note(line: Line) -> str:
    """The bullet, and who the line is for: several abuse lines serve women only."""
    return describe_line(line) + (f". {line.note[0].upper()}{line.note[1:]}." if line.note else "")


def _bullets(lines: list[Line]) -> str:
    return "\n".join(describe_line(line) for line in lines)


def country_buttons(helplines: Helplines) -> list[dict[str, str]]:
    buttons = [
        {
            "title": COUNTRY_NAMES.get(code, code),
            "payload": f'/inform_country{{"country":"{code}"}}',
        }
        for code in helplines.countries
    ]
    buttons.append(
        {"title": "Somewhere else", "payload": f'/inform_country{{"country":"{ELSEWHERE}"}}'}
    )
    return buttons


# The value the "Somewhere else" button sets, and what a country Ember has no lines for reads as.
ELSEWHERE = "other"


def _variation(text: str, code: str | None = None, buttons=None) -> dict:
    variation: dict = {}
    if code:
        variation["condition"] = [{"type": "slot", "name": "country", "value": code}]
    variation["text"] = text
    if buttons:
        variation["buttons"] = buttons
    return variation


CRISIS_OPENING = (
    "I'm really glad you told me. What you're carrying right now sounds unbearably heavy, "
    "and you deserve to have a real person with you in it."
)
CRISIS_CLOSING = (
    "You don't have to decide anything tonight except to reach out. "
    "I'm still here and I'll stay with you while you do."
)
SAFETY_QUESTION = (
    "I'd like to ask you something directly, because it matters: "
    "are you having thoughts of ending your life?"
)
SAFETY_ANSWERS = [
    {"title": "Yes, I am", "payload": "/affirm"},
    {"title": "No, I'm safe", "payload": "/deny"},
]
ABUSE_OPENING = (
    "Thank you for telling me. What you're describing is not okay, and it is not a lesson "
    "you're meant to learn or a test of your bond. You deserve to be safe."
)
ABUSE_CLOSING = (
    "You don't have to decide anything right now. If you want to keep talking, I'm here."
)
# For a country without entries: never ask again (that loops), point to what works anywhere.
ELSEWHERE_NOTE = (
    "I don't have numbers for where you are yet, so here are directories that list free, "
    "confidential lines country by country:"
)
ASK_WHERE = "If you tell me where you are, I can show the numbers for your country."
PROFESSIONALS_QUESTION = (
    "Step 5 of 6. Now the people whose work this is. These lines are there any hour, and "
    "I've put them in your plan:"
)
PROFESSIONALS_ASK = (
    "Is there a professional you'd add: a doctor, therapist, counsellor or a service you "
    "already know? Write their name, or 'just these'."
)


def render_responses(helplines: Helplines) -> dict[str, list[dict]]:
    """Country-conditional crisis, abuse and support-contact responses for the domain."""
    directories = _bullets(helplines.international)
    buttons = country_buttons(helplines)
    crisis, abuse, contacts, safety_question, professionals = [], [], [], [], []
    for code, country in helplines.countries.items():
        professionals.append(
            _variation(
                f"{PROFESSIONALS_QUESTION}\n{_bullets(country.crisis)}\nIn an emergency, call "
                f"{country.emergency}.\n\n{PROFESSIONALS_ASK}",
                code,
            )
        )
        emergency = (
            f"If you might act on these thoughts, or you are in danger right now, "
            f"call {country.emergency} (emergency services)."
        )
        crisis.append(
            _variation(
                f"{CRISIS_OPENING}\n\n{emergency}\n\nYou can talk to someone now, "
                f"free and confidential:\n{_bullets(country.crisis)}\n\n{CRISIS_CLOSING}",
                code,
            )
        )
        abuse_lines = country.abuse or []
        abuse_bullets = "\n".join(describe_line_with_note(line) for line in abuse_lines)
        abuse_help = (
            f"People who support those in abusive relationships:\n{abuse_bullets}"
            if abuse_lines
            else f"To find a local domestic-abuse service:\n{directories}"
        )
        abuse.append(
            _variation(
                f"{ABUSE_OPENING}\n\nIf you are in danger right now, call {country.emergency}."
                f"\n\n{abuse_help}\n\n{ABUSE_CLOSING}",
                code,
            )
        )
        contacts.append(
            _variation(
                f"Support in {COUNTRY_NAMES.get(code, code)}:\n{_bullets(country.crisis)}\n"
                f"In an emergency, call {country.emergency}.",
                code,
            )
        )
        safety_question.append(
            _variation(
                f"{SAFETY_QUESTION}\n\nIf you are, you don't have to hold them alone. "
                f"You can reach someone now:\n{_bullets(country.crisis)}\n"
                f"If you are in danger, call {country.emergency}.",
                code,
                buttons=SAFETY_ANSWERS,
            )
        )
    local = "call your local emergency number"
    # Two variations without numbers: "somewhere else" (never asked again: it would loop) and
    # a country not known yet (asked, with the country buttons).
    elsewhere = f"{ELSEWHERE_NOTE}\n{directories}"
    unknown: list[tuple[str | None, dict[str, str], list | None]] = [
        (
            ELSEWHERE,
            {"crisis": elsewhere, "abuse": elsewhere, "support": elsewhere, "ask": ""},
            None,
        ),
        (
            None,
            {
                "crisis": f"These directories list free, confidential crisis lines in your "
                f"country:\n{directories}",
                "abuse": f"These directories can point you to support where you live:\n"
                f"{directories}",
                "support": f"These directories list free, confidential support lines in your "
                f"country:\n{directories}",
                "ask": f"\n\n{ASK_WHERE}",
            },
            buttons,
        ),
    ]
    for condition, lines, country_buttons_or_none in unknown:
        crisis.append(
            _variation(
                f"{CRISIS_OPENING}\n\nIf you might act on these thoughts, or you are in danger "
                f"right now, {local}.\n\n{lines['crisis']}\n\n{CRISIS_CLOSING}{lines['ask']}",
                condition,
                buttons=country_buttons_or_none,
            )
        )
        abuse.append(
            _variation(
                f"{ABUSE_OPENING}\n\nIf you are in danger right now, {local}.\n\n"
                f"{lines['abuse']}\n\n{ABUSE_CLOSING}{lines['ask']}",
                condition,
                buttons=country_buttons_or_none,
            )
        )
        contacts.append(
            _variation(
                f"{lines['support']}\nIn an emergency, {local}.{lines['ask']}",
                condition,
                buttons=country_buttons_or_none,
            )
        )
        safety_question.append(
            _variation(
                f"{SAFETY_QUESTION}\n\nIf you are, you don't have to hold them alone. "
                f"{lines['crisis']}\nIf you are in danger, {local}.",
                condition,
                buttons=SAFETY_ANSWERS,
            )
        )
        professionals.append(
            _variation(
                f"{PROFESSIONALS_QUESTION}\n{directories}\nIn an emergency, {local}.\n\n"
                f"{PROFESSIONALS_ASK}",
                condition,
            )
        )
    return {
        "utter_crisis": crisis,
        "utter_abuse": abuse,
        "utter_support_contacts": contacts,
        "utter_safety_question": safety_question,
        "utter_ask_safety_plan_form_professionals": professionals,
    }
