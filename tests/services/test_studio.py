"""The review studio over a tracker store holding the fixture trackers: its password, what it
shows and hides, the inbox filters, and the save path with its undo.

With the real assistant and a browser: tests/browser/test_studio.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.helpers import PROJECT_ROOT
from tests.servers import STUDIO_PASSWORD, STUDIO_USER, start, studio_server
from tests.tools.transcripts.workspace import copy_project, snapshot, write_store
from tools.serve import DEFAULT_MODEL
from tools.transcripts.parsers import Conversation, sqlite_url
from tools.transcripts.review import ReviewError, Studio, matches

AUTH = (STUDIO_USER, STUDIO_PASSWORD)
WRITE = {"X-Ember-Studio": "1"}
# What the fixture conversations say that must never be shown: reflection answers and a crisis.
NEVER_SHOWN = ("Sarah", "my whole world", "her choices", "the hope that she writes", "kill myself")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    folder = tmp_path_factory.mktemp("studio")
    project = copy_project(folder / "project")
    write_store(folder / "ember.db")
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: sql\n  dialect: sqlite\n  db: {folder / 'ember.db'}\n"
    )
    server = start(studio_server(project, endpoints, folder / "state", folder / "studio.log"))
    parts = urlsplit(server.ready_url)
    url = f"http://127.0.0.1:{parts.port}"
    yield url, project, folder / "state"
    server.stop()


def keys(url: str) -> dict[bool, str]:
    """sensitive? -> the conversation's key, for the two fixture conversations."""
    inbox = requests.get(f"{url}/api/inbox", auth=AUTH, timeout=30).json()
    return {c["sensitive"]: c["key"] for c in inbox["conversations"]}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/studio.js",
        "/studio.css",
        "/health",
        "/api/inbox",
        "/api/progress",
        "/api/saves",
        "/api/conversations/whatever",
    ],
)
def test_every_page_and_endpoint_needs_the_password(running, path):
    url = running[0]
    assert requests.get(url + path, timeout=30).status_code == 401
    wrong = requests.get(url + path, auth=(STUDIO_USER, "not-it"), timeout=30)
    assert wrong.status_code == 401 and "Basic" in wrong.headers["WWW-Authenticate"]
    assert requests.get(url + path, auth=("", STUDIO_PASSWORD), timeout=30).status_code == 401
    assert requests.get(url + path, auth=AUTH, timeout=30).status_code in (200, 404)


def test_changes_need_the_password_and_the_studio_header(running):
    url, _, _ = running
    key = keys(url)[False]
    change = f"{url}/api/conversations/{key}/review"
    assert (
        requests.post(change, json={"reviewed": True}, headers=WRITE, timeout=30).status_code == 401
    )
    assert requests.post(change, json={"reviewed": True}, auth=AUTH, timeout=30).status_code == 403
    undo = requests.post(f"{url}/api/saves/nope/undo", auth=("x", "y"), headers=WRITE, timeout=30)
    assert undo.status_code == 401


def test_the_inbox_counts_and_never_shows_a_sensitive_conversations_content(running):
    url = running[0]
    inbox = requests.get(f"{url}/api/inbox", auth=AUTH, timeout=30)
    assert inbox.json()["counts"] | {"shown": 2} == {
        "conversations": 2,
        "needs_review": 0,
        "reviewed": 0,
        "sensitive": 1,
        "shown": 2,
    }
    (closed,) = [c for c in inbox.json()["conversations"] if c["sensitive"]]
    assert set(closed) == {"key", "started", "last", "reviewed", "tags", "sensitive"}
    for text in NEVER_SHOWN:
        assert text not in inbox.text
    assert "fixture-person" not in inbox.text  # sender ids never leave the store


def test_a_sensitive_conversation_opens_only_on_purpose_and_that_is_logged(running):
    url, _, state = running
    key = keys(url)[True]
    closed = requests.get(f"{url}/api/conversations/{key}", auth=AUTH, timeout=30).json()
    assert closed["closed"] and "turns" not in closed
    assert not (state / "audit.log").exists() or key not in (state / "audit.log").read_text()
    opened = requests.get(f"{url}/api/conversations/{key}?open=1", auth=AUTH, timeout=30).json()
    assert not opened["closed"] and any(t["role"] == "user" for t in opened["turns"])
    (entry,) = [
        json.loads(line)
        for line in (state / "audit.log").read_text().splitlines()
        if json.loads(line)["conversation"] == key
    ]
    assert entry["who"] == STUDIO_USER and entry["time"] > time.time() - 60
    assert "kill" not in (state / "audit.log").read_text()


