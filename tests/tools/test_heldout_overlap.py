import random
from pathlib import Path

import pytest

from tools.heldout_overlap import (
    Example,
    duplicate_reason,
    heldout_examples,
    jaccard,
    main,
    near_duplicates,
    normalise,
    read_nlu,
    read_plain,
    read_stories,
    training_examples,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# The rules, one pair of raw texts at a time.


def test_normalise_lowercases_and_drops_punctuation_and_annotations():
    assert normalise("  I'm SO tired...  of [Canada](country)!! ") == "im so tired of canada"
    assert normalise('im in [the uk]{"entity": "country", "value": "GB"}') == "im in the uk"
    # Punctuation between words separates them; emoji are kept.
    assert normalise("sad,tired—done 💔") == "sad tired done 💔"


def test_identical_once_case_and_punctuation_are_gone():
    assert duplicate_reason("He won't let me see my friends!", "he wont let me see my friends") == (
        "identical",
        1.0,
    )


def test_the_same_words_in_another_order_are_identical_by_jaccard():
    assert duplicate_reason("for now thats all", "thats all for now") == ("jaccard", 1.0)


def test_jaccard_at_the_threshold_counts():
    assert jaccard({"a", "b", "c", "d"}, {"a", "b", "c", "d", "e"}) == 0.8
    reason, score = duplicate_reason(
        "how long does the runner phase last", "how long does the runner phase usually last"
    )
    assert reason == "jaccard" and score == 7 / 8


def test_a_typo_is_a_near_duplicate_by_characters():
    # Only 5 of 7 words are shared (Jaccard 0.71); the characters nearly all are.
    reason, score = duplicate_reason("i want to end my life", "i want to end my lfie")
    assert reason == "chars" and 0.9 <= score < 1


def test_one_added_word_in_a_short_text_is_a_near_duplicate():
    assert duplicate_reason("i appreciate it", "appreciate it")[0] == "chars"


@pytest.mark.parametrize(
    ("heldout", "training"),
    [
        ("he blocked me on every app", "she moved in with someone else"),
        ("i want to die", "i want to dye my hair"),
        ("give me a journal prompt", "can you suggest something to write about tonight"),
        ("i am in france", "i live in canada"),
        ("yes", "no"),
        ("", ""),  # nothing left to compare is no evidence of a leak
    ],
)
def test_clearly_different_texts_are_not_near_duplicates(heldout, training):
    assert duplicate_reason(heldout, training) is None


# The indexed search finds what comparing every pair finds.


def test_near_duplicates_reports_each_pair_with_its_files_and_reason():
    heldout = [
        Example("I'm in France!", "tests/nlu/test_nlu.yml"),
        Example("something else entirely different", "tests/nlu/test_nlu.yml"),
    ]
    training = [
        Example("im in france", "data/nlu/country.yml"),
        Example("im in frnace", "data/nlu/typos.yml"),
    ]
    pairs = near_duplicates(heldout, training)
    assert [(p.heldout, p.training, p.reason) for p in pairs] == [
        (heldout[0], training[0], "identical"),
        (heldout[0], training[1], "chars"),
    ]
    assert 'tests/nlu/test_nlu.yml: "I\'m in France!"' in pairs[0].describe()
    assert "data/nlu/country.yml" in pairs[0].describe()


def test_a_text_repeated_in_one_file_is_reported_once():
    heldout = [Example("yes", "tests/stories/a.yml")] * 3 + [Example("yes", "tests/stories/b.yml")]
    pairs = near_duplicates(heldout, [Example("yes", "data/nlu/conversation.yml")])
    assert [pair.heldout.source for pair in pairs] == ["tests/stories/a.yml", "tests/stories/b.yml"]


def mutate(text: str, rng: random.Random) -> str:
    """A few random character or word edits: pairs on both sides of every threshold."""
    for _ in range(rng.randint(0, 5)):
        words = text.split()
        kind = rng.choice(["delete", "insert", "replace", "drop word", "add word", "swap"])
        position = rng.randrange(len(text)) if text else 0
        if kind == "delete":
            text = text[:position] + text[position + 1 :]
        elif kind == "insert":
            text = text[:position] + rng.choice("aeinost ") + text[position:]
        elif kind == "replace":
            text = text[:position] + rng.choice("aeinost") + text[position + 1 :]
        elif kind == "drop word" and len(words) > 1:
            words.pop(rng.randrange(len(words)))
            text = " ".join(words)
        elif kind == "add word":
            words.insert(rng.randrange(len(words) + 1), rng.choice(["so", "just", "tonight"]))
            text = " ".join(words)
        elif kind == "swap" and len(words) > 1:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
            text = " ".join(words)
    return text


def test_the_index_finds_exactly_what_comparing_every_pair_finds():
    rng = random.Random(20261201)
    texts = sorted({normalise(example.text) for example in training_examples()} - {""})
    training = [Example(text, "training") for text in rng.sample(texts, 200)]
    heldout = [Example(mutate(e.text, rng), "heldout") for e in rng.sample(training, 80)]
    heldout += [Example(text, "heldout") for text in ["ok", "no", "i", "😞", "x y z"]]

    found = {
        (pair.heldout.text, pair.training.text, pair.reason)
        for pair in near_duplicates(heldout, training)
    }
    expected = {
        (h.text, t.text, reason[0])
        for h in heldout
        for t in training
        if (reason := duplicate_reason(h.text, t.text))
    }
    assert found == expected
    assert {reason for _, _, reason in expected} == {"identical", "jaccard", "chars"}


# The readers.


def test_read_nlu_takes_intent_examples_without_annotations(tmp_path):
    path = write(
        tmp_path / "data" / "nlu" / "country.yml",
        """version: "3.1"
nlu:
- intent: inform_country
  examples: |
    - i live in [canada](country)
    - im in [the uk]{"entity": "country", "value": "GB"}
- intent: greet
  examples:
  - text: hello there
    metadata: {sentiment: neutral}
- synonym: GB
  examples: |
    - britain
- lookup: country
  examples: |
    - canada
""",
    )
    assert read_nlu(path, tmp_path) == [
        Example("i live in canada", "data/nlu/country.yml"),
        Example("im in the uk", "data/nlu/country.yml"),
        Example("hello there", "data/nlu/country.yml"),
    ]


def test_read_plain_takes_every_string_however_nested(tmp_path):
    path = write(
        tmp_path / "tests" / "safety" / "fresh_crisis_sets.yml",
        """# a comment
crisis:
  explicit:
    - i want it all to end
  coded:
    nested:
      - kms fr
not_crisis:
  - no
  - 'this traffic is killing me'
""",
    )
    assert [e.text for e in read_plain(path, tmp_path)] == [
        "i want it all to end",
        "kms fr",
        "no",  # a bare `no` stays text, not a boolean
        "this traffic is killing me",
    ]
    assert {e.source for e in read_plain(path, tmp_path)} == {"tests/safety/fresh_crisis_sets.yml"}


def test_read_stories_takes_user_turns_but_not_button_payloads(tmp_path):
    path = write(
        tmp_path / "tests" / "stories" / "test_x.yml",
        """version: "3.1"
stories:
- story: one
  steps:
  - user: |
      im in [australia]{"entity": "country", "value": "AU"}
    intent: inform_country
  - action: utter_country_noted
  - user: yes
    intent: affirm
  - user: |
      /inform_country{"country":"IE"}
    intent: inform_country
  - or:
    - user: thanks a lot
      intent: thank
rules:
- rule: two
  steps:
  - user: |
      bye for now
    intent: goodbye
""",
    )
    assert [e.text for e in read_stories(path, tmp_path)] == [
        "im in australia",
        "yes",
        "thanks a lot",
        "bye for now",
    ]


def test_every_held_out_and_training_file_is_found_and_a_missing_folder_is_fine(tmp_path):
    write(tmp_path / "tests/nlu/test_nlu.yml", "nlu:\n- intent: a\n  examples: |\n    - one\n")
    write(tmp_path / "tests/safety/crisis_phrasings.yml", "crisis:\n  - two\n")
    write(tmp_path / "tests/safety/fresh_abuse_sets.yml", "abuse:\n  - three\n")
    story = "stories:\n- story: s\n  steps:\n  - user: four of us here\n  - user: yes\n"
    write(tmp_path / "tests/stories/test_s.yml", story)
    write(tmp_path / "data/nlu/a.yml", "nlu:\n- intent: a\n  examples: |\n    - five\n")
    write(tmp_path / "data/nlu/more/b.yml", "nlu:\n- intent: b\n  examples: |\n    - six\n")

    assert not (tmp_path / "tests/conversations").exists()
    assert [(e.text, e.source) for e in heldout_examples(tmp_path)] == [
        ("one", "tests/nlu/test_nlu.yml"),
        ("two", "tests/safety/crisis_phrasings.yml"),
        ("three", "tests/safety/fresh_abuse_sets.yml"),
        # "yes": a dialogue turn of three words or fewer is formulaic and not checked.
        ("four of us here", "tests/stories/test_s.yml"),
    ]
    conversation = "stories:\n- story: c\n  steps:\n  - user: 7 days no reply\n"
    write(tmp_path / "tests/conversations/c.yml", conversation)
    assert heldout_examples(tmp_path)[-1] == Example("7 days no reply", "tests/conversations/c.yml")
    assert [e.text for e in training_examples(tmp_path)] == ["five", "six"]


# The command.


def test_the_command_prints_each_pair_and_fails(tmp_path, capsys):
    write(tmp_path / "tests/nlu/test_nlu.yml", "nlu:\n- intent: a\n  examples: |\n    - Hi!\n")
    write(tmp_path / "data/nlu/a.yml", "nlu:\n- intent: a\n  examples: |\n    - hi\n    - yo\n")
    assert main(tmp_path) == 1
    output = capsys.readouterr().out
    assert "tests/nlu/test_nlu.yml: 'Hi!'" in output
    assert "identical with data/nlu/a.yml: 'hi'" in output
    assert "Near-duplicates of training examples: 1 held-out example (1 pair: identical 1" in output


def test_the_command_passes_with_a_one_line_summary(tmp_path, capsys):
    write(tmp_path / "tests/nlu/test_nlu.yml", "nlu:\n- intent: a\n  examples: |\n    - hello\n")
    write(tmp_path / "data/nlu/a.yml", "nlu:\n- intent: a\n  examples: |\n    - bye\n")
    assert main(tmp_path) == 0
    output = capsys.readouterr().out
    assert output.count("\n") == 1
    assert output.startswith("No near-duplicates: 1 held-out example checked against 1 training")


# The project itself.


def test_no_held_out_example_is_a_near_duplicate_of_a_training_example():
    pairs = near_duplicates(heldout_examples(), training_examples())
    assert pairs == [], "\n" + "\n".join(pair.describe() for pair in pairs)
