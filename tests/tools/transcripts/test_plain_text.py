"""Plain-text transcripts, labelled by the trained model: scrubbed, checked, flagged for review.

One run over every fixture transcript (the model loads once), then each test reads its part.
"""

from __future__ import annotations

import pytest
import yaml

from tests.tools.transcripts.workspace import FIXTURES, copy_project, written
from tools.serve import DEFAULT_MODEL
from tools.transcripts.__main__ import main

pytestmark = pytest.mark.model

PERSONAL = ("James", "jamie.k_88", "james.k.smith", "example.com", "7700", "900123", "Priyanka")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    project = copy_project(tmp_path_factory.mktemp("project"))
    folder = tmp_path_factory.mktemp("transcripts")
    for name in ("prefixes.txt", "pii.txt", "review.txt", "crisis.txt", "other-bot.txt"):
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
    assert (
        main(
            [
                str(folder),
                "--project",
                str(project),
                "--model",
                str(DEFAULT_MODEL),
                "--name",
                "fixtures",
            ]
        )
        == 0
    )
    return project


@pytest.fixture(scope="module")
def stories(project) -> dict[str, list]:
    path = project / "data" / "stories" / "imported" / "fixtures.yml"
    return {s["story"]: s["steps"] for s in yaml.safe_load(path.read_text())["stories"]}


@pytest.fixture(scope="module")
def report(project) -> str:
    return (project / "reports" / "imported" / "fixtures.md").read_text()


def steps_of(stories, first_intent):
    return next(steps for steps in stories.values() if steps[0].get("intent") == first_intent)


def test_no_personal_data_is_written(project):
    text = written(project)
    for personal in PERSONAL:
        assert personal not in text
    nlu = (project / "data" / "nlu" / "imported.yml").read_text()
    assert "my ex [name] blocked me everywhere, even on insta [handle]" in nlu
    assert "I keep writing to [email] and texting [phone], [name] says to stop" in nlu


def test_checked_conversations_become_stories_with_what_ember_predicts(stories):
    assert steps_of(stories, "greet") == [
        {"intent": "greet"},
        {"action": "utter_ai_notice"},
        {"action": "utter_greet"},
        {"action": "action_welcome_back"},
        {"intent": "they_stopped_replying"},
        {"action": "utter_they_stopped_replying"},
        {"action": "utter_offer_paths"},
    ]
    assert steps_of(stories, "checking_their_profile")[-1] == {"action": "utter_offer_boundary"}
    assert steps_of(stories, "they_blocked_me")[-1] == {"action": "utter_offer_after_urge"}


def test_turns_to_review_are_flagged_with_context_and_left_out(stories, report):
    assert len(stories) == 3
    assert "**unmatched bot turn**" in report or "**differs from Ember**" in report
    assert "Have you tried sending her flowers?" in report
    assert "**low confidence**: labelled" in report
    assert "→ user: asdkjh qwe zzk" in report
    assert "**reflection**: acceptance_form starts here" in report
    assert "lanternfest" not in report  # a reflection answer, even as context


def test_another_bots_lines_are_flagged_not_labelled_as_a_response(report):
    section = report.split("### other-bot.txt:")[1].split("\n### ")[0]
    assert "**unmatched bot turn**" in section or "a reply that matches no response" in section
    assert "utter_my_reflections" not in section
    assert "the transcript has utter_" not in section


def test_crisis_conversations_are_skipped_without_their_words(project, report):
    assert "| crisis.txt:2 | a crisis turn |" in report
    text = written(project)
    assert "end it all" not in text


def test_examples_below_the_threshold_are_not_added(project):
    nlu = (project / "data" / "nlu" / "imported.yml").read_text()
    assert "asdkjh" not in nlu
    assert "i keep checking her instagram every hour" in nlu
