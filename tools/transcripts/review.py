"""The review studio's logic: the inbox, one conversation, corrections, saves and their undo.

The web app (ember/services/studio.py) is a thin layer over this. Everything a reviewer sees
is scrubbed with `make stories`'s Scrubber; reflection answers and the slots that hold them
are never shown; a conversation with a crisis, unclear-risk or abuse turn shows only that it
exists and when, unless it is opened on purpose, which is logged (who and when, nothing else).

Saving goes through the same code as `make stories`: the Converter, `plan` (scrub, dedupe
against data/ and the held-out sets), `hold_back_conflicts` and `write`, then
`rasa data validate` (tools/validate.py) and the held-out overlap check
(tools/heldout_overlap.py); a save that fails either is rolled back.
Saves are serialized by a file lock, each file is written atomically, and every save keeps
what each file held before, so it can be undone.

The review state lives in var/studio/ (outside git): reviews.json (corrections, bad-reply
notes, tags, reviewed), saves.json (what each save changed) and audit.log (who opened which
sensitive conversation, when).
"""

from __future__ import annotations

import fcntl
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from ember.core.project import load_domain
from ember.core.risk import Risk, assess
from tools.transcripts.convert import (
    CORE_FALLBACK,
    FALLBACK_INTENT,
    SENSITIVE_ACTIONS,
    SENSITIVE_INTENTS,
    Flag,
    Outcome,
    example_text,
)
from tools.transcripts.label import DEFAULT_THRESHOLD, Label, label_from_parse
from tools.transcripts.match import ResponseMatcher
from tools.transcripts.parsers import Conversation, Turn, read_tracker_store
from tools.transcripts.scrub import Scrubber, known_words
from tools.transcripts.write import atomic_write

SOURCE = "studio"
TEST_FILE = Path("tests/conversations/test_studio.yml")
# Consecutive messages at least this similar are the person saying the same thing again.
REPHRASE_SIMILARITY = 0.6
HIDDEN_ANSWER = "[reflection answer]"
HIDDEN_REPLY = "[a reply carrying the person's own reflection answers]"
FALLBACK_ACTIONS = {CORE_FALLBACK, "utter_default"}
NEEDS_REVIEW = {
    "fallback": "Ember fell back",
    "low_confidence": "an intent below the confidence threshold",
    "left_reflection": "a reflection left early",
    "rephrased": "the person said the same thing again",
    "unmatched_reply": "a bot line that matched no response",
}


