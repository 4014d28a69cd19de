"""Personal data never reaches a written file: a table of what must go and what must stay."""

from __future__ import annotations

import pytest

from tests.helpers import PROJECT_ROOT
from tools.transcripts.scrub import Scrubber, known_words, load_names


@pytest.fixture(scope="module")
def scrub() -> Scrubber:
    return Scrubber(known_words(PROJECT_ROOT))


@pytest.mark.parametrize(
    "text, expected",
    [
        # emails
        ("mail me at jo.smith+tf@example.com", "mail me at [email]"),
        ("her address is A.Nother@mail.example.co.uk.", "her address is [email]."),
        # phone numbers, international and national formats
        ("call +44 7700 900123 tonight", "call [phone] tonight"),
        ("his number is 0044 20 7946 0958", "his number is [phone]"),
        ("text (555) 123-4567 if you see this", "text [phone] if you see this"),
        ("+1-202-555-0143", "[phone]"),
        ("030 1234 5678 is her office", "[phone] is her office"),
        ("+33 6 12 34 56 78", "[phone]"),
        # urls
        ("look at https://example.com/our-story?id=7.", "look at [url]."),
        ("www.example.org/blog is his", "[url] is his"),
        ("his site twinflame-journey.net/about", "his site [url]"),
        # handles
        ("she is @jamie.k_88 on insta", "she is [handle] on insta"),
        ("dm @Runner_Soul.", "dm [handle]."),
        # names from the list, in any case
        ("my ex james blocked me", "my ex [name] blocked me"),
        ("Sarah stopped replying", "[name] stopped replying"),
        ("me and PRIYA are done", "me and [name] are done"),
        # names by the capitalised-word heuristic
        ("i told Kofi i was done", "i told [name] i was done"),
        ("We met in Lisbon last spring", "We met in [name] last spring"),
        ("he said: Hey. Then Zephyrine texted me", "he said: Hey. Then [name] texted me"),
        # several at once
        (
            "Marguerite (@marg.b, marg@example.com) said call 07700 900456",
            "Marguerite ([handle], [email]) said call [phone]",
        ),
    ],
)
def test_personal_data_is_replaced(scrub, text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "he stopped replying three weeks ago",
        "it has been 30 days of no contact",
        "we split on 2026-01-31 and i still cry",
        "I keep checking his Instagram on Monday nights",
        "Will he come back? I asked God and the Universe",
        "my Twin Flame ran and I am the Chaser now",
        "I'm in the UK",
        "i'm in Ireland, can you help",
        "Ember, are you a bot?",
        "from 2019 to 2021 we were together",
    ],
)
def test_ordinary_words_stay(scrub, text):
    assert scrub(text) == text


def test_the_names_list_has_no_everyday_words():
    assert {"will", "mark", "grace", "hope", "joy", "may", "rose", "faith"} & load_names() == set()


def test_a_project_word_list_can_be_passed_in():
    scrubber = Scrubber(known=["lisbon"], names=["kofi"])
    assert scrubber("i told Kofi about Lisbon, Marguerite") == "i told [name] about Lisbon, [name]"
