from pathlib import Path

from tools.validate import form_prompts, responses_used_by_actions, unexplained_warnings

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
