"""Writes stories, NLU examples and the review report, each atomically, adding only what is new.

Stories are appended as text to data/stories/imported/<source>.yml, so a reviewer's edits
and comments there are kept; a story is new when no story in data/ has the same name or the
same steps. NLU examples go to data/nlu/imported.yml (rewritten from its parsed content plus
the new examples, so comments there are not kept); an example is new when no example in
data/ or in the held-out test sets has the same text, ignoring case, spaces and entity
annotations.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from tools.transcripts.parsers import TranscriptError
from tools.transcripts.scrub import PLACEHOLDERS

if TYPE_CHECKING:
    from tools.transcripts.convert import Outcome

ANNOTATION = re.compile(r"\[([^\]]+)\]\{[^}]*\}|\[([^\]]+)\]\([^)]*\)")
# Held-out sets: an example found there must never be trained on.
HELD_OUT = ("tests/nlu/test_nlu.yml", "tests/safety/crisis_phrasings.yml")
SUMMARY_INTENTS = 6
CONTEXT_BEFORE, CONTEXT_AFTER = 3, 2


def normalise(example: str) -> str:
    text = ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example)
    return re.sub(r"\s+", " ", text).strip().lower()


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.yml")) + sorted(folder.rglob("*.yaml")) if folder.exists() else []


def _load(path: Path) -> dict[str, Any]:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise TranscriptError(f"{path}: not valid YAML ({error})") from None


def _examples(block: dict[str, Any]) -> list[str]:
    return [
        line.strip()[2:].strip()
        for line in str(block.get("examples") or "").splitlines()
        if line.strip().startswith("- ")
    ]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@dataclass
class Existing:
    """What the project already has, so nothing is added twice."""

    story_names: set[str] = field(default_factory=set)
    story_steps: set[str] = field(default_factory=set)
    examples: dict[str, str] = field(default_factory=dict)  # normalised -> intent
    held_out: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, project: Path) -> Existing:
        existing = cls()
        for path in _yaml_files(project / "data"):
            content = _load(path)
            for story in content.get("stories") or []:
                existing.story_names.add(str(story.get("story")))
                existing.story_steps.add(steps_key(story.get("steps") or []))
            for block in content.get("nlu") or []:
                if "intent" in block:
                    for example in _examples(block):
                        existing.examples.setdefault(normalise(example), block["intent"])
        for relative in HELD_OUT:
            path = project / relative
            if not path.exists():
                continue
            content = _load(path)
            for block in content.get("nlu") if isinstance(content.get("nlu"), list) else []:
                existing.held_out.update(normalise(e) for e in _examples(block))
            if "nlu" not in content:
                existing.held_out.update(normalise(s) for s in _strings(content))
        return existing


def steps_key(steps: list[dict[str, Any]]) -> str:
    return json.dumps(steps, sort_keys=True)


def story_name(source: str, outcome: Outcome) -> str:
    intents: list[str] = []
    for intent in outcome.intents:
        if not intents or intents[-1] != intent:
            intents.append(intent)
    summary = ", ".join(intents[:SUMMARY_INTENTS])
    if len(intents) > SUMMARY_INTENTS:
        summary += ", …"
    return f"{source} {outcome.key}/{outcome.steps_digest()}: {summary}"


def _scalar(value: Any) -> str:
    if (
        isinstance(value, str)
        and re.fullmatch(r"[a-z][a-z0-9_]*", value)
        and value not in ("null", "true", "false", "yes", "no", "on", "off")
    ):
        return value
    return json.dumps(value, ensure_ascii=False)


def render_steps(outcome: Outcome, indent: str = "  ") -> list[str]:
    lines = []
    for index, step in enumerate(outcome.steps):
        if index in outcome.comments:
            lines.append(f"{indent}# user: {outcome.comments[index]}")
        (key, value), *rest = step.items()
        if key == "slot_was_set":
            lines.append(f"{indent}- slot_was_set:")
            for slot in value:
                ((name, slot_value),) = slot.items()
                lines.append(f"{indent}  - {name}: {_scalar(slot_value)}")
            continue
        lines.append(f"{indent}- {key}: {_scalar(value)}")
        for extra_key, extra in rest:  # entities
            lines.append(f"{indent}  {extra_key}:")
            for entity in extra:
                ((name, entity_value),) = entity.items()
                lines.append(f"{indent}  - {name}: {_scalar(entity_value)}")
    return lines


def render_story(name: str, outcome: Outcome) -> str:
    title = f"- story: {json.dumps(name, ensure_ascii=False)}"
    return "\n".join([title, "  steps:", *render_steps(outcome, "  ")]) + "\n"


def stories_text(path: Path, source: str, blocks: list[str]) -> str:
    if path.exists():
        text = path.read_text(encoding="utf-8")
        lines = text.rstrip("\n").splitlines()
        top_level = [i for i, line in enumerate(lines) if re.match(r"^[A-Za-z_]+\s*:", line)]
        if not top_level or not re.match(r"^stories:\s*$", lines[top_level[-1]]):
            raise TranscriptError(
                f"{path}: new stories are added at the end, so `stories:` must be the last "
                "section there (and not `stories: []`); fix the file or move it away"
            )
        return text.rstrip("\n") + "\n\n" + "\n".join(blocks)
    header = (
        'version: "3.1"\n'
        f"# Imported from transcripts ({source}) by `make stories`. Each story is one\n"
        "# conversation as Ember handled it; `# user:` lines are what was said, scrubbed.\n"
        f"# Review reports/imported/{source}.md, edit or delete stories, then retrain.\n\n"
        "stories:\n"
    )
    return header + "\n".join(blocks)


def nlu_text(path: Path, new: list[tuple[str, str]]) -> str:
    by_intent: dict[str, list[str]] = {}
    if path.exists():
        for block in _load(path).get("nlu") or []:
            if "intent" not in block:
                raise TranscriptError(f"{path}: only intent examples belong in this file")
            by_intent.setdefault(block["intent"], []).extend(_examples(block))
    for intent, text in new:
        by_intent.setdefault(intent, []).append(text)
    lines = [
        'version: "3.1"',
        "# Examples from transcripts, added by `make stories` (scrubbed, deduplicated",
        "# against data/ and the held-out sets). Review them: delete any that are wrong.",
        "nlu:",
    ]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in by_intent[intent]]
    return "\n".join(lines) + "\n"


@dataclass
class Plan:
    """Everything one run will write, decided before anything is written."""

    source: str
    stories: list[tuple[str, Outcome]] = field(default_factory=list)
    known_stories: list[Outcome] = field(default_factory=list)
    review: list[Outcome] = field(default_factory=list)
    sensitive: list[Outcome] = field(default_factory=list)
    included_sensitive: list[Outcome] = field(default_factory=list)
    examples: list[tuple[str, str]] = field(default_factory=list)
    known_examples: Counter = field(default_factory=Counter)  # reason -> count
    turns_per_intent: Counter = field(default_factory=Counter)
    new_per_intent: Counter = field(default_factory=Counter)


def plan(source: str, outcomes: list[Outcome], existing: Existing, include_sensitive: bool) -> Plan:
    result = Plan(source)
    seen_examples = dict(existing.examples)
    seen_steps = set(existing.story_steps)
    for outcome in outcomes:
        if outcome.sensitive and not include_sensitive:
            result.sensitive.append(outcome)
            continue
        if outcome.sensitive:
            result.included_sensitive.append(outcome)
        result.turns_per_intent.update(outcome.intents)
        for intent, text in outcome.examples:
            key = normalise(text)
            if not re.search(r"[a-z]", PLACEHOLDERS.sub("", key)):
                result.known_examples["nothing left after scrubbing"] += 1
            elif key in existing.held_out:
                result.known_examples["in a held-out test set"] += 1
            elif key in seen_examples:
                result.known_examples["already in the training data"] += 1
            else:
                seen_examples[key] = intent
                result.examples.append((intent, text))
                result.new_per_intent[intent] += 1
        if outcome.flags or not outcome.steps:
            result.review.append(outcome)
            continue
        name = story_name(source, outcome)
        key = steps_key(outcome.steps)
        if name in existing.story_names or key in seen_steps:
            result.known_stories.append(outcome)
            continue
        seen_steps.add(key)
        result.stories.append((name, outcome))
    return result


def _context(outcome: Outcome, line: int) -> list[str]:
    start, end = max(0, line - CONTEXT_BEFORE), min(len(outcome.lines), line + CONTEXT_AFTER + 1)
    return [("→ " if index == line else "  ") + outcome.lines[index] for index in range(start, end)]


def render_report(result: Plan, read: int, threshold: float, include_sensitive: bool) -> str:
    total = (
        len(result.stories) + len(result.known_stories) + len(result.review) + len(result.sensitive)
    )
    out = [
        f"# Transcripts imported from `{result.source}`",
        "",
        f"Read {read} conversation(s), {total} session(s). Labelling threshold "
        f"{threshold:.2f}; personal data replaced by [email], [phone], [url], [handle], [name].",
        "",
        "| | count |",
        "| --- | --- |",
        f"| stories written to `data/stories/imported/{result.source}.yml` "
        f"| {len(result.stories)} |",
        f"| stories already in the training data | {len(result.known_stories)} |",
        f"| left out for review (below) | {len(result.review)} |",
        f"| skipped: crisis or abuse | {len(result.sensitive)} |",
        f"| new NLU examples in `data/nlu/imported.yml` | {len(result.examples)} |",
    ]
    out += [
        f"| examples not added: {reason} | {count} |"
        for reason, count in sorted(result.known_examples.items())
    ]
    out += [
        "",
        "## Counts per intent",
        "",
        "| intent | user turns | new examples |",
        "| --- | --- | --- |",
    ]
    out += [
        f"| {intent} | {count} | {result.new_per_intent[intent]} |"
        for intent, count in sorted(result.turns_per_intent.items())
    ] or ["| (none) | 0 | 0 |"]

    out += ["", "## Left out for review", ""]
    if not result.review:
        out.append("Nothing: every conversation became a story or was already there.")
    for outcome in result.review:
        out += [f"### {outcome.where}", ""]
        for flag in outcome.flags:
            out += [f"- **{flag.kind}**: {flag.detail}", "", "  ```text"]
            out += [f"  {line}" for line in _context(outcome, flag.line)]
            out += ["  ```", ""]
        if not outcome.flags:
            out += ["- no user turn", ""]
        if outcome.steps:
            out += [
                "Draft story (fix the flagged turns, then add it to a stories file):",
                "",
                "```yaml",
                "- story: …",
                "  steps:",
                *render_steps(outcome, "  "),
                "```",
                "",
            ]

    out += ["", "## Skipped", ""]
    if not result.sensitive:
        out.append("No conversation was skipped.")
    else:
        out += [
            "Conversations with a crisis or abuse turn are never imported without "
            "`--include-sensitive`; their content is not repeated here.",
            "",
            "| conversation | why |",
            "| --- | --- |",
        ]
        out += [f"| {outcome.where} | {outcome.sensitive} |" for outcome in result.sensitive]
    if include_sensitive and result.included_sensitive:
        out += [
            "",
            f"Included with `--include-sensitive`: "
            f"{', '.join(o.where for o in result.included_sensitive)}.",
        ]
    return "\n".join(out) + "\n"


def write(project: Path, result: Plan, report: str) -> dict[str, Path]:
    written: dict[str, Path] = {}
    stories_path = project / "data" / "stories" / "imported" / f"{result.source}.yml"
    nlu_path = project / "data" / "nlu" / "imported.yml"
    report_path = project / "reports" / "imported" / f"{result.source}.md"
    # Render everything first: an error in any of them leaves every file untouched.
    pending: list[tuple[str, Path, str]] = []
    if result.stories:
        blocks = [render_story(name, outcome) for name, outcome in result.stories]
        pending.append(("stories", stories_path, stories_text(stories_path, result.source, blocks)))
    if result.examples:
        pending.append(("nlu", nlu_path, nlu_text(nlu_path, result.examples)))
    pending.append(("report", report_path, report))
    for kind, path, text in pending:
        atomic_write(path, text)
        written[kind] = path
    return written
