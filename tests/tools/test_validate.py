from pathlib import Path

import tools.validate
from ember.core.project import PROJECT_ROOT
from tools.validate import (
    FAILED,
    failed_for_unexplained_reasons,
    form_prompts,
    responses_used_by_actions,
    unexplained_warnings,
)

PREFIX = "/x/rasa/shared/utils/io.py:100: UserWarning: "
OUTPUT = "\n".join(
    [
        "2026-11-23 INFO rasa.validator - Validating utterances...",
        f"{PREFIX}The utterance 'utter_ask_boundary_form_urge_plan' is not used in any story"
        " or rule.",
        f"{PREFIX}The utterance 'utter_data_deleted' is not used in any story or rule.",
        f"{PREFIX}The utterance 'utter_forgotten' is not used in any story or rule.",
        f"{PREFIX}The intent 'inform_mood' is not used in any story or rule.",
    ]
)


def test_only_responses_used_by_forms_or_actions_are_explained():
    accounted_for = {"utter_ask_boundary_form_urge_plan", "utter_data_deleted"}
    assert unexplained_warnings(OUTPUT, accounted_for) == [
        "The utterance 'utter_forgotten' is not used in any story or rule.",
        "The intent 'inform_mood' is not used in any story or rule.",
    ]


def test_form_prompts_follow_the_form_and_slot_names():
    domain = {"forms": {"boundary_form": {"required_slots": ["boundary_rule", "urge_plan"]}}}
    assert form_prompts(domain) == {
        "utter_ask_boundary_form_boundary_rule",
        "utter_ask_boundary_form_urge_plan",
    }


def test_responses_named_in_action_code_count_as_used(tmp_path: Path):
    source = tmp_path / "privacy.py"
    source.write_text(
        'dispatcher.utter_message(response="utter_data_deleted")\n'
        "ACKS = {'feeling_lonely': 'utter_form_ack_lonely'}\n"
        "# utter_not_quoted in a comment does not count\n"
    )
    assert responses_used_by_actions([source]) == {"utter_data_deleted", "utter_form_ack_lonely"}


WITHOUT_EXAMPLES = (
    f"{PREFIX}The intent '{{}}' is listed in the domain file, but is not found in the NLU "
    "training data."
)


def test_only_intents_imposed_by_a_component_may_lack_examples():
    output = "\n".join(
        [WITHOUT_EXAMPLES.format("message_too_long"), WITHOUT_EXAMPLES.format("inform_mood")]
    )
    assert unexplained_warnings(output, set(), frozenset({"message_too_long"})) == [
        "The intent 'inform_mood' is listed in the domain file, but is not found in the NLU "
        "training data."
    ]


def test_story_conflicts_and_errors_are_never_explained():
    output = "\n".join(
        [
            "2026-11-23 12:00:00 WARNING  rasa.validator  - Story structure conflict after x",
            "2026-11-23 12:00:00 ERROR    rasa.shared.core.domain  - broken domain",
        ]
    )
    assert len(unexplained_warnings(output, set())) == 2


def test_rasa_failing_only_over_explained_warnings_is_accepted():
    output = WITHOUT_EXAMPLES.format("message_too_long") + f"\n\x1b[91m{FAILED}\x1b[0m\n"
    assert not failed_for_unexplained_reasons(1, output, [])
    assert failed_for_unexplained_reasons(1, "Encountered empty domain during validation.", [])
    assert failed_for_unexplained_reasons(0, "", ["a warning"])
    assert not failed_for_unexplained_reasons(0, "", [])


def test_a_validation_that_does_not_finish_in_time_fails(monkeypatch):
    # The real validator takes about 25 s: far longer than this limit.
    monkeypatch.setattr(tools.validate, "VALIDATE_TIMEOUT_SECONDS", 0.5)
    passed, lines = tools.validate.validate(PROJECT_ROOT)
    assert not passed
    assert lines == ["FAIL: rasa data validate did not finish in 0.5 s."]
