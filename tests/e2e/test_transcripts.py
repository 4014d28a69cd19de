"""Round trip: talk to Ember over REST, export the conversation from the tracker store with
`python -m tools.transcripts`, validate, retrain (the one extra model make test trains) and
replay the generated story with `rasa test core --fail-on-prediction-errors`.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid

import pytest

from tests.helpers import PROJECT_ROOT
from tests.tools.transcripts.workspace import copy_project, written

pytestmark = pytest.mark.e2e

RASA = [sys.executable, "-m", "ember.server"]
CONVERSATION = [
    "hi",
    "she blocked me everywhere",
    "/request_acceptance",
    "the silence after everything we shared, Sarah was my whole world",
    "her choices and her timing",
    "my sleep and my friends",
    "the hope that she writes tomorrow",
    "im in the uk",
    "thank you",
]


def run(command: list[str], cwd, timeout: int = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    output = (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, f"{command[:4]} failed:\n{output}"
    return result


def test_a_real_conversation_becomes_a_story_the_retrained_model_replays(ember, tmp_path):
    me, someone_in_crisis = f"e2e-{uuid.uuid4().hex[:12]}", f"e2e-{uuid.uuid4().hex[:12]}"
    for message in CONVERSATION:
        assert ember.say(me, message), f"no reply to {message!r}"
    assert ember.say(someone_in_crisis, "i want to kill myself")

    # Other end-to-end tests share this store: export only the two conversations held here.
    store = tmp_path / "ember.db"
    # The backup API, not a file copy: the latest turns may still be in the write-ahead log.
    with sqlite3.connect(ember.db) as live, sqlite3.connect(store) as copy:
        live.backup(copy)
    with sqlite3.connect(store) as db:
        db.execute("DELETE FROM events WHERE sender_id NOT IN (?, ?)", (me, someone_in_crisis))
    project = copy_project(tmp_path / "project")

    exported = run(
        [
            sys.executable,
            "-m",
            "tools.transcripts",
            str(store),
            "--project",
            str(project),
            "--name",
            "round-trip",
        ],
        cwd=PROJECT_ROOT,
    )
    assert "1 new story" in exported.stdout and "1 skipped (crisis or abuse)" in exported.stdout
    story = project / "data" / "stories" / "imported" / "round-trip.yml"
    content = story.read_text()
    assert "- active_loop: acceptance_form" in content and "- action: utter_crisis" not in content
    output = written(project)
    assert me not in output and someone_in_crisis not in output and "Sarah" not in output

    run([sys.executable, "-m", "tools.validate"], cwd=project)
    run(
        [
            *RASA,
            "train",
            "--domain",
            "domain",
            "--out",
            str(tmp_path / "models"),
            "--fixed-model-name",
            "ember",
        ],
        cwd=project,
        timeout=900,
    )
    run(
        [
            *RASA,
            "test",
            "core",
            "--stories",
            str(story),
            "-m",
            str(tmp_path / "models" / "ember.tar.gz"),
            "--out",
            str(tmp_path / "results"),
            "--fail-on-prediction-errors",
            "--no-plot",
        ],
        cwd=project,
    )
