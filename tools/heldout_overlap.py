"""Fails when a held-out example is a near-duplicate of a training example.

A held-out set only measures generalisation if the model has not already seen its sentences.
Exact leaks are easy to spot; the ones that matter as much are the training sentence with a
comma dropped, one word swapped or a typo fixed. Two texts count as near-duplicates when,
after lowercasing and dropping punctuation (`normalise`), they are identical, or their word
sets overlap with Jaccard similarity >= 0.8, or difflib's character similarity is >= 0.9.

Held-out text: tests/nlu/test_nlu.yml, every string in tests/safety/, and the `user:` turns
of the test stories in tests/stories/ and tests/conversations/. Training text: the intent
examples of every data/nlu/**/*.yml file.

`python -m tools.heldout_overlap` prints each offending pair and exits 1, else prints a
one-line summary and exits 0.
"""

from __future__ import annotations

import math
import re
import sys
import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Replies of a few words ("yes", "no thanks", "ty", "not tonight") recur in every real
# conversation and in any training set; inside a dialogue they test the dialogue, not
# whether the classifier memorised a sentence. Longer dialogue turns are checked.
FORMULAIC_TURN_TOKENS = 3
JACCARD_THRESHOLD = 0.8
CHAR_THRESHOLD = 0.9

# `[text]{"entity": ...}` and `[text](entity)`: only the annotated text is what a person types.
ANNOTATION = re.compile(r"\[([^\]]*)\]\{[^}]*\}|\[([^\]]*)\]\([^)]*\)")
# In chat "i'm" and "im" are the same word, so an apostrophe joins; other punctuation
# ("sad,tired", "on-off") separates words, so it becomes a space.
APOSTROPHES = str.maketrans("", "", "'\u2018\u2019\u02bc`")
WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Example:
    text: str
    source: str  # the file, relative to the project root


@dataclass(frozen=True)
class NearDuplicate:
    heldout: Example
    training: Example
    reason: str  # "identical", "jaccard" or "chars"
    score: float

    def describe(self) -> str:
        score = "" if self.reason == "identical" else f" {self.score:.2f}"
        return (
            f"{self.heldout.source}: {self.heldout.text!r}\n"
            f"    {self.reason}{score} with {self.training.source}: {self.training.text!r}"
        )


def strip_annotations(text: str) -> str:
    return ANNOTATION.sub(lambda match: match.group(1) or match.group(2) or "", text)


def normalise(text: str) -> str:
    """Lowercase, entity annotations and punctuation gone, single spaces.

    Only Unicode punctuation is dropped: emoji and other symbols carry meaning in chat.
    """
    text = strip_annotations(text).lower().translate(APOSTROPHES)
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text)
    return WHITESPACE.sub(" ", text).strip()


def jaccard(first: set[str] | frozenset[str], second: set[str] | frozenset[str]) -> float:
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)


def char_similarity(first: str, second: str) -> float:
    # autojunk would ignore characters frequent in texts over 200 characters (spaces, "e"),
    # which understates how alike two long messages are.
    return SequenceMatcher(None, first, second, autojunk=False).ratio()


def duplicate_reason(heldout: str, training: str) -> tuple[str, float] | None:
    """Why two raw texts are near-duplicates, with the score, or None if they are not."""
    first, second = normalise(heldout), normalise(training)
    if not first or not second:
        return None
    if first == second:
        return "identical", 1.0
    similarity = jaccard(set(first.split()), set(second.split()))
    if similarity >= JACCARD_THRESHOLD:
        return "jaccard", similarity
    similarity = char_similarity(first, second)
    if similarity >= CHAR_THRESHOLD:
        return "chars", similarity
    return None


# Slack for float rounding where a threshold times a length should be a whole number.
EPSILON = 1e-9


