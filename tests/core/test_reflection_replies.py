import pytest

from ember.core.reflection_replies import (
    MAX_REFLECTION_CHARS,
    asks_for_a_reflection,
    clean_reflection,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  not checking his stories anymore  ", "not checking his stories anymore"),
        ("line one\nline two\r\n\tthree", "line one line two three"),
        ("bell\x07 and\x00 nulls", "bell and nulls"),
        ("zero\u200bwidth", "zero width"),
        ("ne plus le contacter 🌿", "ne plus le contacter 🌿"),
        ("لن أراسله بعد الآن", "لن أراسله بعد الآن"),
        ("30", "30"),
    ],
)
def test_answers_are_tidied_but_kept_in_their_words(raw, expected):
    assert clean_reflection(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "...", "🙂🙂", "\x00\x01", None, 42, ["a"]])
def test_nothing_readable_is_no_answer(raw):
    assert clean_reflection(raw) is None


def test_a_very_long_answer_is_cut_at_a_word_with_an_ellipsis():
    answer = clean_reflection("word " * 1000)
    assert len(answer) <= MAX_REFLECTION_CHARS + 1
    assert answer.endswith("word…")


@pytest.mark.parametrize(
    "text",
    ["lets set a boundary", "let's make a boundary", "help me set a boundary", "can we do that"],
)
def test_asking_for_the_reflection_again_is_not_an_answer(text):
    assert asks_for_a_reflection(text, "request_boundaries")


@pytest.mark.parametrize(
    "text, intent",
    [
        ("no texting him after 9pm", "request_boundaries"),
        ("lets set a boundary", "feeling_heartbroken"),  # only a reflection request counts
    ],
)
def test_an_answer_in_words_like_a_request_is_still_an_answer(text, intent):
    assert not asks_for_a_reflection(text, intent)
