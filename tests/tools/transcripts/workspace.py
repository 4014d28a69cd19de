"""A throwaway copy of the project for commands that write into it (never the repo's data/)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from tests.helpers import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "transcripts"
SENDERS = ("fixture-person-1", "fixture-person-2")  # in trackers.json
COPIED = (
    "domain",
    "config.yml",
    "endpoints.yml",
    "credentials.yml",
    "data",
    "actions",
    "ember",
    "tools",
    "tests/nlu",
    "tests/safety",
)


def written(project: Path) -> str:
    """Everything the command writes: imported stories and examples, and the reports."""
    paths = [
        *(project / "data" / "stories" / "imported").glob("*.yml"),
        project / "data" / "nlu" / "imported.yml",
        *(project / "reports" / "imported").glob("*.md"),
    ]
    return "\n".join(path.read_text(encoding="utf-8") for path in paths if path.exists())


def copy_project(destination: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for relative in COPIED:
        source, target = PROJECT_ROOT / relative, destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            shutil.copy2(source, target)
    return destination


def snapshot(project: Path) -> dict[str, bytes]:
    """Every file under data/ and reports/, to show a failed run changed nothing."""
    return {
        str(path.relative_to(project)): path.read_bytes()
        for folder in ("data", "reports")
        if (project / folder).exists()
        for path in sorted((project / folder).rglob("*"))
        if path.is_file()
    }


def write_store(path: Path) -> Path:
    """A tracker store with the fixture trackers, in the `events` table SQLTrackerStore uses."""
    trackers = json.loads((FIXTURES / "trackers.json").read_text(encoding="utf-8"))
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
        for tracker in trackers:
            for event in tracker["events"]:
                db.execute(
                    "INSERT INTO events (sender_id, type_name, timestamp, data) "
                    "VALUES (?, ?, ?, ?)",
                    (tracker["sender_id"], event["event"], event["timestamp"], json.dumps(event)),
                )
    return path
