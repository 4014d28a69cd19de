"""Intent accuracy of a trained model on the user turns of the conversation tests.

`tests/conversations/*.yml` are Rasa test stories written blind from the contract; every user
turn that names an `intent:` is a (text, intent) pair. They are a held-out test set: this
reads them only to score a model, and nothing may train or tune on them.

    python -m tools.conversation_intents models/ember.tar.gz [--show-errors]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONVERSATIONS = PROJECT_ROOT / "tests" / "conversations"


@dataclass(frozen=True)
class Turn:
    text: str
    intent: str
    where: str  # file and story, to find a turn again


def turns(paths: Iterable[Path] | None = None) -> list[Turn]:
    """Every user turn with an `intent:`, in file order. Entity annotations such as
    `[Ireland](country)` are reduced to their text, as Rasa does when it reads a story."""
    from rasa.shared.nlu.training_data.entities_parser import replace_entities

    found = []
    for path in sorted(paths if paths is not None else CONVERSATIONS.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for story in document.get("stories", []) + document.get("rules", []):
            name = story.get("story") or story.get("rule") or "?"
            for step in story.get("steps", []):
                if "user" in step and "intent" in step:
                    found.append(
                        Turn(
                            replace_entities(step["user"]).strip(),
                            step["intent"],
                            f"{path.name}: {name}",
                        )
                    )
    return found


async def predicted_intents(agent: Any, texts: Iterable[str]) -> list[str]:
    """The intent the whole NLU pipeline gives each text (fallback and safety net included)."""
    return [(await agent.parse_message(text))["intent"]["name"] for text in texts]


def accuracy(expected: list[str], predicted: list[str]) -> float:
    hits = sum(e == p for e, p in zip(expected, predicted, strict=True))
    return hits / len(expected) if expected else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="a trained model (.tar.gz)")
    parser.add_argument("--show-errors", action="store_true", help="list the missed turns")
    args = parser.parse_args(argv)

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    import ember.server  # noqa: F401 - Ember's patches, as in the server

    configure_structlog(logging.WARNING)
    cases = turns()
    agent = Agent.load(str(args.model))
    predicted = asyncio.run(predicted_intents(agent, [case.text for case in cases]))
    print(
        f"conversation turns: {len(cases)}, intent accuracy "
        f"{accuracy([case.intent for case in cases], predicted):.3f}"
    )
    if args.show_errors:
        for case, intent in zip(cases, predicted, strict=True):
            if intent != case.intent:
                print(f"  {case.where}: expected {case.intent}, got {intent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
