"""`python -m tools.transcripts` on trackers: what it writes, what it never writes, and re-runs.

Trackers carry their recorded intents and actions, so these runs need no trained model.
"""

from __future__ import annotations

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, UserUttered
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from tests.tools.transcripts.workspace import (
    FIXTURES,
    SENDERS,
    copy_project,
    snapshot,
    write_store,
    written,
)
from tools.transcripts.__main__ import main

TRACKERS = str(FIXTURES / "trackers.json")


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project")


def run(project, *args) -> int:
    return main([*args, "--project", str(project)])


def changed_training_data(project, before) -> list[str]:
    """Files under data/ that differ from `before` (the report says what each run did)."""
    return [
        name
        for name, data in snapshot(project).items()
        if name.startswith("data/") and before.get(name) != data
    ]


def test_a_tracker_becomes_a_story_rasa_reads(project, capsys):
    assert run(project, TRACKERS) == 0
    assert "1 new story" in capsys.readouterr().out
    path = project / "data" / "stories" / "imported" / "trackers.yml"
    domain = Domain.load(str(project / "domain"))
    (story,) = YAMLStoryReader(domain).read_from_file(str(path))
    intents = [e.intent_name for e in story.events if isinstance(e, UserUttered)]
    assert intents == ["greet", "they_blocked_me", "request_acceptance", "inform_country", "thank"]
    # The reflection's happy path is folded into its start and end, as in data/stories.
    loops = [e.name for e in story.events if isinstance(e, ActiveLoop)]
    assert loops == ["acceptance_form", None]
    assert story.block_name.startswith("trackers ")


def test_examples_are_new_only_and_readable_by_rasa(project):
    assert run(project, TRACKERS) == 0
    nlu = RasaYAMLReader().read(project / "data" / "nlu" / "imported.yml")
    examples = {(m.get("intent"), m.get("text")) for m in nlu.intent_examples}
    # "hi", "thank you" and "im in the uk" are in data/nlu already; button payloads never count.
    assert examples == {("they_blocked_me", "she blocked me everywhere")}


def test_sender_ids_and_reflection_answers_are_never_written(project):
    assert run(project, TRACKERS, "--include-sensitive") == 0
    text = written(project)
    for sender in SENDERS:
        assert sender not in text
    # The reflection's answers are slot values, not training data (one even names someone).
    assert "Sarah" not in text and "my whole world" not in text


def test_crisis_conversations_are_only_counted_unless_asked_for(project):
    assert run(project, TRACKERS) == 0
    stories = (project / "data" / "stories" / "imported" / "trackers.yml").read_text()
    report = (project / "reports" / "imported" / "trackers.md").read_text()
    assert "crisis" not in stories
    assert "| skipped: crisis or abuse | 1 |" in report
    assert "kill" not in report

    assert run(project, TRACKERS, "--include-sensitive") == 0
    stories = (project / "data" / "stories" / "imported" / "trackers.yml").read_text()
    assert "- intent: crisis" in stories and "- action: utter_crisis" in stories


def test_running_again_adds_nothing(project, capsys):
    assert run(project, TRACKERS) == 0
    before = snapshot(project)
    assert run(project, TRACKERS) == 0
    assert "0 new stories, 1 already there" in capsys.readouterr().out
    assert changed_training_data(project, before) == []


def test_a_reviewers_edits_are_kept_when_more_is_imported(project, tmp_path):
    assert run(project, TRACKERS) == 0
    path = project / "data" / "stories" / "imported" / "trackers.yml"
    path.write_text(
        path.read_text().replace(
            "  - intent: thank", "  # checked by a reviewer\n  - intent: thank"
        )
    )
    assert run(project, TRACKERS, "--include-sensitive") == 0
    content = path.read_text()
    assert "# checked by a reviewer" in content
    assert len(yaml.safe_load(content)["stories"]) == 2


def test_the_tracker_store_is_read_directly(project, tmp_path):
    store = write_store(tmp_path / "ember.db")
    assert run(project, str(store), "--since", "2000-01-01") == 0
    assert (project / "data" / "stories" / "imported" / "ember.yml").exists()
    assert run(project, f"sqlite:///{store}", "--name", "store") == 0
    assert (project / "reports" / "imported" / "store.md").exists()


def test_turns_below_the_threshold_are_flagged_not_guessed(project):
    assert run(project, TRACKERS, "--threshold", "0.999") == 0
    report = (project / "reports" / "imported" / "trackers.md").read_text()
    assert not (project / "data" / "stories" / "imported" / "trackers.yml").exists()
    assert "**low confidence**: labelled greet" in report
    assert "→ user: hi" in report
    assert "Draft story" in report


@pytest.mark.parametrize(
    "content, message",
    [
        (b"user: hi\nbot: Hello\nnot a turn\n", "chats.txt:3: expected 'user:' or 'bot:'"),
        (b"user: caf\xe9\n", "not UTF-8 text (byte 0xe9 at offset 9)"),
        (b"\n\n", "the file is empty"),
    ],
)
def test_bad_input_writes_nothing(project, tmp_path, capsys, content, message):
    bad = tmp_path / "chats.txt"
    bad.write_bytes(content)
    before = snapshot(project)
    assert run(project, str(bad)) == 1
    error = capsys.readouterr().err
    assert message in error and "Nothing was written." in error
    assert "Traceback" not in error
    assert snapshot(project) == before


def test_a_stories_file_it_cannot_append_to_writes_nothing(project, capsys):
    path = project / "data" / "stories" / "imported" / "trackers.yml"
    path.parent.mkdir(parents=True)
    path.write_text('version: "3.1"\nstories: []\n')
    before = snapshot(project)
    assert run(project, TRACKERS) == 1
    assert "`stories:` must be the last section" in capsys.readouterr().err
    assert snapshot(project) == before


def test_help_describes_the_formats(capsys):
    with pytest.raises(SystemExit) as exit_code:
        main(["--help"])
    assert exit_code.value.code == 0
    out = capsys.readouterr().out
    for words in (
        "'user: …' or 'bot: …'",
        "GET /conversations/{id}/tracker",
        "postgresql://",
        "--include-sensitive",
        "--threshold",
        "--since",
    ):
        assert words in out


def test_without_from_it_reads_the_configured_store(project, capsys):
    assert run(project) == 1
    assert "no conversations stored yet" in capsys.readouterr().err
    (project / "var").mkdir()
    write_store(project / "var" / "ember.db")
    assert run(project) == 0
    assert (project / "reports" / "imported" / "tracker-store.md").exists()


def test_a_story_that_contradicts_the_training_data_is_held_back(project):
    (project / "data" / "stories" / "other.yml").write_text(
        'version: "3.1"\nstories:\n- story: a different answer to the same start\n  steps:\n'
        "  - intent: greet\n  - action: utter_ai_notice\n  - action: utter_greet\n"
        "  - action: action_welcome_back\n"
        "  - intent: they_blocked_me\n  - action: utter_ai_notice\n"
        "  - action: utter_they_blocked_me\n  - action: utter_anything_else\n"
    )
    assert run(project, TRACKERS) == 0
    assert not (project / "data" / "stories" / "imported" / "trackers.yml").exists()
    report = (project / "reports" / "imported" / "trackers.md").read_text()
    assert (
        "**conflicts with the training data**: a state in this conversation is continued "
        "differently by 'a different answer to the same start'"
    ) in report
