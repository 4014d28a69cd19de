from datetime import date

import pytest

from ember.core.boundaries import (
    day_label,
    duration_days,
    restarted,
    start_date,
    started,
    with_slip,
)


@pytest.mark.parametrize(
    "text, days",
    [
        ("30 days", 30),
        ("no contact for 30 days", 30),
        ("two weeks", 14),
        ("a month", 30),
        ("3 months", 90),
        ("a 90-day reset", 90),
        ("one year", 365),
        ("a fortnight", 14),
        ("week", 7),
    ],
)
def test_durations_in_everyday_words(text, days):
    assert duration_days(text) == days


@pytest.mark.parametrize("text", ["forever", "until i feel ready", "", None, "0 days", "999 years"])
def test_an_open_or_unclear_duration_has_no_length(text):
    assert duration_days(text) is None


def test_the_day_label():
    assert day_label(12, 30) == "day 12 of 30"
    assert day_label(12, None) == "day 12"
    assert day_label(31, 30) == "day 31 (your 30 days are behind you)"


def test_a_slip_is_recorded_and_the_count_stays():
    progress = started(date(2026, 11, 20), 30, "Europe/Paris", "2026-11-20T21:00:00+00:00")
    slipped = with_slip(progress, date(2026, 11, 25))
    assert start_date(slipped) == date(2026, 11, 20)
    assert slipped["slips"] == ["2026-11-25"]


def test_only_a_restart_moves_the_start_and_keeps_the_slips():
    progress = with_slip(started(date(2026, 11, 20), 30, "UTC", ""), date(2026, 11, 25))
    again = restarted(progress, date(2026, 11, 26))
    assert start_date(again) == date(2026, 11, 26)
    assert again["slips"] == ["2026-11-25"] and again["days"] == 30


@pytest.mark.parametrize("progress", [None, {}, {"start": "someday"}, {"start": None}])
def test_a_broken_record_has_no_start(progress):
    assert start_date(progress) is None
