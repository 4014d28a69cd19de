import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import ember.channels  # noqa: F401 - what the Rasa server imports, and with it the validator
from ember.action_schema import validate_action_result

VALID = {
    "events": [{"event": "slot", "name": "hardest_part", "value": "the silence"}],
    "responses": [{"response": "utter_resume_form", "buttons": [], "custom": {}}],
}
INVALID = [
    {"events": "not a list", "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"event": 5}], "responses": []},
]


def test_the_rasa_server_validates_action_results_with_ours():
    assert RemoteAction._validate_action_result is validate_action_result


def test_valid_results_pass_as_with_rasa():
    schema = RemoteAction.action_response_format_spec()
    jsonschema.validate(VALID, schema)
    assert validate_action_result(None, VALID) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_results_fail_as_with_rasa(result):
    with pytest.raises(jsonschema.ValidationError) as rasa_error:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        validate_action_result(None, result)
    assert ours.value.message.startswith(rasa_error.value.message)
    assert "Failed to validate Action server response" in ours.value.message
