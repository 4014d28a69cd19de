import yaml

from tools import compare_nlu
from tools.conversation_intents import accuracy, turns


def test_turns_are_the_user_steps_that_name_an_intent(tmp_path):
    story = tmp_path / "test_story.yml"
    story.write_text(
        """
version: "3.1"
stories:
- story: a greeting, then a country, then a form answer
  steps:
  - user: |
      hey there
    intent: greet
  - action: utter_greet
  - user: |
      i live in [Ireland](country)
    intent: inform_country
  - user: |
      an answer to a form question has no intent
  - action: boundary_form
""",
        encoding="utf-8",
    )
    found = turns([story])
    assert [(turn.text, turn.intent) for turn in found] == [
        ("hey there", "greet"),
        ("i live in Ireland", "inform_country"),
    ]
    assert found[0].where == "test_story.yml: a greeting, then a country, then a form answer"


def test_the_conversation_suite_has_turns_to_score():
    assert len(turns()) > 100


def test_accuracy():
    assert accuracy(["greet", "deny"], ["greet", "affirm"]) == 0.5
    assert accuracy([], []) == 0.0


def test_a_candidate_keeps_the_rest_of_config_yml(tmp_path):
    candidate = tmp_path / "x.yml"
    candidate.write_text("pipeline:\n  - name: WhitespaceTokenizer\n", encoding="utf-8")
    config = yaml.safe_load(compare_nlu.config_for(candidate, tmp_path).read_text())
    project = yaml.safe_load((compare_nlu.PROJECT_ROOT / "config.yml").read_text())
    assert config["pipeline"] == [{"name": "WhitespaceTokenizer"}]
    assert config["policies"] == project["policies"]


def test_every_candidate_has_a_pipeline():
    candidates = sorted(compare_nlu.CANDIDATES.glob("*.yml"))
    assert len(candidates) >= 3
    for candidate in candidates:
        assert yaml.safe_load(candidate.read_text())["pipeline"]


def test_percentile():
    assert compare_nlu.percentile([float(n) for n in range(1, 101)], 0.95) == 95.0
    assert compare_nlu.percentile([3.0], 0.95) == 3.0
