"""Ember's supporting content: load and validate the `content/` folder, and choose from it.

The content service serves it over HTTP; the action server uses the same code on the bundled
folder when the service cannot be reached, so a person always gets an answer.
Run `python -m ember.core.content_library` to validate the folder (make test does).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ember.core.never_list import violations
from ember.core.project import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content"
KINDS = ("card", "exercise", "journal_prompt", "affirmation", "boundary_script", "plan")
KINDS_WITH_STEPS = ("exercise", "plan")
SITUATIONS = (
    "they_stopped_replying",
    "they_blocked_me",
    "i_blocked_them",
    "they_are_with_someone_else",
    "hot_and_cold",
    "they_reached_out",
    "i_am_the_runner",
    "they_ended_it",
)
FEELINGS = (
    "feeling_heartbroken",
    "feeling_anxious",
    "feeling_angry",
    "feeling_lonely",
    "blaming_myself",
    "feeling_better",
)
# "why": understanding why people pull away; "urges": riding out an urge to reach them.
FLOWS = ("acceptance", "self_love", "boundaries", "grounding", "why", "urges")
ANY = "any"
MAX_LIMIT = 20


class ContentError(ValueError):
    """An item that does not meet the schema, the never-list, or id uniqueness."""


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    title: str
    body: str
    situations: tuple[str, ...]
    feelings: tuple[str, ...]
    flows: tuple[str, ...]
    reading_minutes: int
    steps: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        data = {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "tags": {
                "situations": list(self.situations),
                "feelings": list(self.feelings),
                "flows": list(self.flows),
            },
            "reading_minutes": self.reading_minutes,
        }
        if self.steps:
            data["steps"] = list(self.steps)
        return data

    def text(self) -> str:
        """How the item reads in a chat: title, body, numbered steps."""
        steps = "".join(f"\n{number}. {step}" for number, step in enumerate(self.steps, 1))
        return f"{self.title}\n\n{self.body.strip()}{steps}"


def _tags(raw: dict, key: str, allowed: tuple[str, ...], where: str) -> tuple[str, ...]:
    values = raw.get(key)
    if not isinstance(values, list) or not values:
        raise ContentError(f"{where}: tags.{key} must be a non-empty list")
    unknown = [value for value in values if value != ANY and value not in allowed]
    if unknown:
        raise ContentError(f"{where}: unknown tags.{key} {unknown}")
    return tuple(values)


def parse_item(raw: object, where: str) -> Item:
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: expected a mapping")
    for key in ("id", "kind", "title", "body", "tags", "reading_minutes"):
        if not raw.get(key):
            raise ContentError(f"{where}: missing {key}")
    if raw["kind"] not in KINDS:
        raise ContentError(f"{where}: unknown kind {raw['kind']!r}")
    minutes = raw["reading_minutes"]
    if not isinstance(minutes, int) or not 1 <= minutes <= 10:
        raise ContentError(f"{where}: reading_minutes must be a whole number from 1 to 10")
    steps = raw.get("steps") or []
    if raw["kind"] in KINDS_WITH_STEPS and not 3 <= len(steps) <= 8:
        raise ContentError(f"{where}: a {raw['kind']} needs 3 to 8 numbered steps")
    if not all(isinstance(step, str) and step.strip() for step in steps):
        raise ContentError(f"{where}: every step must be text")
    tags = raw["tags"] if isinstance(raw["tags"], dict) else {}
    item = Item(
        id=str(raw["id"]),
        kind=raw["kind"],
        title=str(raw["title"]).strip(),
        body=str(raw["body"]).strip(),
        situations=_tags(tags, "situations", SITUATIONS, where),
        feelings=_tags(tags, "feelings", FEELINGS, where),
        flows=_tags(tags, "flows", FLOWS, where),
        reading_minutes=minutes,
        steps=tuple(str(step).strip() for step in steps),
    )
    broken = violations(" ".join([item.title, item.body, *item.steps]))
    if broken:
        raise ContentError(f"{where}: breaks the never-list: {broken}")
    return item


def load(directory: Path = CONTENT_DIR) -> dict[str, Item]:
    """Every item under the folder, by id; raises ContentError naming the first bad file."""
    items: dict[str, Item] = {}
    for path in sorted(Path(directory).rglob("*.yml")):
        where = str(path.relative_to(directory))
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise ContentError(f"{where}: unreadable: {error}") from error
        item = parse_item(raw, where)
        if item.id != path.stem:
            raise ContentError(f"{where}: id {item.id!r} must match the file name")
        if item.id in items:
            raise ContentError(f"{where}: duplicate id {item.id!r}")
        items[item.id] = item
    if not items:
        raise ContentError(f"no content in {directory}")
    return items


def signature(directory: Path = CONTENT_DIR) -> tuple:
    """Changes whenever a file is added, removed or edited: the trigger for a reload."""
    return tuple(
        (str(path), path.stat().st_mtime_ns, path.stat().st_size)
        for path in sorted(Path(directory).rglob("*.yml"))
    )


def _fits(tags: tuple[str, ...], wanted: str | None) -> bool:
    return wanted is None or wanted in tags or ANY in tags


def select(
    items: Iterable[Item],
    kind: str | None = None,
    situation: str | None = None,
    feeling: str | None = None,
    flow: str | None = None,
    exclude: Iterable[str] = (),
    limit: int = 5,
) -> list[Item]:
    """Unseen items that fit, best first: an exact tag beats `any`, `any` beats a mismatch."""
    excluded = set(exclude)

    def fit(tags: tuple[str, ...], wanted: str | None) -> int:
        # An exact tag fits best; without a wish, a general item fits better than one
        # written for a situation or feeling the person never mentioned.
        if wanted is not None:
            return 1 if wanted in tags else 0
        return 0 if ANY in tags else -1

    def specificity(item: Item) -> int:
        return fit(item.situations, situation) + fit(item.feelings, feeling)

    fitting = [
        item
        for item in items
        if item.id not in excluded
        and (kind is None or item.kind == kind)
        and (flow is None or flow in item.flows)
        and _fits(item.situations, situation)
        and _fits(item.feelings, feeling)
    ]
    return sorted(fitting, key=lambda item: (-specificity(item), item.id))[:limit]


def main(argv: list[str] | None = None) -> int:
    directory = Path(argv[0]) if argv else CONTENT_DIR
    try:
        items = load(directory)
    except ContentError as error:
        print(f"content: {error}")
        return 1
    counts = {kind: sum(item.kind == kind for item in items.values()) for kind in KINDS}
    print(f"content: {len(items)} valid items ({', '.join(f'{k} {n}' for k, n in counts.items())})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
