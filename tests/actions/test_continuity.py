"""The continuity actions against trackers built the way the Rasa server sends them, with
the clock injected through message metadata as the e2e tests do."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from actions.continuity import (
    ActionBoundaryCount,
    ActionBoundarySlip,
    ActionExportJournal,
    ActionRecordMood,
    ActionSetRemembering,
    ActionShowMood,
    ActionWelcomeBack,
    ValidateMoodCheckinForm,
)
from actions.forms import ValidateBoundaryForm
from ember.core.boundaries import started
from tests.helpers import make_tracker, responses_sent

ZONE = "Europe/Paris"


@pytest.fixture(autouse=True)
def test_clock(monkeypatch):
    monkeypatch.setenv("EMBER_TEST_CLOCK", "1")


def said(at: str, intent: str = "greet", zone: str = ZONE) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": 1.0,
        "text": "…",
        "parse_data": {"intent": {"name": intent}},
        "metadata": {"test_now": at, "timezone": zone},
    }


def slots_set(events: list[dict]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def tracker(*times: str, intent: str = "greet", slots=None, **kwargs):
    events = [said(at) for at in times]
    return make_tracker(slots=slots, intent=intent, events=events, **kwargs)


async def test_a_check_in_is_kept_with_its_time_and_consent_is_asked_once(dispatcher, domain):
    person = tracker("2026-12-01T21:00:00Z", slots={"mood_score": "2", "mood_word": "tired"})
    events = await ActionRecordMood().run(dispatcher, person, domain)
    kept = slots_set(events)["mood_checkins"]
    assert kept == [
        {"at": "2026-12-01T21:00:00+00:00", "score": 2, "word": "tired", "timezone": ZONE}
    ]
    assert slots_set(events)["mood_score"] is None
    assert responses_sent(dispatcher) == ["utter_mood_noted", "utter_ask_remember"]


async def test_a_skipped_word_is_kept_as_no_word_and_consent_is_not_asked_again(dispatcher, domain):
    person = tracker(
        "2026-12-01T21:00:00Z",
        slots={"mood_score": "4", "mood_word": "-", "remember_consent": "no"},
    )
    events = await ActionRecordMood().run(dispatcher, person, domain)
    assert slots_set(events)["mood_checkins"][0]["word"] is None
    assert responses_sent(dispatcher) == ["utter_mood_noted", "utter_after_checkin"]


async def test_a_falling_run_leads_gently_to_support_with_contacts(dispatcher, domain):
    earlier = [
        {"at": "2026-11-29T20:00:00+00:00", "score": 4, "word": None, "timezone": ZONE},
        {"at": "2026-11-30T20:00:00+00:00", "score": 3, "word": None, "timezone": ZONE},
    ]
    person = tracker(
        "2026-12-01T21:00:00Z",
        slots={
            "mood_score": "2",
            "mood_word": "-",
            "mood_checkins": earlier,
            "remember_consent": "yes",
        },
    )
    await ActionRecordMood().run(dispatcher, person, domain)
    assert responses_sent(dispatcher) == [
        "utter_mood_noted",
        "utter_mood_falling",
        "utter_support_contacts",
        "utter_after_checkin",
    ]


async def test_typed_mood_answers_are_read_and_a_skip_is_allowed(dispatcher, domain):
    form = ValidateMoodCheckinForm()
    person = tracker("2026-12-01T21:00:00Z", intent="deny")
    assert form.validate_mood_score("pretty low", dispatcher, person, domain) == {"mood_score": "2"}
    assert form.validate_mood_score("banana", dispatcher, person, domain) == {"mood_score": None}
    assert responses_sent(dispatcher) == ["utter_mood_not_understood"]
    assert form.validate_mood_word("/deny", dispatcher, person, domain) == {"mood_word": "-"}


@pytest.mark.parametrize(
    "intent, consent", [("remember_me", "yes"), ("affirm", "yes"), ("stop_remembering", "no")]
)
async def test_consent_is_set_by_the_person(dispatcher, domain, intent, consent):
    events = await ActionSetRemembering().run(
        dispatcher, tracker("2026-12-01T21:00:00Z", intent=intent), domain
    )
    assert slots_set(events)["remember_consent"] == consent


async def test_a_later_plain_no_does_not_switch_remembering_off(dispatcher, domain):
    person = tracker("2026-12-01T21:00:00Z", intent="deny", slots={"remember_consent": "yes"})
    assert await ActionSetRemembering().run(dispatcher, person, domain) == []


async def test_without_consent_older_check_ins_are_not_shown(dispatcher, domain):
    old = {"at": "2026-11-20T20:00:00+00:00", "score": 3, "word": None, "timezone": ZONE}
    events = [
        said("2026-11-20T20:00:00Z"),
        {"event": "session_started", "timestamp": 2.0},
        said("2026-12-01T21:00:00Z", "show_my_mood"),
    ]
    person = make_tracker(slots={"mood_checkins": [old], "remember_consent": "no"}, events=events)
    await ActionShowMood().run(dispatcher, person, domain)
    assert responses_sent(dispatcher) == ["utter_no_checkins_yet"]
    person = make_tracker(slots={"mood_checkins": [old], "remember_consent": "yes"}, events=events)
    dispatcher.messages.clear()
    await ActionShowMood().run(dispatcher, person, domain)
    assert responses_sent(dispatcher) == ["utter_mood_trend"]
    assert dispatcher.messages[0]["custom"]["data"]["mood_chart"] == [
        {"date": "2026-11-20", "score": 3, "word": None}
    ]


async def test_welcome_back_after_six_hours_knows_the_boundary_day(dispatcher, domain):
    progress = started(date(2026, 11, 20), 30, ZONE, "2026-11-20T20:00:00+00:00")
    finished = {"pull_trigger": "nights", "boundary_rule": "no texts", "urge_plan": "a walk"}
    slots = {"remember_consent": "yes", "boundary_progress": progress, **finished}
    slots["boundary_duration"] = "30 days"
    person = tracker("2026-12-01T08:00:00Z", "2026-12-01T14:00:00Z", slots=slots)
    await ActionWelcomeBack().run(dispatcher, person, domain)
    assert responses_sent(dispatcher) == ["utter_welcome_back_boundary", "utter_offer_checkin"]
    assert dispatcher.messages[0]["day"] == "day 12 of 30"


@pytest.mark.parametrize(
    "times",
    [("2026-12-01T08:00:00Z", "2026-12-01T13:59:00Z"), ("2026-12-01T08:00:00Z",)],
)
async def test_no_welcome_back_within_a_visit_or_on_the_first(dispatcher, domain, times):
    person = tracker(*times, slots={"remember_consent": "yes", "hardest_part": "the silence"})
    await ActionWelcomeBack().run(dispatcher, person, domain)
    assert dispatcher.messages == []


@pytest.mark.parametrize("consent", [None, "no"])
async def test_without_consent_a_new_visit_is_offered_a_check_in_and_nothing_kept(
    dispatcher, domain, consent
):
    slots = {"remember_consent": consent, "hardest_part": "the silence"}
    person = tracker("2026-12-01T08:00:00Z", "2026-12-02T08:00:00Z", slots=slots)
    await ActionWelcomeBack().run(dispatcher, person, domain)
    assert responses_sent(dispatcher) == ["utter_offer_checkin"]


async def test_the_boundary_count_starts_the_local_day_it_is_set(dispatcher, domain):
    # 23:30 in Paris is already the next day there.
    person = make_tracker(
        intent="inform",
        text="30 days",
        events=[
            said("2026-12-01T22:30:00Z", "inform"),
            {"event": "slot", "timestamp": 2.0, "name": "boundary_duration", "value": "30 days"},
        ],
        slots={"requested_slot": "boundary_duration", "boundary_duration": "30 days"},
        active_loop="boundary_form",
    )
    events = await ValidateBoundaryForm().get_validation_events(dispatcher, person, domain)
    progress = slots_set(events)["boundary_progress"]
    assert (progress["start"], progress["days"], progress["timezone"]) == ("2026-12-01", 30, ZONE)
    assert "utter_boundary_count_offer" in responses_sent(dispatcher)


async def test_a_slip_keeps_the_count_until_the_person_restarts_it(dispatcher, domain):
    progress = started(date(2026, 11, 20), 30, ZONE, "2026-11-20T20:00:00+00:00")
    slots = {"remember_consent": "yes", "boundary_progress": progress}
    slip = tracker("2026-12-01T20:00:00Z", intent="boundary_slip", slots=slots)
    events = await ActionBoundarySlip().run(dispatcher, slip, domain)
    slipped = slots_set(events)["boundary_progress"]
    assert slipped["start"] == "2026-11-20" and slipped["slips"] == ["2026-12-01"]
    assert dispatcher.messages[0]["day"] == "day 12 of 30"

    slots["boundary_progress"] = slipped
    keep = tracker("2026-12-01T20:01:00Z", intent="boundary_keep", slots=slots)
    assert await ActionBoundaryCount().run(dispatcher, keep, domain) == []
    restart = tracker("2026-12-01T20:01:00Z", intent="boundary_restart", slots=slots)
    events = await ActionBoundaryCount().run(dispatcher, restart, domain)
    assert slots_set(events)["boundary_progress"]["start"] == "2026-12-01"


async def test_the_journal_is_text_and_a_markdown_file(dispatcher, domain):
    person = tracker(
        "2026-12-01T20:00:00Z",
        slots={"hardest_part": "the silence", "remember_consent": "yes"},
    )
    await ActionExportJournal().run(dispatcher, person, domain)
    message = dispatcher.messages[0]
    assert message["response"] == "utter_journal" and "the silence" in message["journal"]
    assert message["custom"]["data"]["journal"]["filename"] == "ember-journal-2026-12-01.md"
    assert "- The hardest part: the silence" in message["custom"]["data"]["journal"]["markdown"]


async def test_welcome_back_offers_to_resume_a_reflection_left_half_way(dispatcher, domain):
    slots = {"remember_consent": "yes", "hardest_part": "the silence"}
    person = tracker("2026-12-01T08:00:00Z", "2026-12-01T20:00:00Z", slots=slots)
    await ActionWelcomeBack().run(dispatcher, person, domain)
    assert responses_sent(dispatcher) == ["utter_welcome_back_reflection", "utter_offer_checkin"]
    assert dispatcher.messages[0]["reflection"] == "acceptance reflection"
    payloads = [button["payload"] for button in dispatcher.messages[0]["buttons"]]
    assert payloads == ["/request_acceptance", '/request_acceptance{"start_over": "yes"}']


async def test_the_web_chat_opened_again_is_welcomed_and_the_thread_picked_up(dispatcher, domain):
    slots = {"remember_consent": "yes", "hardest_part": "the silence"}
    person = tracker(
        "2026-12-01T08:00:00Z", "2026-12-01T20:00:00Z", intent="chat_reopened", slots=slots
    )
    await ActionWelcomeBack().run(dispatcher, person, domain)
    assert responses_sent(dispatcher) == [
        "utter_welcome_back",
        "utter_welcome_back_reflection",
        "utter_offer_checkin",
    ]


@pytest.mark.parametrize("consent", [None, "no"])
async def test_the_web_chat_opened_again_without_consent_picks_up_no_thread(
    dispatcher, domain, consent
):
    slots = {"remember_consent": consent, "hardest_part": "the silence"}
    person = tracker(
        "2026-12-01T08:00:00Z", "2026-12-01T20:00:00Z", intent="chat_reopened", slots=slots
    )
    await ActionWelcomeBack().run(dispatcher, person, domain)
    assert responses_sent(dispatcher) == ["utter_welcome_back", "utter_offer_checkin"]
