"""Coming back across simulated days, over REST through the real servers: each message
carries its time (`test_now`, honoured because the test action server runs with
EMBER_TEST_CLOCK=1) and the browser's time zone, as the web chat sends it."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import buttons, texts

pytestmark = pytest.mark.e2e

ZONE = "Europe/Paris"


def at(day: str, time: str = "20:00") -> dict:
    return {"test_now": f"{day}T{time}:00Z", "timezone": ZONE}


def customs(replies: list[dict]) -> list[dict]:
    return [reply["custom"]["data"] for reply in replies if "custom" in reply]


def test_check_ins_and_a_boundary_followed_across_days_then_erased(ember):
    me = f"back-{uuid.uuid4().hex[:12]}"
    day1 = at("2026-11-20")

    # Day 1: a boundary for 30 days, then a first check-in typed in words, then consent.
    ember.say(me, "/request_boundaries", day1)
    ember.say(me, "late at night when i feel alone", day1)
    ember.say(me, "no messages to him at all", day1)
    offer = texts(ember.say(me, "30 days", day1))
    assert "remember me" in offer  # the count is offered, never kept silently
    ember.say(me, "i will call my sister instead", day1)
    asked = ember.say(me, "/check_in", day1)
    assert '/inform_mood{"mood_score": "2"}' in buttons(asked)
    ember.say(me, "pretty low tonight", day1)
    consent = ember.say(me, "tired", day1)
    assert "/remember_me" in buttons(consent) and "/stop_remembering" in buttons(consent)
    ember.say(me, "/remember_me", day1)

    # Day 12, more than six hours later: welcomed back with the day and asked to check in.
    day12 = at("2026-12-01", "18:30")
    welcome = ember.say(me, "hello", day12)
    assert "day 12 of 30" in texts(welcome)
    assert '/inform_mood{"mood_score": "4"}' in buttons(welcome)
    ember.say(me, '/inform_mood{"mood_score": "4"}', day12)
    ember.say(me, "/deny", day12)  # the word why is skipped
    trend = ember.say(me, "/show_my_mood", day12)
    assert "Last 14 days: 2 check-ins" in texts(trend)
    assert "better on the last two" not in texts(trend)  # two points are not a trend yet
    chart = customs(trend)[0]["mood_chart"]
    assert [point["score"] for point in chart] == [2, 4]

    # A slip: met kindly; the count stays unless the person restarts it.
    slip = texts(ember.say(me, "/boundary_slip", day12))
    assert "day 12 of 30" in slip
    kept = texts(ember.say(me, "/boundary_keep", day12))
    assert "day 12 of 30" in kept
    shown = texts(ember.say(me, "/show_my_boundary", at("2026-12-02", "09:00")))
    assert "no messages to him at all" in shown and "day 13 of 30" in shown
    assert "call my sister" in shown and "Slips, met kindly: 1 Dec 2026" in shown

    # The journal: everything kept, as text and as a Markdown file.
    exported = ember.say(me, "/export_my_journal", day12)
    journal = customs(exported)[0]["journal"]
    assert journal["filename"] == "ember-journal-2026-12-01.md"
    for kept_text in ("no messages to him at all", "late at night when i feel alone", "tired"):
        assert kept_text in journal["markdown"] and kept_text in texts(exported)
    assert "Your boundary reflection (20 Nov 2026)" in texts(exported)

    # Delete my data: the conversation and everything kept in it are gone.
    ember.say(me, "/delete_my_data", day12)
    ember.say(me, "/affirm", day12)
    after = texts(ember.say(me, "/show_my_mood", day12))
    assert "no check-ins to show yet" in after
    assert "tired" not in str(ember.tracker(me))


def test_without_consent_nothing_is_carried_into_the_next_visit(ember):
    me = f"back-{uuid.uuid4().hex[:12]}"
    ember.say(me, "/check_in", at("2026-11-20"))
    ember.say(me, "3", at("2026-11-20"))
    ember.say(me, "okay", at("2026-11-20"))
    ember.say(me, "/stop_remembering", at("2026-11-20"))
    same_visit = texts(ember.say(me, "/show_my_mood", at("2026-11-20", "20:05")))
    assert "Last 14 days: 1 check-in" in same_visit
    welcome = ember.say(me, "hi", at("2026-11-22"))
    assert "Last time you checked in" not in texts(welcome)
    assert '/inform_mood{"mood_score": "3"}' in buttons(welcome)  # a new visit's check-in
    next_visit = texts(ember.say(me, "/show_my_mood", at("2026-11-22", "20:01")))
    assert "no check-ins to show yet" in next_visit


def acceptance_left_half_way(ember, remembered: bool = True) -> str:
    """A conversation that stopped after the acceptance reflection's first answer, on 20 Nov."""
    me = f"back-{uuid.uuid4().hex[:12]}"
    if remembered:
        ember.say(me, "/remember_me", at("2026-11-20"))
    ember.say(me, "/request_acceptance", at("2026-11-20"))
    ember.say(me, "the quiet evenings", at("2026-11-20"))
    ember.say(me, "/stop", at("2026-11-20"))
    return me


def test_a_reflection_left_half_way_is_offered_again_on_the_next_visit(ember):
    me = acceptance_left_half_way(ember)
    welcome = ember.say(me, "hi", at("2026-11-21"))
    assert "acceptance reflection" in texts(welcome)
    assert "/request_acceptance" in buttons(welcome)


def test_the_web_chat_opened_again_is_welcomed_and_a_reflection_can_start_fresh(ember):
    me = acceptance_left_half_way(ember)

    # The page reopened the next day sends this by itself; the person typed nothing.
    welcome = ember.say(me, "/chat_reopened", at("2026-11-21"))
    assert "Welcome back" in texts(welcome)
    assert "acceptance reflection" in texts(welcome)
    fresh = '/request_acceptance{"start_over": "yes"}'
    assert fresh in buttons(welcome)

    ember.say(me, fresh, at("2026-11-21"))
    slots = ember.tracker(me)["slots"]
    assert slots["hardest_part"] is None and slots["start_over"] is None
    ember.say(me, "the mornings now", at("2026-11-21"))
    ember.say(me, "/stop", at("2026-11-21"))
    kept = texts(ember.say(me, "/show_my_reflections", at("2026-11-21")))
    assert "the mornings now" in kept and "the quiet evenings" not in kept


def test_the_web_chat_opened_again_without_consent_picks_up_no_thread(ember):
    me = acceptance_left_half_way(ember, remembered=False)
    welcome = ember.say(me, "/chat_reopened", at("2026-11-21"))
    assert "Welcome back" in texts(welcome)
    assert "acceptance reflection" not in texts(welcome)
    assert not any(payload.startswith("/request_") for payload in buttons(welcome))
