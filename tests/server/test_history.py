"""ember/server/history.py gives exactly what Rasa computes, at every step of a long
conversation: every story and rule of data/ one after another, with the rewinds, undos,
restarts and new sessions that real conversations have between them."""

import copy
import itertools
from pathlib import Path

import pytest
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.shared.core.constants import RULE_SNIPPET_ACTION_NAME as RULE_SNIPPET
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

from ember.server import history

PROJECT = Path(__file__).resolve().parents[2]
OPTIONS = [
    {},
    {"omit_unset_slots": True},
    {"ignore_rule_only_turns": True, "rule_only_data": {"slots": ["requested_slot"]}},
]


@pytest.fixture(scope="module")
def project_domain() -> Domain:
    return Domain.load(str(PROJECT / "domain"))


def conversation_events(domain: Domain) -> list:
    """The stories' and rules' events, with what people and the fallback add between them."""
    files = sorted((PROJECT / "data").glob("stories/*.yml")) + sorted(
        (PROJECT / "data").glob("rules/*.yml")
    )
    steps = [
        [event for event in step.events if getattr(event, "action_name", None) != RULE_SNIPPET]
        for path in files
        for step in YAMLStoryReader(domain).read_from_file(path)
    ]
    interludes = itertools.cycle(
        [
            [
                UserUttered("hmm", {"name": "nlu_fallback"}),
                ActionExecuted("action_default_fallback"),
                UserUtteranceReverted(),
            ],
            [
                ActionExecuted("action_listen"),
                UserUttered("ok", {"name": "affirm"}),
                ActionExecuted("utter_ok"),
                ActionReverted(),
            ],
            [LoopInterrupted(True), ActionExecuted("action_listen")],
            [ActiveLoop(None), SlotSet("requested_slot", None), ActionExecuted("action_listen")],
            [Restarted(), ActionExecuted("action_listen")],
            [
                ActionExecuted("action_session_start"),
                SessionStarted(),
                ActionExecuted("action_listen"),
            ],
            [],
        ]
    )
    events = [ActionExecuted("action_listen")]
    for step, interlude in zip(steps, interludes, strict=False):
        events += [*step, *interlude, ActionExecuted("action_listen")]
    return events


def rasa_states(domain, tracker, **options):
    return history._rasa_states_for_tracker_history(domain, tracker, **options)


def tracker_state(tracker: DialogueStateTracker) -> tuple:
    return (
        tracker.current_state(EventVerbosity.ALL),
        {name: (type(slot), vars(slot)) for name, slot in tracker.slots.items()},
        tracker.active_loop,
        tracker.latest_action,
        tracker.followup_action,
        tracker.latest_bot_utterance,
        tracker.is_paused(),
        (tracker.sender_id, tracker._max_event_history, tracker.is_rule_tracker),
    )


def test_the_journeys_are_long_and_have_forms(project_domain):
    events = conversation_events(project_domain)
    assert len(events) > 1500
    assert any(isinstance(event, ActiveLoop) and event.name for event in events)


def test_applied_events_copies_and_states_match_rasa_at_every_step(project_domain):
    tracker = DialogueStateTracker("someone", project_domain.slots)
    featurizer = MaxHistoryTrackerFeaturizer()
    for step, event in enumerate(conversation_events(project_domain)):
        tracker.update(event)
        assert history.applied_events(tracker) == history._rasa_applied_events(tracker), step
        if step % 7 == 0:
            assert tracker_state(history.copy_tracker(tracker)) == tracker_state(
                history._rasa_copy(tracker)
            ), step
        for options in OPTIONS:
            expected = rasa_states(project_domain, tracker, **options)
            assert history.states_for_tracker_history(project_domain, tracker, **options) == (
                expected
            ), (step, options)
        # The featurizers change states in place; what they give must not change either.
        use_text = step % 2 == 0
        expected = [copy.deepcopy(rasa_states(project_domain, tracker))]
        featurizer._choose_last_user_input(expected, use_text)
        assert (
            featurizer.prediction_states(
                [tracker], project_domain, use_text_for_last_user_input=use_text
            )
            == expected
        ), step


def test_a_copy_is_its_own(project_domain):
    tracker = DialogueStateTracker("someone", project_domain.slots)
    for event in conversation_events(project_domain)[:200]:
        tracker.update(event)
    tracker.update(ActiveLoop("acceptance_form"))
    copied = history.copy_tracker(tracker)
    copied.update(SlotSet("hardest_part", "the silence"))
    copied.interrupt_loop(True)
    assert tracker.get_slot("hardest_part") != "the silence"
    assert not tracker.is_active_loop_interrupted
    assert len(copied.events) == len(tracker.events) + 1


def test_a_copy_keeps_what_kind_of_tracker_it_is(project_domain):
    tracker = DialogueStateTracker("", project_domain.slots, 10_000, is_rule_tracker=True)
    for event in conversation_events(project_domain)[:50]:
        tracker.update(event)
    assert tracker_state(history.copy_tracker(tracker)) == tracker_state(
        history._rasa_copy(tracker)
    )


def test_a_tracker_whose_events_were_replaced_is_worked_out_again(project_domain):
    tracker = DialogueStateTracker("someone", project_domain.slots)
    events = conversation_events(project_domain)[:120]
    for event in events:
        tracker.update(event)
    history.applied_events(tracker)
    history.states_for_tracker_history(project_domain, tracker)
    tracker.events = tracker._create_events(events[:60])
    assert history.applied_events(tracker) == history._rasa_applied_events(tracker)
    assert history.states_for_tracker_history(project_domain, tracker) == rasa_states(
        project_domain, tracker
    )


def test_a_new_turn_of_a_long_conversation_makes_only_its_own_states(project_domain, monkeypatch):
    tracker = DialogueStateTracker("someone", project_domain.slots)
    for event in conversation_events(project_domain):
        if not isinstance(event, (Restarted, SessionStarted)):
            tracker.update(event)
    history.states_for_tracker_history(project_domain, tracker)
    made = []
    rasa_state = Domain.get_active_state
    monkeypatch.setattr(
        Domain,
        "get_active_state",
        lambda *args, **kwargs: made.append(1) or rasa_state(*args, **kwargs),
    )
    for event in [
        UserUttered("still here", {"name": "affirm"}),
        ActionExecuted("utter_ok"),
        ActionExecuted("action_listen"),
    ]:
        tracker.update(event)
    states = history.states_for_tracker_history(project_domain, tracker)
    assert len(states) > 500 and len(made) <= 3


def test_a_copy_replays_nothing(project_domain, monkeypatch):
    tracker = DialogueStateTracker("someone", project_domain.slots)
    for event in conversation_events(project_domain):
        tracker.update(event)
    monkeypatch.setattr(DialogueStateTracker, "update", lambda *_: pytest.fail("replayed"))
    assert len(history.copy_tracker(tracker).events) == len(tracker.events)