def test_reflection_answers_and_the_slots_holding_them_are_never_shown(running):
    url = running[0]
    key = keys(url)[False]
    answer = requests.get(f"{url}/api/conversations/{key}", auth=AUTH, timeout=30)
    for text in NEVER_SHOWN:
        assert text not in answer.text
    turns = answer.json()["turns"]
    assert [t["text"] for t in turns if t["role"] == "user"][:3] == [
        "hi",
        "she blocked me everywhere",
        "/request_acceptance",
    ]
    assert sum(t["hidden"] for t in turns if t["role"] == "user") == 4
    assert {t["text"] for t in turns if t.get("name") == "hardest_part"} == {"(not shown)"}
    assert not any("intent" in t for t in turns if t["role"] == "user" and t["hidden"])
    # A category set from an answer says something about it: hidden while the reflection runs.
    assert {t["text"] for t in turns if t.get("name") == "situation"} == {
        '"they_blocked_me"',
        "(not shown)",
    }


def test_a_correction_must_be_a_domain_intent_on_a_visible_user_turn(running):
    url = running[0]
    key = keys(url)[False]
    turns = requests.get(f"{url}/api/conversations/{key}", auth=AUTH, timeout=30).json()["turns"]
    hidden = next(t["index"] for t in turns if t["role"] == "user" and t["hidden"])
    shown = next(t["index"] for t in turns if t["role"] == "user" and not t["hidden"])
    review = f"{url}/api/conversations/{key}/review"
    for corrections in ({hidden: "greet"}, {shown: "no_such_intent"}):
        answer = requests.post(
            review, json={"corrections": corrections}, auth=AUTH, headers=WRITE, timeout=30
        )
        assert answer.status_code == 400 and "error" in answer.json()
    tagged = requests.post(
        review,
        json={"tags": ["Blocked ", "blocked"], "reviewed": True},
        auth=AUTH,
        headers=WRITE,
        timeout=30,
    )
    assert tagged.status_code == 200
    reviewed = requests.get(
        f"{url}/api/inbox?reviewed=yes&tag=blocked", auth=AUTH, timeout=30
    ).json()
    assert [c["key"] for c in reviewed["conversations"]] == [key]


def test_saving_adds_a_story_that_validates_and_undo_restores_every_file(running):
    url, project, _ = running
    key = keys(url)[False]
    before = snapshot(project)
    save = f"{url}/api/conversations/{key}/save"
    saved = requests.post(save, json={"kind": "training"}, auth=AUTH, headers=WRITE, timeout=300)
    assert saved.status_code == 200, saved.text
    record = saved.json()
    assert record["stories"] and record["files"] == ["data/stories/imported/studio.yml"]
    stories = (project / "data" / "stories" / "imported" / "studio.yml").read_text()
    assert "- active_loop: acceptance_form" in stories and "Sarah" not in stories
    again = requests.post(save, json={"kind": "training"}, auth=AUTH, headers=WRITE, timeout=300)
    assert again.status_code == 409 and "already" in again.json()["error"]

    progress = requests.get(f"{url}/api/progress", auth=AUTH, timeout=30).json()
    assert progress["stories"] == 1 and "make train" in progress["command"]
    undo = requests.post(
        f"{url}/api/saves/{record['id']}/undo", auth=AUTH, headers=WRITE, timeout=30
    )
    assert undo.status_code == 200 and undo.json()["undone"]["who"] == STUDIO_USER
    after = snapshot(project)
    after.pop("reports/imported/studio.md")  # the last save's report stays, to read
    assert after == before
    twice = requests.post(
        f"{url}/api/saves/{record['id']}/undo", auth=AUTH, headers=WRITE, timeout=30
    )
    assert twice.status_code == 409


