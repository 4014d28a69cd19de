"""Each change ember/server/patches.py makes to Rasa: in force, and doing what it says.

Every test here fails on stock Rasa 3.6.21 (checked by running them with `apply()` made a
no-op): they test the behaviour each patch adds, not merely that something is cached.
"""

import asyncio
import gc
import json

import jsonschema
import pytest
import rasa
import rasa.shared.utils.common
from rasa.core import run as rasa_run
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from ember.server import patches

VALID = {
    "events": [{"event": "slot", "name": "hardest_part", "value": "the silence"}],
    "responses": [{"response": "utter_resume_form", "buttons": [], "custom": {}}],
}
INVALID = [
    {"events": "not a list", "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"event": 5}], "responses": []},
]


def test_another_rasa_version_is_refused():
    patches.check_rasa_version(rasa.__version__)
    with pytest.raises(patches.UnsupportedRasaVersion, match="rasa==3.6.21"):
        patches.check_rasa_version("3.6.20")


def test_the_pinned_version_comes_from_the_package_metadata():
    assert patches.pinned_rasa_version() == "3.6.21"


def test_action_results_are_validated_without_checking_the_schema_each_time(monkeypatch):
    def schema_checked_again(*_):
        raise AssertionError("the constant schema was validated again")

    # Stock Rasa imports jsonschema.validate inside the method, on every call.
    monkeypatch.setattr(jsonschema, "validate", schema_checked_again)
    assert RemoteAction._validate_action_result(None, VALID) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_results_fail_as_with_rasa(result):
    with pytest.raises(jsonschema.ValidationError) as rasa_error:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        RemoteAction._validate_action_result(None, result)
    assert ours.value.message.startswith(rasa_error.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_event_classes_are_found_once_then_remembered(monkeypatch):
    assert Event.resolve_by_type("user") is UserUttered

    def walked_again(*_):
        raise AssertionError("every Event subclass was listed again")

    monkeypatch.setattr(rasa.shared.utils.common, "all_subclasses", walked_again)
    assert Event.resolve_by_type("user") is UserUttered


def test_every_event_type_resolves_to_the_class_rasa_finds():
    for event_class in all_subclasses(Event):
        expected = next(c for c in all_subclasses(Event) if c.type_name == event_class.type_name)
        assert Event.resolve_by_type(event_class.type_name) is expected
        assert Event.resolve_by_type(event_class.type_name) is expected


def test_stored_events_come_back_as_the_same_events():
    events = [
        UserUttered("he blocked me", {"name": "they_blocked_me", "confidence": 0.9}),
        ActionExecuted("utter_they_blocked_me"),
        SlotSet("country", "IE"),
    ]
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


def test_rule_policy_keeps_enough_parsed_rules():
    assert RulePolicy._rule_key_to_state.cache_info().maxsize == patches.PARSED_RULES_KEPT


def test_rule_keys_parse_as_rasa_parses_them():
    state = {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}
    key = json.dumps([state])
    assert RulePolicy._rule_key_to_state(key) == json.loads(key)


def test_a_tracker_store_that_cannot_be_loaded_stops_the_server():
    with pytest.raises(patches.TrackerStoreNotLoaded, match="no_such_module.Store"):
        TrackerStore.create(EndpointConfig(type="no_such_module.Store"), Domain.empty())


def test_a_custom_tracker_store_still_loads():
    store = TrackerStore.create(
        EndpointConfig(
            type="ember.server.stores.tracker.EmberSQLTrackerStore", dialect="sqlite", db=":memory:"
        ),
        Domain.empty(),
    )
    assert type(store).__name__ in {"EmberSQLTrackerStore", "AwaitableTrackerStore"}


async def test_a_response_never_repeats_its_last_text_in_a_conversation():
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.events import BotUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    responses = {"utter_hello": [{"text": "first"}, {"text": "second"}, {"text": "third"}]}
    nlg = TemplatedNaturalLanguageGenerator(responses)
    tracker = DialogueStateTracker("someone", [])
    for _ in range(30):
        reply = await nlg.generate("utter_hello", tracker, "rest")
        previous = tracker.events[-1].text if tracker.events else None
        assert reply["text"] != previous
        tracker.update(BotUttered(reply["text"], metadata={"utter_action": "utter_hello"}))


async def test_a_single_variation_is_still_said_and_slots_are_filled():
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.events import BotUttered, SlotSet
    from rasa.shared.core.slots import TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    nlg = TemplatedNaturalLanguageGenerator({"utter_only": [{"text": "you said {answer}"}]})
    tracker = DialogueStateTracker("someone", [TextSlot("answer", mappings=[{}])])
    tracker.update(SlotSet("answer", "the silence"))
    tracker.update(BotUttered("you said the silence", metadata={"utter_action": "utter_only"}))
    reply = await nlg.generate("utter_only", tracker, "rest")
    assert reply["text"] == "you said the silence"


async def test_button_payloads_are_not_read_as_templates_but_text_still_is(caplog):
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.slots import TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    payload = '/inform_country{"country":"US"}'
    nlg = TemplatedNaturalLanguageGenerator(
        {"utter_ask": [{"text": "hi {name}", "buttons": [{"title": "US", "payload": payload}]}]}
    )
    tracker = DialogueStateTracker("someone", [TextSlot("name", mappings=[{}])])
    tracker.update(SlotSet("name", "Ana"))
    reply = await nlg.generate("utter_ask", tracker, "rest")
    assert reply["text"] == "hi Ana"
    assert reply["buttons"] == [{"title": "US", "payload": payload}]
    assert not [r for r in caplog.records if r.levelname == "ERROR"], "no interpolation errors"


def test_custom_actions_get_a_short_timeout_below_the_ticket_lifetime():
    from rasa.core.actions import action

    assert action.DEFAULT_REQUEST_TIMEOUT == patches.ACTION_TIMEOUT_SECONDS <= 10
    with pytest.raises(patches.ActionTimeoutTooLong):
        patches.check_action_timeout(300)


def test_rasa_keeps_no_memory_store_to_fall_back_on():
    from rasa.core.agent import Agent

    from ember.server.stores.tracker import HonestTrackerStore

    assert isinstance(Agent._create_tracker_store(None, Domain.empty()), HonestTrackerStore)


def test_the_nlu_reads_a_bounded_part_of_a_huge_message_and_keeps_all_of_it(monkeypatch):
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor

    read = []

    def parse(self, message, *args, **kwargs):
        read.append(message.text)
        return {"text": message.text, "intent": {}, "entities": []}

    monkeypatch.setattr(patches, "_rasa_parse_message_with_graph", parse)
    huge = "why " * 250_000 + "i want to end my life"
    parsed = MessageProcessor._parse_message_with_graph(None, UserMessage(huge), None)
    assert len(read[0]) < 11_000 and read[0].endswith("i want to end my life")
    assert parsed["text"] == huge


async def test_a_new_session_after_no_to_remembering_forgets_what_was_written():
    from rasa.core.actions.action import ActionSessionStart
    from rasa.shared.core.trackers import DialogueStateTracker

    from tests.helpers import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain"))

    async def carried(consent):
        tracker = DialogueStateTracker("someone", domain.slots)
        for slot, value in [
            ("remember_consent", consent),
            ("country", "GB"),
            ("hardest_part", "the silence"),
            ("mood_checkins", [{"score": "2", "at": "2026-11-20T20:00:00+00:00"}]),
            ("warning_signs", "not sleeping"),
        ]:
            tracker.update(SlotSet(slot, value))
        events = await ActionSessionStart().run(None, None, tracker, domain)
        return {event.key: event.value for event in events if isinstance(event, SlotSet)}

    forgotten = await carried("no")
    assert forgotten == {"remember_consent": "no", "country": "GB"}
    for consent in ("yes", None):  # kept with consent, and as Rasa does when never asked
        assert (await carried(consent))["hardest_part"] == "the silence"


def test_once_the_server_starts_what_it_loaded_is_left_out_of_pythons_collections():
    app = rasa_run.configure_app()
    after_start = [
        signal.handler.keywords.get("listener")
        for signal in app._future_signals
        if signal.event == "server.init.after"
    ]
    assert patches.freeze_what_was_loaded in after_start
    frozen = gc.get_freeze_count()
    try:
        asyncio.run(patches.freeze_what_was_loaded(app, None))
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