def _partner_lengths(length: int) -> tuple[int, int]:
    """The shortest and longest text that can reach CHAR_THRESHOLD with one this long.

    ratio = 2M / (la + lb) and the M matched characters are at most min(la, lb), the bound
    real_quick_ratio uses, so lb lies within [la * t / (2 - t), la * (2 - t) / t].
    """
    shortest = math.ceil(length * CHAR_THRESHOLD / (2 - CHAR_THRESHOLD) - EPSILON)
    longest = math.floor(length * (2 - CHAR_THRESHOLD) / CHAR_THRESHOLD + EPSILON)
    return shortest, longest


def _shared_bigrams_needed(first: int, second: int) -> int:
    """Fewest character bigrams two texts of these lengths share if their ratio reaches
    CHAR_THRESHOLD (0 or less: no bound).

    difflib's M matched characters form k blocks found in both texts, consecutive blocks
    parted by at least one unmatched character of either text, so k - 1 <= (la - M) +
    (lb - M). A block of L characters holds L - 1 bigrams of both texts, so they share at
    least M - k >= 3M - (la + lb) - 1 of them, where M >= t * (la + lb) / 2.
    """
    total = first + second
    return 3 * math.ceil(CHAR_THRESHOLD * total / 2 - EPSILON) - total - 1


def _tagged_bigrams(text: str) -> list[tuple[str, int]]:
    """The character bigrams of `text`, the k-th "ab" as ("ab", k): as a set they still
    count a repeated bigram, so an intersection counts it as often as both texts have it."""
    seen: dict[str, int] = defaultdict(int)
    tagged = []
    for i in range(len(text) - 1):
        bigram = text[i : i + 2]
        tagged.append((bigram, seen[bigram]))
        seen[bigram] += 1
    return tagged


def _prefix_size(size: int, needed: int) -> int:
    """How many of a set's elements, first in one fixed order, must include one shared with
    any set it shares `needed` or more elements with.

    The first shared element in that order has at most size - needed elements before it
    in each set (they are all unshared), so it is among the first size - needed + 1 of
    both: two texts can only match if their prefixes meet.
    """
    return size if needed < 1 else max(size - needed + 1, 0)


class _TrainingIndex:
    """The normalised training texts, indexed so that each held-out text meets few candidates.

    Comparing every pair with difflib, even behind its quick bounds, took 3 s for 1,000
    held-out and 2,300 training texts and grows with their product. Each rule has a
    necessary condition on shared tokens or bigrams that an inverted index answers
    instead, and difflib only sees the few texts left.
    """

    def __init__(self, training: Sequence[Example]) -> None:
        self.by_text: dict[str, list[Example]] = defaultdict(list)
        for example in training:
            text = normalise(example.text)
            if text:
                self.by_text[text].append(example)
        # Sorted by length, so the texts of a length range, and those of a posting list
        # (built in this order), are one slice away.
        self.texts = sorted(self.by_text, key=len)
        self.lengths = [len(text) for text in self.texts]
        self.position = {text: i for i, text in enumerate(self.texts)}

        self.tokens = [frozenset(text.split()) for text in self.texts]
        self.token_postings: dict[str, list[int]] = defaultdict(list)
        for position, tokens in enumerate(self.tokens):
            for token in tokens:
                self.token_postings[token].append(position)

        # Bigrams as small ints: intersecting sets of ints is much faster than of tuples.
        self.bigram_ids: dict[tuple[str, int], int] = {}
        self.bigrams = [
            frozenset(self.bigram_ids.setdefault(bigram, len(self.bigram_ids)) for bigram in tagged)
            for tagged in map(_tagged_bigrams, self.texts)
        ]
        # Prefixes take the rarest bigrams first, so that two prefixes seldom meet.
        self.bigram_frequency = Counter(bigram for bigrams in self.bigrams for bigram in bigrams)
        self.prefix_postings: dict[int, list[int]] = defaultdict(list)
        for position, bigrams in enumerate(self.bigrams):
            for bigram in self._bigram_prefix(bigrams, self.lengths[position]):
                self.prefix_postings[bigram].append(position)

    def held_out_bigrams(self, text: str) -> frozenset[int]:
        # A bigram no training text has gets an id of its own, below zero: it matches none.
        return frozenset(
            self.bigram_ids.get(bigram, -1 - i) for i, bigram in enumerate(_tagged_bigrams(text))
        )

    def _bigram_prefix(self, bigrams: frozenset[int], length: int) -> list[int]:
        # With the shortest partner a length allows the bound is weakest, so it holds for all.
        needed = _shared_bigrams_needed(length, _partner_lengths(length)[0])
        ranked = sorted(bigrams, key=lambda bigram: (self.bigram_frequency[bigram], bigram))
        return ranked[: _prefix_size(len(bigrams), needed)]

    def jaccard_candidates(self, tokens: frozenset[str]) -> set[int]:
        """Every training text that could reach the Jaccard threshold, and a few more.

        J(A, B) >= t means A and B share at least t * |A| tokens, so A's prefix finds B in
        an index of all training tokens; ranking A's tokens rarest first reads the shortest
        posting lists.
        """
        needed = math.ceil(JACCARD_THRESHOLD * len(tokens) - EPSILON)
        ranked = sorted(tokens, key=lambda token: (len(self.token_postings.get(token, ())), token))
        found: set[int] = set()
        for token in ranked[: _prefix_size(len(tokens), needed)]:
            found.update(self.token_postings.get(token, ()))
        return found

    def char_candidates(self, text: str) -> list[int]:
        """Every training text that could reach the character threshold, and a few more:
        a length in range and enough bigrams in common."""
        shortest, longest = _partner_lengths(len(text))
        start = bisect_left(self.lengths, shortest)
        stop = bisect_right(self.lengths, longest)
        bigrams = self.held_out_bigrams(text)
        if _shared_bigrams_needed(len(text), shortest) < 1:
            # A text of a few characters: only its length narrows the search.
            found = set(range(start, stop))
        else:
            found = set()
            for bigram in self._bigram_prefix(bigrams, len(text)):
                postings = self.prefix_postings.get(bigram, [])
                found.update(postings[bisect_left(postings, start) : bisect_left(postings, stop)])
        return sorted(
            position
            for position in found
            if len(bigrams & self.bigrams[position])
            >= _shared_bigrams_needed(len(text), self.lengths[position])
        )