def test_a_sensitive_conversation_is_saved_only_by_who_opened_it(running):
    url = running[0]
    key = keys(url)[True]
    fresh, other = ("fresh-reviewer", STUDIO_PASSWORD), ("someone-else", STUDIO_PASSWORD)

    def save():
        return requests.post(
            f"{url}/api/conversations/{key}/save",
            json={"kind": "test"},
            auth=fresh,
            headers=WRITE,
            timeout=120,
        )

    assert save().status_code == 400 and "on purpose" in save().json()["error"]
    requests.get(f"{url}/api/conversations/{key}?open=1", auth=other, timeout=30)
    assert save().status_code == 400
    requests.get(f"{url}/api/conversations/{key}?open=1", auth=fresh, timeout=30)
    refused = save()  # opened now, but the safety replies have tests of their own
    assert refused.status_code == 409 and "test_safety.yml" in refused.json()["error"]


def summary(**fields):
    return {
        "key": "k",
        "started": 1_780_000_000.0,
        "last": 1_780_090_000.0,
        "reviewed": False,
        "tags": [],
        "sensitive": False,
        "intents": ["greet"],
        "needs_review": [],
    } | fields


def test_the_inbox_filters():
    # 1_780_000_000 is 2026-05-28 20:26 UTC; 1_780_090_000 the next day.
    assert matches(summary(), {})
    assert matches(summary(), {"from": "2026-05-29"}) and not matches(
        summary(), {"from": "2026-05-30"}
    )
    assert matches(summary(), {"to": "2026-05-28"}) and not matches(summary(), {"to": "2026-05-27"})
    assert not matches(summary(), {"needs_review": "1"})
    assert matches(summary(needs_review=["low_confidence"]), {"needs_review": "1"})
    assert matches(summary(), {"intent": "greet"}) and not matches(summary(), {"intent": "thank"})
    assert matches(summary(reviewed=True), {"reviewed": "yes"})
    assert not matches(summary(reviewed=True), {"reviewed": "no"})
    assert matches(summary(tags=["a"]), {"tag": "a"}) and not matches(summary(), {"tag": "a"})
    # A sensitive conversation has no intents or reasons to match: only dates, state and tags.
    closed = {
        k: v for k, v in summary(sensitive=True).items() if k not in ("intents", "needs_review")
    }
    assert not matches(closed, {"intent": "greet"}) and not matches(closed, {"needs_review": "1"})
    assert matches(closed, {"from": "2026-05-28", "reviewed": "no"})


def fresh_project(folder):
    """A copy of the project in which the fixture conversation's words are not training data,
    so that it may become a test (a held-out text must not nearly copy a training one)."""
    project = copy_project(folder)
    country = project / "data" / "nlu" / "country.yml"
    trained = '    - im in the [uk]{"entity": "country", "value": "GB"}\n'
    assert trained in country.read_text()
    country.write_text(country.read_text().replace(trained, ""))
    return project


def test_a_save_waits_for_the_one_before_it(tmp_path):
    project = fresh_project(tmp_path / "project")
    studio = Studio(project, sqlite_url(write_store(tmp_path / "ember.db")), tmp_path / "state")
    key = next(k for k, c in studio.conversations().items() if not studio.analyse(c).sensitive)
    results = []
    saving = threading.Thread(target=lambda: results.append(studio.save(key, "second", "test")))
    with studio.locked():  # a first save, still writing
        saving.start()
        saving.join(3.0)
        assert saving.is_alive() and not (project / "tests" / "conversations").exists()
    saving.join(120)
    assert results and results[0]["tests"]
    written = (project / "tests" / "conversations" / "test_studio.yml").read_text()
    assert "    intent: they_blocked_me" in written and "Sarah" not in written
    assert 'im in the [uk]{"entity": "country", "value": "GB"}' in written


@pytest.mark.model
def test_a_conversation_added_as_a_test_passes_with_the_model_that_answered_it(tmp_path):
    project = fresh_project(tmp_path / "project")
    studio = Studio(project, sqlite_url(write_store(tmp_path / "ember.db")), tmp_path / "state")
    key = next(k for k, c in studio.conversations().items() if not studio.analyse(c).sensitive)
    studio.save(key, "reviewer", "test")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ember.server",
            "test",
            "core",
            "--e2e",
            "--stories",
            "tests/conversations/test_studio.yml",
            "-m",
            str(DEFAULT_MODEL),
            "--out",
            str(tmp_path / "results"),
            "--no-plot",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "results" / "story_report.json").read_text())
    assert (
        report["conversation_accuracy"]["correct"] == report["conversation_accuracy"]["total"] == 1
    )


