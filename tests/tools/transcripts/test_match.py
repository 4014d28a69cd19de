"""Bot lines of a transcript are matched to domain responses, or left unmatched and flagged."""

from __future__ import annotations

import pytest

from tools.transcripts.match import FUZZY_THRESHOLD, ResponseMatcher, fold, group_bot_lines

RESPONSES = {
    "utter_greet": [
        {"text": "Hello, and welcome.\n\nWhat's going on for you?"},
        {"text": "Hi there. What's weighing on you right now?"},
    ],
    "utter_offer_paths": [{"text": "What would help most right now?", "buttons": []}],
    "utter_summary": [{"text": "Here's what you shared.\n\nThe hardest part: {hardest_part}"}],
    "utter_crisis": [
        {
            "condition": [{"type": "slot", "name": "country", "value": "GB"}],
            "text": "I'm glad you told me.\n\nCall 999 or Samaritans on 116 123.",
        },
        {"text": "I'm glad you told me.\n\nCall your local emergency number."},
    ],
}


@pytest.fixture
def matcher() -> ResponseMatcher:
    return ResponseMatcher(RESPONSES)


def lines(*texts: str) -> list[tuple[str, str]]:
    return [(text, f"chat.txt:{number}") for number, text in enumerate(texts, start=1)]


def test_a_whole_response_matches_exactly(matcher):
    found = matcher.match("Hi there.  What’s weighing on you right now?")
    assert (found.response, found.variation, found.score) == ("utter_greet", 1, 1.0)


def test_paragraphs_sent_one_by_one_make_one_turn(matcher):
    turns = group_bot_lines(
        matcher,
        lines("Hello, and welcome.", "What's going on for you?", "What would help most right now?"),
    )
    assert [(t.response, len(t.lines)) for t in turns] == [
        ("utter_greet", 2),
        ("utter_offer_paths", 1),
    ]
    assert turns[0].where == "chat.txt:1"


def test_the_same_response_twice_is_two_turns(matcher):
    turns = group_bot_lines(
        matcher, lines("What would help most right now?", "What would help most right now?")
    )
    assert [t.response for t in turns] == ["utter_offer_paths", "utter_offer_paths"]


def test_slot_placeholders_match_any_text(matcher):
    turns = group_bot_lines(
        matcher, lines("Here's what you shared.", "The hardest part: the silence, every night")
    )
    assert [(t.response, len(t.lines)) for t in turns] == [("utter_summary", 2)]


def test_conditional_variations_count(matcher):
    found = matcher.match("Call 999 or Samaritans on 116 123.")
    assert (found.response, found.variation, found.paragraph) == ("utter_crisis", 0, 1)
    turns = group_bot_lines(
        matcher, lines("I'm glad you told me.", "Call your local emergency number.")
    )
    assert [(t.response, len(t.lines)) for t in turns] == [("utter_crisis", 2)]


def test_a_small_difference_still_matches_fuzzily(matcher):
    found = matcher.match("Hi there! What is weighing on you right now?")
    assert found.response == "utter_greet"
    assert FUZZY_THRESHOLD <= found.score < 1.0


def test_something_else_matches_nothing(matcher):
    assert matcher.match("Have you tried sending them flowers?") is None
    assert matcher.match("What would help you most right now, do you think, honestly?") is None
    (turn,) = group_bot_lines(matcher, lines("Have you tried sending them flowers?"))
    assert turn.response is None and turn.score == 0.0


def test_a_placeholder_only_paragraph_follows_its_response_and_matches_nothing_alone():
    matcher = ResponseMatcher(
        {
            "utter_my_reflections": [
                {"text": "Here is everything you wrote.\n\n{summary}\n\nIt is yours."}
            ]
        }
    )
    assert matcher.match("Would you like to hear about our premium plan?") is None
    (turn,) = group_bot_lines(
        matcher,
        lines(
            "Here is everything you wrote.",
            "Acceptance: the quiet",
            "Boundaries: no",
            "It is yours.",
        ),
    )
    assert (turn.response, len(turn.lines)) == ("utter_my_reflections", 4)
    alone = group_bot_lines(matcher, lines("Great choice. Have a wonderful day!"))
    assert [t.response for t in alone] == [None]


def test_lines_of_another_bot_match_no_response_of_the_domain(domain):
    matcher = ResponseMatcher(domain["responses"])
    for line in (
        "Thanks for contacting the help desk! Your ticket number is on its way.",
        "Would you like to hear about our premium plan?",
        "Great choice. Have a wonderful day and come back soon!",
    ):
        assert matcher.match(line) is None, line


def test_folding_ignores_case_spaces_and_typographic_quotes():
    assert fold("  What’s  “this”\n— ok ") == 'what\'s "this" - ok'


def test_every_response_in_the_domain_matches_itself(domain):
    matcher = ResponseMatcher(domain["responses"])
    for name, variations in domain["responses"].items():
        for variation in variations:
            if "{" not in variation["text"]:
                assert matcher.match(variation["text"]).response == name, name