class ReviewError(Exception):
    """A request the studio cannot do; the message says why, kindly and without content."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")


def entities_of(event: dict[str, Any]) -> list[dict[str, Any]]:
    return list((event.get("parse_data") or {}).get("entities") or [])


def matches(summary: dict[str, Any], filters: dict[str, str]) -> bool:
    """The inbox filters. A sensitive conversation shows nothing of its content, so only the
    filters that need none (dates, reviewed, tags) can find it."""
    if filters.get("from") and day(summary["last"]) < filters["from"]:
        return False
    if filters.get("to") and day(summary["started"]) > filters["to"]:
        return False
    reviewed = filters.get("reviewed")
    if reviewed in ("yes", "no") and summary["reviewed"] != (reviewed == "yes"):
        return False
    if filters.get("tag") and filters["tag"] not in summary["tags"]:
        return False
    if filters.get("needs_review") in ("1", "true", "yes") and not summary.get("needs_review"):
        return False
    return not (filters.get("intent") and filters["intent"] not in summary.get("intents", []))


@dataclass
class Line:
    """One line of the conversation view."""

    index: int  # position in the stored events: the id corrections and notes refer to
    role: str  # "user", "bot", "action" or "slot"
    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    name: str | None = None  # action or slot name
    hidden: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Analysis:
    key: str
    started: float
    last: float
    turns: list[Line] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)  # kind -> first event index
    sensitive: str | None = None
    answers: set[int] = field(default_factory=set)  # user events that answered a reflection


class Studio:
    def __init__(
        self,
        project: Path,
        store_url: str,
        state_dir: Path,
        model: Path | None = None,
        threshold: float = DEFAULT_THRESHOLD,
    ):
        self.project = project
        self.store_url = store_url
        self.state_dir = state_dir
        self.model = model or project / "models" / "ember.tar.gz"
        self.threshold = threshold
        self.state_dir.mkdir(parents=True, exist_ok=True)
        domain = load_domain(project / "domain")
        self.intents = sorted(domain.get("intents") or [])
        self.responses = domain.get("responses") or {}
        self.custom_actions = set(domain.get("actions") or [])
        self.forms = {
            name: list((form or {}).get("required_slots") or [])
            for name, form in (domain.get("forms") or {}).items()
        }
        slots = domain.get("slots") or {}
        # Text slots hold what a person wrote (reflection answers above all): never shown.
        self.shown_slots = {
            name for name, slot in slots.items() if slot.get("type") in ("bool", "categorical")
        }
        self.matcher = ResponseMatcher(self.responses)
        self.scrub = Scrubber(known_words(project))
        self._labeller = None
        self._analyses: dict[str, tuple[tuple[int, list], Analysis]] = {}
        self._rasa_domain = None

    # -- state files --------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One save, undo or review change at a time, across threads and processes."""
        with open(self.state_dir / "studio.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read(self, name: str, empty: Any) -> Any:
        path = self.state_dir / name
        if not path.exists():
            return empty
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            raise ReviewError(f"{path} is damaged: move it away to start afresh", 500) from None

    def _write(self, name: str, value: Any) -> None:
        atomic_write(self.state_dir / name, json.dumps(value, indent=1, ensure_ascii=False))

    def reviews(self) -> dict[str, dict[str, Any]]:
        return self._read("reviews.json", {})

    def saves(self) -> list[dict[str, Any]]:
        return self._read("saves.json", [])

    def audit(self, who: str, what: str, key: str) -> None:
        entry = {"time": time.time(), "who": who, "what": what, "conversation": key}
        with (self.state_dir / "audit.log").open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")

    # -- reading ------------------------------------------------------------------------

    def conversations(self) -> dict[str, Conversation]:
        return {c.key: c for c in read_tracker_store(self.store_url)}

    def conversation(self, key: str) -> Conversation:
        found = self.conversations().get(key)
        if found is None:
            raise ReviewError("No stored conversation has that id (it may have been erased).", 404)
        return found

    def analyse(self, conversation: Conversation) -> Analysis:
        """What the studio shows of a conversation, and why it needs review. A stored
        conversation only grows (or is erased), so its analysis is kept until it does."""
        events = conversation.events or []
        cached = self._analyses.get(conversation.key)
        if cached and cached[0] == (len(events), events[-1:]):
            return cached[1]
        analysis = self._analyse(conversation)
        self._analyses[conversation.key] = ((len(events), events[-1:]), analysis)
        return analysis

    def _analyse(self, conversation: Conversation) -> Analysis:
        events = conversation.events or []
        times = [e.get("timestamp") or 0.0 for e in events]
        result = Analysis(conversation.key, min(times or [0.0]), max(times or [0.0]))
        form: str | None = None
        filled: set[str] = set()
        previous_text: str | None = None
        last_action: str | None = None
        for index, event in enumerate(events):
            kind = event.get("event")
            if kind == "user":
                text = event.get("text") or ""
                label = label_from_parse(event.get("parse_data") or {})
                if form is not None:
                    result.answers.add(index)
                reason = SENSITIVE_INTENTS.get(label.intent or "")
                if reason is None and not text.startswith("/") and assess(text) is not Risk.NONE:
                    reason = "a turn the safety net reads as a risk to life"
                result.sensitive = result.sensitive or reason
                if index in result.answers:  # not even how Ember read it
                    result.turns.append(Line(index, "user", HIDDEN_ANSWER, hidden=True))
                    previous_text = None
                    continue
                result.turns.append(
                    Line(index, "user", self.scrub(text), label.intent, label.confidence)
                )
                if text.startswith("/"):
                    previous_text = None
                    continue
                if label.intent == FALLBACK_INTENT:
                    result.flags.setdefault("fallback", index)
                elif label.confidence < self.threshold:
                    result.flags.setdefault("low_confidence", index)
                if previous_text is not None and (
                    SequenceMatcher(None, previous_text.lower(), text.lower()).ratio()
                    >= REPHRASE_SIMILARITY
                ):
                    result.flags.setdefault("rephrased", index)
                previous_text = text
            elif kind == "action":
                name = event.get("name") or ""
                last_action = name
                if name in SENSITIVE_ACTIONS:
                    result.sensitive = result.sensitive or SENSITIVE_ACTIONS[name]
                if name in FALLBACK_ACTIONS:
                    result.flags.setdefault("fallback", index)
                if name and name not in ("action_listen", "action_session_start"):
                    result.turns.append(Line(index, "action", name=name))
            elif kind == "bot":
                self._bot_line(result, index, event, last_action)
            elif kind == "active_loop":
                name = event.get("name")
                if form and name is None and not set(self.forms.get(form, [])) <= filled:
                    result.flags.setdefault("left_reflection", index)
                form, filled = (name, set()) if name else (None, set())
            elif kind == "slot":
                name = event.get("name") or ""
                if form and event.get("value") is not None:
                    filled.add(name)
                # Set while a reflection runs, a value may come from an answer.
                shown = name in self.shown_slots and form is None
                value = json.dumps(event.get("value")) if shown else "(not shown)"
                result.turns.append(Line(index, "slot", value, name=name, hidden=not shown))
        if form is not None:
            result.flags.setdefault("left_reflection", len(events))
        return result

    def _bot_line(self, result: Analysis, index: int, event: dict, action: str | None) -> None:
        text = (event.get("text") or "").strip()
        if not text:
            return
        paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        response = (event.get("metadata") or {}).get("utter_action")
        if response not in self.responses:
            found = self.matcher.matches(text) or self.matcher.matches(paragraphs[0])
            response = found[0].response if found else None
        templates = self.responses.get(response or "") or []
        if any("{" in (variation.get("text") or "") for variation in templates):
            result.turns.append(Line(index, "bot", HIDDEN_REPLY, name=response, hidden=True))
            return
        if response:  # Ember's own words: nothing personal to scrub
            result.turns.append(Line(index, "bot", text, name=response))
            return
        result.turns.append(Line(index, "bot", self.scrub(text), name=action))
        # A custom action's text (content, contacts) is not one of the domain's responses.
        if action not in self.custom_actions and not all(map(self.matcher.matches, paragraphs)):
            result.flags.setdefault("unmatched_reply", index)

    # -- the inbox ----------------------------------------------------------------------

    def summary(
        self, analysis: Analysis, review: dict[str, Any], opened: bool = False
    ) -> dict[str, Any]:
        base = {
            "key": analysis.key,
            "started": analysis.started,
            "last": analysis.last,
            "reviewed": bool(review.get("reviewed")),
            "tags": review.get("tags") or [],
            "sensitive": analysis.sensitive is not None,
        }
        if analysis.sensitive and not opened:
            return base  # that it exists and when: nothing of what was said
        corrections = review.get("corrections") or {}
        intents = [
            corrections.get(str(turn.index), turn.intent)
            for turn in analysis.turns
            if turn.role == "user" and turn.intent and not turn.hidden
        ]
        first = next((t.text for t in analysis.turns if t.role == "user" and not t.hidden), "")
        return {
            **base,
            "turns": sum(turn.role == "user" for turn in analysis.turns),
            "intents": sorted(set(intents)),
            "needs_review": sorted(analysis.flags),
            "preview": first[:80],
        }

    def inbox(self, filters: dict[str, str]) -> dict[str, Any]:
        reviews = self.reviews()
        summaries = [
            self.summary(self.analyse(c), reviews.get(key, {}))
            for key, c in self.conversations().items()
        ]
        summaries.sort(key=lambda s: s["last"], reverse=True)
        shown = [s for s in summaries if matches(s, filters)]
        return {
            "counts": {
                "conversations": len(summaries),
                "needs_review": sum(bool(s.get("needs_review")) for s in summaries),
                "reviewed": sum(s["reviewed"] for s in summaries),
                "sensitive": sum(s["sensitive"] for s in summaries),
                "shown": len(shown),
            },
            "conversations": shown,
            "intents": self.intents,
            "tags": sorted({tag for s in summaries for tag in s["tags"]}),
            "reasons": NEEDS_REVIEW,
        }

    # -- one conversation ---------------------------------------------------------------

    def view(self, key: str, who: str, open_sensitive: bool = False) -> dict[str, Any]:
        analysis = self.analyse(self.conversation(key))
        review = self.reviews().get(key, {})
        summary = self.summary(analysis, review, open_sensitive)
        if analysis.sensitive and not open_sensitive:
            return {**summary, "closed": True}
        if analysis.sensitive:
            self.audit(who, "opened a sensitive conversation", key)
        return {
            **summary,
            "closed": False,
            "flags": {kind: index for kind, index in analysis.flags.items()},
            "turns": [turn.as_dict() for turn in analysis.turns],
            "corrections": review.get("corrections") or {},
            "bad_replies": review.get("bad_replies") or {},
            "intents": self.intents,
        }

    def update_review(self, key: str, who: str, change: dict[str, Any]) -> dict[str, Any]:
        analysis = self.analyse(self.conversation(key))
        users = {str(t.index) for t in analysis.turns if t.role == "user" and not t.hidden}
        bots = {str(t.index) for t in analysis.turns if t.role == "bot"}
        with self.locked():
            reviews = self.reviews()
            review = reviews.setdefault(key, {})
            for part in ("corrections", "bad_replies"):
                if not isinstance(change.get(part) or {}, dict):
                    raise ReviewError(f"{part} maps a turn number to a value.")
            for turn, intent in (change.get("corrections") or {}).items():
                if str(turn) not in users:
                    raise ReviewError("Only a user turn Ember read can be corrected.")
                if intent in (None, ""):
                    review.setdefault("corrections", {}).pop(str(turn), None)
                elif intent not in self.intents:
                    raise ReviewError(f"{intent!r} is not an intent of the domain.")
                else:
                    review.setdefault("corrections", {})[str(turn)] = intent
            for turn, note in (change.get("bad_replies") or {}).items():
                if str(turn) not in bots:
                    raise ReviewError("Only a bot reply can be marked as a bad reply.")
                if note is None:
                    review.setdefault("bad_replies", {}).pop(str(turn), None)
                else:
                    review.setdefault("bad_replies", {})[str(turn)] = str(note)[:500]
            if "tags" in change:
                tags = change["tags"]
                if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                    raise ReviewError("Tags are a list of words.")
                review["tags"] = sorted({t.strip().lower()[:40] for t in tags if t.strip()})
            if "reviewed" in change:
                review["reviewed"] = bool(change["reviewed"])
                review["reviewed_at"] = time.time() if review["reviewed"] else None
            review["updated_by"], review["updated"] = who, time.time()
            self._write("reviews.json", reviews)
            return {"key": key, **review}

    # -- saving -------------------------------------------------------------------------

    def _domain(self):
        if self._rasa_domain is None:
            from rasa.shared.core.domain import Domain

            self._rasa_domain = Domain.load(str(self.project / "domain"))
        return self._rasa_domain

    def outcomes(self, conversation: Conversation, review: dict[str, Any]) -> list[Outcome]:
        """The conversation as stories would have it, with the reviewer's corrections.

        Every turn the reviewer left alone is taken as read (so a low confidence does not hold
        the story back). With a correction, what Ember did after the misread turn was an
        answer to the wrong intent: the actions are predicted again by the trained model from
        the corrected intents, as `make stories` does for plain text.
        """
        from tools.transcripts.convert import Converter

        corrections = review.get("corrections") or {}
        analysis = self.analyse(conversation)
        events = [dict(e) for e in conversation.events or []]
        labels: list[Label] = []
        for index, event in enumerate(events):
            if event.get("event") != "user" or index in analysis.answers:
                continue
            parse = dict(event.get("parse_data") or {})
            label = label_from_parse(parse)
            intent = corrections.get(str(index), label.intent)
            parse["intent"] = {"name": intent, "confidence": 1.0}
            event["parse_data"] = parse
            labels.append(Label(intent, 1.0, label.entities))
        converter = Converter(
            self._domain(), self.scrub, self.matcher, self._corrected_labeller(labels), 0.0
        )
        if not corrections:
            found = converter.from_tracker(
                Conversation(conversation.key, conversation.where, events=events)
            )
        else:
            first_answer = min(analysis.answers, default=len(events))
            # Up to the first reflection answer: those are never labelled or written.
            turns = [
                Turn("user", e.get("text") or "", f"turn {i}")
                for i, e in enumerate(events)
                if e.get("event") == "user" and i < first_answer
            ]
            found = [converter.from_plain_text(Conversation(conversation.key, "studio", turns))]
            for flag in found[0].flags:
                if flag.kind == "reflection":
                    flag.detail = (
                        "with a corrected intent the story is predicted again, and it stops "
                        "where a reflection starts: write the rest of it by hand"
                    )
        corrected = [
            (corrections[str(i)], e)
            for i, e in enumerate(events)
            if str(i) in corrections and e.get("event") == "user"
        ]
        examples = [
            (intent, example_text(e.get("text") or "", entities_of(e), self.scrub))
            for intent, e in corrected
            if not (e.get("text") or "").startswith("/")
        ]
        for number, outcome in enumerate(found):
            outcome.examples = examples if number == 0 else []
            for note in (review.get("bad_replies") or {}).values():
                outcome.flags.append(Flag(0, "bad reply", f"marked by a reviewer: {note}"))
        return found

    def _corrected_labeller(self, labels: list[Label]):
        studio = self

        class Corrected:
            """The trained model, with the reviewer's labels given in the order of the turns."""

            def __init__(self) -> None:
                self.model = studio._model()
                self.queue = list(labels)

            @property
            def domain(self):
                return self.model.domain

            def label(self, text: str) -> Label:
                return self.queue.pop(0)

            def new_tracker(self, key: str):
                return self.model.new_tracker(key)

            def respond(self, tracker, text: str, label: Label) -> list[str]:
                return self.model.respond(tracker, text, label)

        return Corrected

    def _model(self):
        if self._labeller is None:
            from tools.transcripts.label import Labeller

            self._labeller = Labeller(self.model)
        return self._labeller

    def opened_by(self, who: str, key: str) -> bool:
        """Whether `who` opened this sensitive conversation on purpose (the audit log says)."""
        path = self.state_dir / "audit.log"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        return any(
            entry.get("who") == who and entry.get("conversation") == key
            for entry in map(json.loads, lines)
        )

    def save(self, key: str, who: str, kind: str) -> dict[str, Any]:
        """Adds the reviewed conversation to the training data, or to the conversation tests."""
        if kind not in ("training", "test"):
            raise ReviewError("A save is either 'training' or 'test'.")
        conversation = self.conversation(key)
        sensitive = self.analyse(conversation).sensitive is not None
        if sensitive and not self.opened_by(who, key):
            raise ReviewError("Open this conversation on purpose before saving anything from it.")
        with self.locked():
            review = self.reviews().get(key, {})
            outcomes = self.outcomes(conversation, review)
            if kind == "training":
                record = self._save_training(key, outcomes, sensitive)
            else:
                record = self._save_test(key, outcomes, self.annotated(conversation))
            if sensitive:
                self.audit(who, f"saved a sensitive conversation as {kind}", key)
            record.update(id=uuid.uuid4().hex[:12], who=who, time=time.time(), kind=kind)
            record["conversation"] = key
            saves = self.saves()
            saves.append(record)
            self._write("saves.json", saves)
        return public(record)

    def _snapshot(self, paths: list[Path]) -> dict[str, str | None]:
        return {
            str(path.relative_to(self.project)): (
                path.read_text(encoding="utf-8") if path.exists() else None
            )
            for path in paths
        }

    def _restore(self, before: dict[str, str | None]) -> None:
        for relative, text in before.items():
            path = self.project / relative
            if text is None:
                path.unlink(missing_ok=True)
            else:
                atomic_write(path, text)

    def _overlaps(self) -> set:
        """Held-out texts that nearly copy a training example (`make test-heldout`)."""
        from tools.heldout_overlap import heldout_examples, near_duplicates, training_examples

        pairs = near_duplicates(heldout_examples(self.project), training_examples(self.project))
        return {(pair.heldout, pair.training) for pair in pairs}

    def _check_overlaps(self, before: set, files: dict[str, str | None]) -> None:
        """Rolls the save back when it made a held-out text nearly copy a training one."""
        new = self._overlaps() - before
        if new:
            self._restore(files)
            heldout, training = sorted(new, key=str)[0]
            raise ReviewError(
                f"Not saved: {len(new)} held-out text(s) would nearly copy training examples, "
                f"and `make test-heldout` would fail (e.g. {heldout.text!r} in "
                f"{heldout.source} and {training.text!r} in {training.source}). A test must "
                "be in words Ember has not learned from.",
                409,
            )

    def _save_training(self, key: str, outcomes: list[Outcome], sensitive: bool) -> dict:
        from tools.transcripts.conflicts import hold_back_conflicts
        from tools.transcripts.write import Existing, plan, render_report, write
        from tools.validate import validate

        result = plan(SOURCE, outcomes, Existing.load(self.project), sensitive)
        hold_back_conflicts(self.project, result, self._domain())
        held = [f"{flag.kind}: {flag.detail}" for o in result.review for flag in o.flags]
        held += [
            f"{count} example(s) not added: {why}" for why, count in result.known_examples.items()
        ]
        if result.known_stories:
            held.append("the story is already in the training data")
        if not result.stories and not result.examples:
            raise ReviewError("Nothing new to add. " + "; ".join(held), 409)
        tracked = [
            self.project / "data" / "stories" / "imported" / f"{SOURCE}.yml",
            self.project / "data" / "nlu" / "imported.yml",
        ]
        before = self._snapshot(tracked)
        overlaps = self._overlaps()
        report = render_report(result, 1, self.threshold, sensitive)
        write(self.project, result, report)
        passed, lines = validate(self.project)
        if not passed:
            self._restore(before)
            raise ReviewError(
                "rasa data validate failed with this save, so it was undone: "
                + " ".join(lines[-2:])[-600:],
                422,
            )
        self._check_overlaps(overlaps, before)
        after = self._snapshot(tracked)
        return {
            "files": {
                relative: {"before": before[relative], "after": after[relative]}
                for relative in tracked_names(before, after)
            },
            "examples": result.examples,
            "stories": [name for name, _ in result.stories],
            "tests": [],
            "held_back": held,
        }

    def annotated(self, conversation: Conversation) -> dict[str, str]:
        """Each user turn's scrubbed words -> the same with its entities annotated, as a
        conversation test needs them (the model's entities are compared too)."""
        answers = self.analyse(conversation).answers
        return {
            self.scrub(event.get("text") or ""): example_text(
                event.get("text") or "", entities_of(event), self.scrub
            )
            for index, event in enumerate(conversation.events or [])
            if event.get("event") == "user" and index not in answers
        }

    def _save_test(self, key: str, outcomes: list[Outcome], texts: dict[str, str]) -> dict:
        from tools.transcripts.write import story_name

        problems = [f"{flag.kind}: {flag.detail}" for o in outcomes for flag in o.flags]
        if any(o.sensitive for o in outcomes):
            problems.append("the safety replies are tested in tests/conversations/test_safety.yml")
        if problems:
            raise ReviewError("Not a test as it stands: " + "; ".join(problems), 409)
        path = self.project / TEST_FILE
        before = self._snapshot([path])
        existing = path.read_text(encoding="utf-8") if path.exists() else TEST_HEADER
        named = [(story_name(SOURCE, o), o) for o in outcomes if o.steps]
        new = [
            (name, o) for name, o in named if json.dumps(name, ensure_ascii=False) not in existing
        ]
        if not new:
            raise ReviewError("This conversation is already in the conversation tests.", 409)
        blocks = [render_test(name, outcome, texts) for name, outcome in new]
        overlaps = self._overlaps()
        atomic_write(path, existing.rstrip("\n") + "\n\n" + "\n".join(blocks))
        self._check_overlaps(overlaps, before)
        after = self._snapshot([path])
        relative = str(TEST_FILE)
        return {
            "files": {relative: {"before": before[relative], "after": after[relative]}},
            "examples": [],
            "stories": [],
            "tests": [name for name, _ in new],
            "held_back": [],
        }

    def undo(self, save_id: str, who: str) -> dict[str, Any]:
        with self.locked():
            saves = self.saves()
            record = next((s for s in saves if s["id"] == save_id), None)
            if record is None:
                raise ReviewError("No save has that id.", 404)
            if record.get("undone"):
                raise ReviewError("That save was already undone.", 409)
            for relative, change in record["files"].items():
                path = self.project / relative
                current = path.read_text(encoding="utf-8") if path.exists() else None
                if current != change["after"]:
                    raise ReviewError(
                        f"{relative} changed after this save (a later save or an edit): "
                        "undo the later save first, or edit the file by hand.",
                        409,
                    )
            self._restore({relative: c["before"] for relative, c in record["files"].items()})
            record["undone"] = {"who": who, "time": time.time()}
            self._write("saves.json", saves)
        return public(record)

    def recent_saves(self, limit: int = 50) -> list[dict[str, Any]]:
        return [public(record) for record in reversed(self.saves()[-limit:])]

    # -- progress -----------------------------------------------------------------------

    def progress(self) -> dict[str, Any]:
        since = self.model.stat().st_mtime if self.model.exists() else 0.0
        saves = [s for s in self.saves() if s["time"] > since and not s.get("undone")]
        per_intent = Counter(intent for s in saves for intent, _ in s["examples"])
        reviews = self.reviews().values()
        return {
            "model": day(since) if since else None,
            "model_time": since or None,
            "examples": dict(sorted(per_intent.items())),
            "stories": sum(len(s["stories"]) for s in saves),
            "tests": sum(len(s["tests"]) for s in saves),
            "reviewed": sum((r.get("reviewed_at") or 0) > since for r in reviews),
            "bad_replies": sum(len(r.get("bad_replies") or {}) for r in reviews),
            "command": "make validate && make train && make test",
        }


TEST_HEADER = """version: "3.1"
# Conversations added as tests from the review studio (`make studio`), scrubbed. Each was
# read by a person, who corrected what Ember misunderstood; retrain before running them.
stories:
"""


def tracked_names(before: dict, after: dict) -> list[str]:
    return [relative for relative in before if before[relative] != after[relative]]


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A save as the studio lists it: what changed, not the files' whole text."""
    return {key: value for key, value in record.items() if key != "files"} | {
        "files": sorted(record.get("files") or {})
    }


def render_test(name: str, outcome: Outcome, texts: dict[str, str]) -> str:
    """A story for `rasa test core --e2e`: each user turn with its words and intent."""
    from tools.transcripts.write import _scalar

    lines = [f"- story: {json.dumps(name, ensure_ascii=False)}", "  steps:"]
    for index, step in enumerate(outcome.steps):
        if "intent" in step:
            said = outcome.comments.get(index, "")
            lines += [
                "  - user: |",
                f"      {texts.get(said, said)}",
                f"    intent: {step['intent']}",
            ]
        elif "slot_was_set" in step:
            lines.append("  - slot_was_set:")
            for slot in step["slot_was_set"]:
                ((slot_name, value),) = slot.items()
                lines.append(f"    - {slot_name}: {_scalar(value)}")
        else:
            ((step_key, value),) = step.items()
            lines.append(f"  - {step_key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"
