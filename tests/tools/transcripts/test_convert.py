"""NLU examples keep the training data's entity annotations and never gain accidental ones."""

from __future__ import annotations

from tools.transcripts.convert import Outcome, example_text
from tools.transcripts.scrub import Scrubber
from tools.transcripts.write import Existing, normalise, plan

scrub = Scrubber(known=["uk"], names=["james"])


def test_entities_are_annotated_and_the_rest_scrubbed():
    text = "james says im in the uk now"
    entities = [{"entity": "country", "value": "GB", "start": 21, "end": 23}]
    assert example_text(text, entities, scrub) == (
        '[name] says im in the [uk]{"entity": "country", "value": "GB"} now'
    )


def test_a_placeholder_is_never_read_as_an_annotation():
    assert example_text("ask james(he knows)", [], scrub) == "ask [name] (he knows)"
    assert example_text("[x](y) as typed", [], scrub) == "[x] (y) as typed"


def test_examples_compare_without_case_spaces_or_annotations():
    assert normalise('Im  in the [UK]{"entity": "country", "value": "GB"} ') == "im in the uk"


def test_an_example_that_is_only_placeholders_is_not_added():
    outcome = Outcome("k", "chat.txt:1", examples=[("greet", "[name]"), ("greet", "hey [name]")])
    result = plan("chat", [outcome], Existing(), include_sensitive=False)
    assert result.examples == [("greet", "hey [name]")]
    assert result.known_examples["nothing left after scrubbing"] == 1
