"""The lookups the Rasa server remembers give exactly what Rasa's own would."""

import json

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

import ember.channels  # noqa: F401 - what the Rasa server imports, and with it these lookups
from ember.rasa_hot_paths import resolve_by_type


def test_the_rasa_server_uses_the_remembered_lookups():
    assert Event.resolve_by_type is resolve_by_type
    assert hasattr(RulePolicy._rule_key_to_state, "cache_info")


def test_every_event_type_resolves_to_the_class_rasa_finds():
    for event_class in all_subclasses(Event):
        expected = next(c for c in all_subclasses(Event) if c.type_name == event_class.type_name)
        assert Event.resolve_by_type(event_class.type_name) is expected
        assert Event.resolve_by_type(event_class.type_name) is expected  # and again, remembered


def test_stored_events_come_back_as_the_same_events():
    events = [UserUttered("he blocked me", {"name": "i_got_blocked", "confidence": 0.9}),
              ActionExecuted("utter_name_it"), SlotSet("country", "IE")]
    assert [Event.from_parameters(event.as_dict()) for event in events] == events


def test_unknown_type_names_behave_as_in_rasa():
    with pytest.raises(ValueError, match="no_such_event"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    # A default is never remembered as the answer for that name.
    assert Event.resolve_by_type("another_unknown", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("another_unknown")


def test_rule_keys_parse_as_rasa_parses_them_once_each():
    key = json.dumps([{"prev_action": {"action_name": "action_listen"},
                       "user": {"intent": "greet"}}])
    parsed = RulePolicy._rule_key_to_state(key)
    assert parsed == json.loads(key)
    assert RulePolicy._rule_key_to_state(key) is parsed