def _matches(text: str, index: _TrainingIndex) -> Iterator[tuple[int, str, float]]:
    """(training position, reason, score) for each training text `text` duplicates; each
    position once, with the first rule it meets."""
    matched: set[int] = set()
    position = index.position.get(text)
    if position is not None:
        matched.add(position)
        yield position, "identical", 1.0
    tokens = frozenset(text.split())
    for position in sorted(index.jaccard_candidates(tokens) - matched):
        similarity = jaccard(tokens, index.tokens[position])
        if similarity >= JACCARD_THRESHOLD:
            matched.add(position)
            yield position, "jaccard", similarity
    # difflib caches what it learns about the second sequence: set it once per held-out text.
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(text)
    for position in index.char_candidates(text):
        if position in matched:
            continue
        matcher.set_seq1(index.texts[position])
        # Each bound is cheaper than the next and never below it: stop at the first too low.
        if (
            matcher.real_quick_ratio() >= CHAR_THRESHOLD
            and matcher.quick_ratio() >= CHAR_THRESHOLD
            and (similarity := matcher.ratio()) >= CHAR_THRESHOLD
        ):
            yield position, "chars", similarity


def near_duplicates(heldout: Sequence[Example], training: Sequence[Example]) -> list[NearDuplicate]:
    """Every (held-out, training) pair that is a near-duplicate, held-out order kept.

    A held-out text repeated in one file (a story opening used by many stories) is reported
    once per file.
    """
    index = _TrainingIndex(training)
    cache: dict[str, list[tuple[int, str, float]]] = {}
    seen: set[Example] = set()
    pairs = []
    for example in heldout:
        if example in seen:
            continue
        seen.add(example)
        text = normalise(example.text)
        if not text:
            continue
        if text not in cache:
            cache[text] = list(_matches(text, index))
        for position, reason, score in cache[text]:
            for original in index.by_text[index.texts[position]]:
                pairs.append(NearDuplicate(example, original, reason, score))
    return pairs


