from datetime import datetime, timedelta, timezone

import pytest

from ember.core.mood import (
    chart_points,
    checkin,
    falling,
    one_word,
    recent,
    score_from_text,
    trend_summary,
)

NOW = datetime(2026, 12, 14, 20, 0, tzinfo=timezone.utc)


def series(*scores: int, words=None) -> list[dict]:
    """One check-in a day, the last one today."""
    start = NOW - timedelta(days=len(scores) - 1)
    return [
        checkin(score, (start + timedelta(days=i)).isoformat(), "UTC", (words or {}).get(i))
        for i, score in enumerate(scores)
    ]


@pytest.mark.parametrize(
    "text, score",
    [
        ('/inform_mood{"mood_score": "2"}', 2),
        ("3", 3),
        ("i'd say a 2 today", 2),
        ("4 out of 5", 4),
        ("2/5", 2),
        ("four", 4),
        ("pretty low", 2),
        ("not good", 2),
        ("not bad actually", 3),
        ("really good", 5),
        ("awful", 1),
        ("okay i guess", 3),
    ],
)
def test_typed_and_button_answers_are_read(text, score):
    assert score_from_text(text) == score


@pytest.mark.parametrize("text", ["", "banana", "7", "10 out of 10", "0", None, "2.5", 3])
def test_an_answer_off_the_scale_is_not_a_score(text):
    assert score_from_text(text) is None


def test_the_word_why_is_optional_and_short():
    assert one_word(" tired. ") == "tired"
    assert one_word("skip") is None
    assert one_word("/deny") is None
    assert len(one_word("because " * 30)) <= 41


def test_the_summary_counts_names_the_usual_score_and_the_direction():
    summary = trend_summary(series(2, 2, 1, 2, 3, 4), NOW, "UTC")
    first = summary.splitlines()[0]
    assert first == "Last 14 days: 6 check-ins, mostly 2 (low), better on the last two."
    assert len(summary.splitlines()) == 7


def test_the_summary_says_lower_without_judging():
    first = trend_summary(series(4, 4, 3, 2, 2), NOW, "UTC").splitlines()[0]
    assert first.endswith("lower on the last two.")
    for judgement in ("bad", "worse", "should", "fail"):
        assert judgement not in first


def test_older_check_ins_are_left_out_of_the_last_14_days():
    old = checkin(1, (NOW - timedelta(days=20)).isoformat(), "UTC", None)
    assert trend_summary([old, *series(3)], NOW, "UTC").startswith("Last 14 days: 1 check-in, 3")
    assert trend_summary([old], NOW, "UTC") == "No check-ins in the last 14 days yet."


def test_broken_entries_are_skipped():
    broken = [{"at": "soon", "score": 3}, {"at": NOW.isoformat(), "score": 9}, {}]
    assert recent(broken + series(2), NOW) and len(recent(broken + series(2), NOW)) == 1


def test_the_lines_show_the_local_day_and_the_word():
    summary = trend_summary(series(2, words={0: "tired"}), NOW, "Pacific/Auckland")
    assert summary.splitlines()[1] == "Tue 15 Dec: 2 (low), tired"


@pytest.mark.parametrize(
    "scores, expected",
    [
        ((4, 3, 2), True),
        ((3, 3, 2), True),
        ((5, 4, 4, 3), True),
        ((3, 3, 3), False),
        ((2, 3, 2), False),
        ((4, 2), False),
        ((1, 2, 3), False),
    ],
)
def test_a_falling_run_of_three_is_noticed(scores, expected):
    assert falling(series(*scores), NOW) is expected


def test_the_chart_gets_one_point_per_check_in():
    points = chart_points(series(1, 3, 5, words={1: "walk"}), NOW, "UTC")
    assert [p["score"] for p in points] == [1, 3, 5]
    assert points[1] == {"date": "2026-12-13", "score": 3, "word": "walk"}
