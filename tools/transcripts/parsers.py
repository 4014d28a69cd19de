"""Reads conversations from plain-text transcripts, Rasa tracker JSON and the tracker store.

Everything is read and checked before anything is written, so a bad input stops the run
with a clear `TranscriptError` and leaves the project untouched.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

TEXT_SUFFIXES = (".txt", ".md", ".log")
SQLITE_MAGIC = b"SQLite format 3\x00"
# Plain text: at most this many problems are listed, so a wrong file is not a wall of text.
MAX_LISTED_ERRORS = 10

SPEAKERS = {"user": "user", "me": "user", "bot": "bot", "ember": "bot"}
# Optional timestamp ("[12:03]", "2024-05-01 12:03:11", "(9:15 pm)", "12:03 -"), then any
# number of ">" quote marks, then the speaker and a colon.
LINE = re.compile(
    r"""^\s*
    (?:[\[(]?\s*(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?
       (?:\s*[ap]\.?m\.?)?\s*[\])]?\s*-?\s*)?
    (?:>\s*)*
    (?P<speaker>[A-Za-z]+)\s*:\s?
    (?P<text>.*)$""",
    re.VERBOSE | re.IGNORECASE,
)
SEPARATOR = re.compile(r"^\s*-{3,}\s*$")


class TranscriptError(Exception):
    """An input that cannot be read; the message says what to fix."""


@dataclass
class Turn:
    role: str  # "user" or "bot"
    text: str
    where: str


@dataclass
class Conversation:
    """One conversation: turns (plain text) or Rasa events (trackers), never a sender id."""

    key: str
    where: str
    turns: list[Turn] = field(default_factory=list)
    events: list[dict[str, Any]] | None = None

    @property
    def from_tracker(self) -> bool:
        return self.events is not None


def short_hash(*parts: str) -> str:
    """Stable across runs and machines, and says nothing about who the sender was."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:8]


def read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TranscriptError(
            f"{path}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8 and try again"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise TranscriptError(f"{path}: the file is empty")
    return text


def parse_plain_text(text: str, name: str) -> list[Conversation]:
    """`user:` / `bot:` lines; a blank line or `---` ends a conversation; `#` lines are comments."""
    conversations: list[Conversation] = []
    errors: list[str] = []
    current: list[Turn] = []

    def close() -> None:
        if current:
            raw = "\n".join(f"{turn.role}:{turn.text}" for turn in current)
            conversations.append(
                Conversation(key=short_hash(raw), where=current[0].where, turns=list(current))
            )
            current.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or SEPARATOR.match(line):
            close()
            continue
        if line.lstrip().startswith("#"):
            continue
        match = LINE.match(line)
        speaker = SPEAKERS.get(match["speaker"].lower()) if match else None
        if speaker is None:
            errors.append(
                f"{name}:{number}: expected 'user:' or 'bot:' at the start, "
                f"got {line.strip()[:60]!r}"
            )
            continue
        message = match["text"].strip()
        if not message:
            errors.append(f"{name}:{number}: '{match['speaker']}:' with nothing after it")
            continue
        current.append(Turn(speaker, message, f"{name}:{number}"))
    close()

    if errors:
        listed = errors[:MAX_LISTED_ERRORS]
        more = len(errors) - len(listed)
        raise TranscriptError(
            "\n".join(listed + ([f"... and {more} more"] if more else []))
            + "\nEach line must be 'user: …' or 'bot: …' (see --help)."
        )
    if not conversations:
        raise TranscriptError(f"{name}: no conversations found (only comments or blank lines)")
    return conversations


def _tracker_conversation(tracker: Any, name: str) -> Conversation:
    if not isinstance(tracker, dict) or not isinstance(tracker.get("events"), list):
        raise TranscriptError(
            f"{name}: not a Rasa tracker (expected an object with an 'events' list, as "
            "GET /conversations/{id}/tracker returns)"
        )
    for index, event in enumerate(tracker["events"]):
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            raise TranscriptError(f"{name}: event {index} has no 'event' type")
    sender = str(tracker.get("sender_id") or json.dumps(tracker["events"][:3], sort_keys=True))
    key = short_hash(sender)
    return Conversation(key=key, where=f"tracker {key}", events=tracker["events"])


def parse_tracker_json(text: str, name: str) -> list[Conversation]:
    """One tracker, or a list of trackers, as Rasa's HTTP API returns them."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TranscriptError(
            f"{name}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    trackers = data if isinstance(data, list) else [data]
    if not trackers:
        raise TranscriptError(f"{name}: the list of trackers is empty")
    return [_tracker_conversation(tracker, name) for tracker in trackers]


def read_file(path: Path) -> list[Conversation]:
    if path.suffix.lower() == ".json":
        return parse_tracker_json(read_text(path), path.name)
    return parse_plain_text(read_text(path), path.name)


def read_folder(folder: Path) -> list[Conversation]:
    files = sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix.lower() in (".json", *TEXT_SUFFIXES)
    )
    if not files:
        raise TranscriptError(f"{folder}: no .json or .txt files in this folder")
    return [conversation for path in files for conversation in read_file(path)]


def is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def sqlite_url(path: Path) -> str:
    # Read-only: the export must never write to (or lock for writing) the live store.
    return f"sqlite:///file:{path.resolve()}?mode=ro&uri=true"


def store_url_from_endpoints(project: Path, endpoints: Path | None = None) -> str:
    """The tracker store an endpoints file (endpoints.yml by default) configures; `${VAR}`s
    are read from the environment, as the Rasa server reads them."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    endpoints = endpoints or project / "endpoints.yml"
    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None:
        raise TranscriptError(f"{endpoints} configures no tracker_store")
    settings = config.kwargs
    dialect = settings.get("dialect", "sqlite")
    if dialect == "sqlite":
        db = Path(settings.get("db", "rasa.db"))
        return str(db if db.is_absolute() else project / db)
    return str(
        SQLTrackerStore.get_db_url(
            dialect,
            config.url,
            settings.get("port"),
            settings.get("db", "rasa.db"),
            settings.get("username"),
            settings.get("password"),
            query=settings.get("query"),
        )
    )


def read_tracker_store(url: str, since: datetime | None = None) -> list[Conversation]:
    """Every conversation in a SQLTrackerStore's `events` table (those active since `since`)."""
    import sqlalchemy as sa

    def unreadable(error: Exception) -> TranscriptError:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return TranscriptError(f"cannot read the tracker store: {reason}")

    try:
        engine = sa.create_engine(url)
    except (sa.exc.SQLAlchemyError, ImportError) as error:
        raise unreadable(error) from None
    events = sa.table(
        "events",
        sa.column("id"),
        sa.column("sender_id"),
        sa.column("timestamp"),
        sa.column("data"),
    )
    query = sa.select(events.c.sender_id, events.c.timestamp, events.c.data).order_by(events.c.id)
    try:
        with engine.connect() as connection:
            rows = connection.execute(query).fetchall()
    except sa.exc.SQLAlchemyError as error:
        raise unreadable(error) from None
    finally:
        engine.dispose()

    by_sender: dict[str, list[dict[str, Any]]] = {}
    latest: dict[str, float] = {}
    for sender, timestamp, data in rows:
        try:
            by_sender.setdefault(sender, []).append(json.loads(data))
        except (TypeError, json.JSONDecodeError):
            raise TranscriptError(
                f"tracker {short_hash(sender)}: a stored event is not valid JSON"
            ) from None
        latest[sender] = max(latest.get(sender, 0.0), timestamp or 0.0)

    cutoff = since.replace(tzinfo=timezone.utc).timestamp() if since else None
    return [
        _tracker_conversation({"sender_id": sender, "events": events}, "tracker store")
        for sender, events in by_sender.items()
        if cutoff is None or latest[sender] >= cutoff
    ]


def source_name(spec: str) -> str:
    """A file-name-safe name for the outputs: the input's stem, or `tracker-store`."""
    if "://" in spec:
        return "tracker-store"
    path = Path(spec)
    stem = path.stem if path.is_file() else path.name
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug or "transcripts"


def read_source(spec: str | None, project: Path, since: datetime | None) -> list[Conversation]:
    """Reads FROM: a transcript or tracker file, a folder of them, a SQLite file or a SQL URL."""
    if not spec:
        spec = store_url_from_endpoints(project)
        if "://" not in spec and not Path(spec).exists():
            raise TranscriptError(
                f"no conversations stored yet ({spec} does not exist): talk to Ember first, "
                "or give FROM (see --help)"
            )
    if "://" in spec:
        return read_tracker_store(spec, since)
    path = Path(spec)
    if not path.exists():
        raise TranscriptError(f"{spec}: no such file or folder")
    if path.is_file() and is_sqlite_file(path):
        return read_tracker_store(sqlite_url(path), since)
    if since is not None:
        raise TranscriptError("SINCE/--since only applies to the tracker store")
    return read_folder(path) if path.is_dir() else read_file(path)


def parse_date(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise TranscriptError(f"--since {value!r}: expected a date like 2026-01-31") from None
