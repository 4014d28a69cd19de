from datetime import datetime, timezone

from ember.core.boundaries import started, with_slip
from ember.core.journal import as_markdown, as_text, reflections_summary, sections
from ember.core.mood import checkin

NOW = datetime(2026, 12, 12, 9, 0, tzinfo=timezone.utc)
SLOTS = {
    "hardest_part": "the silence",
    "boundary_rule": "no messages to him",
    "boundary_duration": "30 days",
    "urge_plan": "call my sister",
    "boundary_progress": with_slip(
        started(datetime(2026, 12, 1).date(), 30, "UTC", ""), datetime(2026, 12, 5).date()
    ),
    "mood_checkins": [checkin(2, "2026-12-10T20:00:00+00:00", "UTC", "tired")],
    "warning_signs": "not sleeping",
    "situation": "they_blocked_me",  # not something they wrote: never in the journal
}
DATED = {"Your acceptance reflection": datetime(2026, 12, 2, 21, 0, tzinfo=timezone.utc)}


def test_the_journal_holds_what_was_kept_and_nothing_else():
    text = as_text(sections(SLOTS, DATED, NOW, "UTC"), NOW, "UTC")
    for kept in ("the silence", "no messages to him", "call my sister", "not sleeping", "tired"):
        assert kept in text
    assert "Today is day 12 of 30, counted from 1 Dec 2026" in text
    assert "Slips, met kindly: 5 Dec 2026" in text
    assert "10 Dec 2026: 2 (low), tired" in text
    assert "Your acceptance reflection (2 Dec 2026)" in text
    assert "they_blocked_me" not in text


def test_an_empty_conversation_has_an_empty_journal():
    assert sections({"situation": "x"}, {}, NOW, "UTC") == []


def test_markdown_keeps_their_words_from_being_read_as_markup():
    slots = {"hardest_part": "# not a title <script>alert(1)</script> *really*"}
    markdown = as_markdown(sections(slots, {}, NOW, "UTC"), NOW, "UTC")
    assert markdown.startswith("# My Ember journal\n")
    assert "## Your acceptance reflection" in markdown
    assert "- The hardest part: \\# not a title \\<script\\>alert(1)\\</script\\> \\*really\\*" in (
        markdown
    )


def test_reflections_summary_is_unchanged_for_show_me_what_i_wrote():
    assert reflections_summary({"hardest_part": "the silence"}) == (
        "Your acceptance reflection\nThe hardest part: the silence"
    )
    assert reflections_summary({}) is None
