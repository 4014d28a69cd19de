"""The conversation suite said by people to the real servers, each message read by the NLU
and everything after it done for real (tools/replay_conversations.py): a misread message
leads the rest of its conversation astray here, as it would for a person, where
`make test-conversations` goes on from the story's own labels."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import keep_figures
from tests.servers import TOKEN
from tools.check_conversations import SUITE
from tools.replay_conversations import CRISIS_REPLY, replay, stories_in, summary

pytestmark = pytest.mark.e2e

# Floors under the replay of 2026-12-03 (91.4% of turns, 2 crisis replies elsewhere; the
# model of stop 26 got 86.6%, 5, and missed a crisis turn): a fall below them is a
# regression in understanding people, not noise, as the replay is the same for a model.
MIN_TURNS_RIGHT = 0.90
MAX_FALSE_CRISIS_REPLIES = 2


def test_the_conversation_suite_holds_when_every_turn_is_read_and_acted_on(ember, capsys):
    stories = stories_in([SUITE])
    for _, turns in stories:
        replay(ember.base_url, TOKEN, turns)
    turns = [turn for _, story_turns in stories for turn in story_turns]
    right = sum(turn.right for turn in turns) / len(turns)
    missed = [t.text for t in turns if t.crisis_expected and CRISIS_REPLY not in t.actions]
    alarms = [t.text for t in turns if not t.crisis_expected and CRISIS_REPLY in t.actions]
    keep_figures(
        "conversations.json",
        "replayed",
        {"turns_right": round(right, 3), "crisis_missed": missed, "false_crisis": alarms},
    )
    with capsys.disabled():
        print(f"\n{summary(stories)}")
    assert missed == []
    assert len(alarms) <= MAX_FALSE_CRISIS_REPLIES, alarms
    assert right >= MIN_TURNS_RIGHT