# Readers. Each returns the examples of one file, with `source` relative to `root`.


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _load(path: Path) -> Any:
    # Every scalar as a string: the safe loader would turn a bare `no` or `yes` (a story
    # turn, a safety phrasing) into a boolean, and the text would go unchecked.
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}


def _example_lines(examples: Any) -> Iterator[str]:
    """The texts of an `examples:` value: a `- ` block, or a list of `text:` entries."""
    if isinstance(examples, str):
        for line in examples.splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield line[2:].strip()
    elif isinstance(examples, list):
        for entry in examples:
            text = entry.get("text") if isinstance(entry, dict) else entry
            if isinstance(text, str):
                yield text.strip()


def read_nlu(path: Path, root: Path = PROJECT_ROOT) -> list[Example]:
    """Intent examples of a Rasa NLU file, entity annotations stripped.

    Synonyms, lookup tables and regexes are left out: they are entity vocabulary (single
    country names), not sentences a classifier learns to label.
    """
    source = _relative(path, root)
    return [
        Example(strip_annotations(text), source)
        for block in _load(path).get("nlu") or []
        if isinstance(block, dict) and "intent" in block
        for text in _example_lines(block.get("examples"))
    ]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node.strip()
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def read_plain(path: Path, root: Path = PROJECT_ROOT) -> list[Example]:
    """Every string in a YAML file of nested lists and dicts (the safety sets); keys are
    category names, not examples."""
    source = _relative(path, root)
    return [Example(text, source) for text in _strings(_load(path)) if text]


def _user_turns(node: Any) -> Iterator[str]:
    # A walk rather than stories[*].steps[*].user, so `or:` branches and rules count too.
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "user" and isinstance(value, str):
                yield value.strip()
            else:
                yield from _user_turns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _user_turns(value)


def read_stories(path: Path, root: Path = PROJECT_ROOT) -> list[Example]:
    """The `user:` text of Rasa test stories, entity annotations stripped.

    A `/intent{...}` payload (a button press) skips NLU entirely, so it cannot leak.
    """
    source = _relative(path, root)
    return [
        Example(strip_annotations(text), source)
        for text in _user_turns(_load(path))
        if text and not text.startswith("/")
    ]


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted([*folder.rglob("*.yml"), *folder.rglob("*.yaml")])


def heldout_examples(root: Path = PROJECT_ROOT) -> list[Example]:
    tests = root / "tests"
    found = []
    nlu = tests / "nlu" / "test_nlu.yml"
    if nlu.exists():
        found += read_nlu(nlu, root)
    for path in _yaml_files(tests / "safety"):
        found += read_plain(path, root)
    for folder in ("stories", "conversations"):
        for path in _yaml_files(tests / folder):
            found += [
                turn
                for turn in read_stories(path, root)
                if len(normalise(turn.text).split()) > FORMULAIC_TURN_TOKENS
            ]
    return found


def training_examples(root: Path = PROJECT_ROOT) -> list[Example]:
    return [
        example for path in _yaml_files(root / "data" / "nlu") for example in read_nlu(path, root)
    ]


def main(root: Path = PROJECT_ROOT) -> int:
    started = time.perf_counter()
    heldout, training = heldout_examples(root), training_examples(root)
    pairs = near_duplicates(heldout, training)
    seconds = time.perf_counter() - started
    for pair in pairs:
        print(pair.describe())
    if pairs:
        offending = len({pair.heldout for pair in pairs})
        reasons = Counter(pair.reason for pair in pairs)
        print(
            f"\nNear-duplicates of training examples: {_count(offending, 'held-out example')} "
            f"({_count(len(pairs), 'pair')}: "
            + ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
            + f"; {seconds:.1f}s). Rephrase each held-out one in fresh words, or delete it."
        )
        return 1
    print(
        f"No near-duplicates: {_count(len(heldout), 'held-out example')} checked against "
        f"{_count(len(training), 'training example')} in {seconds:.1f}s."
    )
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


if __name__ == "__main__":
    sys.exit(main())
