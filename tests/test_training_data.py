"""The training data keeps its promises: enough varied examples, and a truly held-out test set."""

from collections import defaultdict
from pathlib import Path

import yaml

from tests.helpers import PROJECT_ROOT
from tools.transcripts.write import normalise as plain  # also what `make stories` dedupes by
from tools.validate import IMPOSED_INTENTS

MIN_EXAMPLES = 20


def examples_by_intent(paths) -> dict:
    found = defaultdict(list)
    for path in paths:
        for block in yaml.safe_load(Path(path).read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                found[block["intent"]] += [
                    plain(line[2:]) for line in block["examples"].splitlines() if line.strip()
                ]
    return found


TRAINING = examples_by_intent(sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")))
HELD_OUT = examples_by_intent([PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"])


def learned_intents(domain) -> set[str]:
    """Every domain intent but those a pipeline component imposes by rule."""
    return set(domain["intents"]) - IMPOSED_INTENTS


def test_every_intent_has_enough_training_examples(domain):
    counts = {intent: len(set(TRAINING.get(intent, []))) for intent in learned_intents(domain)}
    assert {i: n for i, n in counts.items() if n < MIN_EXAMPLES} == {}


def test_training_data_uses_only_domain_intents(domain):
    assert set(TRAINING) <= set(domain["intents"])


def test_no_example_is_labelled_with_two_intents():
    owners = defaultdict(set)
    for intent, examples in TRAINING.items():
        for example in examples:
            owners[example].add(intent)
    assert {e: i for e, i in owners.items() if len(i) > 1} == {}


def test_the_held_out_set_covers_every_intent_and_never_appears_in_training(domain):
    assert set(HELD_OUT) == learned_intents(domain)
    training = {example for examples in TRAINING.values() for example in examples}
    leaked = [e for examples in HELD_OUT.values() for e in examples if e in training]
    assert leaked == []