def user(text, intent, confidence=0.95):
    return {
        "event": "user",
        "text": text,
        "timestamp": 1.0,
        "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": []},
    }


def action(name):
    return {"event": "action", "name": name, "timestamp": 1.0}


def bot(text, response=None):
    return {
        "event": "bot",
        "text": text,
        "timestamp": 1.0,
        "metadata": {"utter_action": response} if response else {},
    }


def reasons(tmp_path, *events) -> set[str]:
    studio = Studio(PROJECT_ROOT, "sqlite://", tmp_path / "state")
    return set(studio.analyse(Conversation("k", "test", events=list(events))).flags)


def test_what_needs_review(tmp_path):
    greeting = [user("hi", "greet"), action("utter_greet"), bot("Hello.", "utter_greet")]
    assert reasons(tmp_path, *greeting) == set()
    assert reasons(tmp_path, user("zzk qwe", "nlu_fallback", 0.3), action("utter_default")) == {
        "fallback"
    }
    assert reasons(tmp_path, user("grey and slow", "feeling_better", 0.53)) == {"low_confidence"}
    assert reasons(
        tmp_path,
        user("he blocked me on insta", "they_blocked_me"),
        user("he blocked me on instagram", "they_blocked_me"),
    ) == {"rephrased"}
    assert reasons(
        tmp_path,
        user("hi", "greet"),
        action("utter_greet"),
        bot("Have you tried sending them flowers?"),
    ) == {"unmatched_reply"}
    started = [
        user("/request_acceptance", "request_acceptance", 1.0),
        {"event": "active_loop", "name": "acceptance_form", "timestamp": 1.0},
        user("the quiet", "share_reflection"),
        {"event": "slot", "name": "hardest_part", "value": "the quiet", "timestamp": 1.0},
    ]
    assert reasons(
        tmp_path,
        *started,
        user("stop", "stop"),
        {"event": "active_loop", "name": None, "timestamp": 1.0},
    ) == {"left_reflection"}
    assert reasons(tmp_path, *started) == {"left_reflection"}  # never finished
    finished = [
        {"event": "slot", "name": name, "value": "x", "timestamp": 1.0}
        for name in ("outside_control", "within_reach", "letting_go")
    ]
    assert (
        reasons(
            tmp_path, *started, *finished, {"event": "active_loop", "name": None, "timestamp": 1.0}
        )
        == set()
    )


def test_a_save_that_does_not_validate_is_rolled_back(tmp_path):
    project = copy_project(tmp_path / "project")
    # Data that `rasa data validate` rejects, whatever the save adds.
    (project / "data" / "nlu" / "broken.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: not_in_the_domain\n  examples: |\n    - words\n'
    )
    before = snapshot(project)
    studio = Studio(project, sqlite_url(write_store(tmp_path / "ember.db")), tmp_path / "state")
    key = next(k for k, c in studio.conversations().items() if not studio.analyse(c).sensitive)
    with pytest.raises(ReviewError, match="rasa data validate failed") as refused:
        studio.save(key, "reviewer", "training")
    assert refused.value.status == 422
    after = snapshot(project)
    after.pop("reports/imported/studio.md", None)
    assert after == before and studio.saves() == []


def test_a_test_in_words_ember_learned_from_is_refused(tmp_path):
    project = copy_project(tmp_path / "project")  # "im in the uk" is a training example here
    before = snapshot(project)
    studio = Studio(project, sqlite_url(write_store(tmp_path / "ember.db")), tmp_path / "state")
    key = next(k for k, c in studio.conversations().items() if not studio.analyse(c).sensitive)
    with pytest.raises(ReviewError, match="make test-heldout") as refused:
        studio.save(key, "reviewer", "test")
    assert refused.value.status == 409 and snapshot(project) == before


def test_a_save_is_answered_however_long_its_validation_may_take():
    """Past Sanic's 60 s the page heard "nothing was changed" while the save went on."""
    from ember.services.studio import create_app
    from tools.validate import VALIDATE_TIMEOUT_SECONDS

    app = create_app(studio=None, token="t")
    assert app.config.RESPONSE_TIMEOUT > VALIDATE_TIMEOUT_SECONDS
