"""The never-list reads for meaning: a table of replies it must flag and replies it must pass
(tests/core/never_list_cases.yml, written fresh for this test), including the ones the
issue named."""

from pathlib import Path

import pytest
import yaml

from ember.core.never_list import violations

CASES = yaml.safe_load(Path(__file__).with_name("never_list_cases.yml").read_text())
NAMED_IN_THE_ISSUE = [
    "Your twin flame will return when the time is right",
    "Trust divine timing; union is on its way",
    "Your inner work reaches them energetically",
    "They run because their soul loves you so deeply",
    "The runner always comes back",
    "Try messaging them from another account",
    "You might be depressed; try melatonin",
    "You could text him again tomorrow",
]


def test_the_table_is_big_enough():
    assert len(CASES["must_flag"]) >= 40 and len(CASES["must_pass"]) >= 40


@pytest.mark.parametrize("reply", CASES["must_flag"] + NAMED_IN_THE_ISSUE)
def test_what_ember_must_never_say_is_flagged(reply):
    assert violations(reply), reply


@pytest.mark.parametrize("reply", CASES["must_pass"] + ["Don't text him tonight."])
def test_what_ember_should_say_passes(reply):
    assert violations(reply) == [], reply
