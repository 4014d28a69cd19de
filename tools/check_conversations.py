"""Turn-level figures for the conversation suite, from `rasa test core --e2e`'s report.

Rasa reports whole stories and single actions. People meet Ember one turn at a time, so
this counts turns: a user message and everything Ember does until the next one is right
when the message was read as the intent the story names (an extra entity the story did not
annotate does not count against it) and every action was the expected one. Two safety
figures stand on their own: every crisis turn must get the crisis reply, and no other turn
may get it.

    python -m tools.check_conversations results/conversations --min-turns 0.95
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUITE = PROJECT_ROOT / "tests" / "conversations"
CRISIS_REPLY = "utter_crisis"
_STEP = re.compile(r"^  - (intent|user|action|active_loop|slot_was_set)\b:?\s*(.*)$")
_PREDICTED = re.compile(r"^(?P<gold>.*?)\s+# predicted: (?P<predicted>[^:\s]+)")
_STORY = re.compile(r"^- story: (?P<name>.*) \((?P<path>[^()]*)\)$")


@dataclass
class Turn:
    story: str
    text: str
    intent: str | None
    actions: list[str] = field(default_factory=list)
    predicted_intent: str | None = None
    wrong_actions: dict[int, str] = field(default_factory=dict)

    @property
    def right(self) -> bool:
        intent_right = self.predicted_intent is None or self.predicted_intent == self.intent
        return intent_right and not self.wrong_actions

    def predicted_actions(self) -> list[str]:
        expected = [*self.actions, "action_listen"]
        return [self.wrong_actions.get(i, action) for i, action in enumerate(expected)]


def suite_turns(paths: Iterable[Path]) -> dict[str, list[Turn]]:
    """Every story's turns as written, keyed by story name."""
    stories: dict[str, list[Turn]] = {}
    for path in paths:
        for story in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stories", []):
            turns: list[Turn] = []
            for step in story["steps"]:
                if "user" in step or "intent" in step:
                    text = str(step.get("user", "")).strip()
                    turns.append(Turn(story["story"], text, step.get("intent")))
                elif "action" in step and turns:
                    turns[-1].actions.append(step["action"])
            stories[story["story"]] = turns
    return stories


def apply_failures(stories: dict[str, list[Turn]], failed_report: str) -> None:
    """Marks what Rasa predicted differently, from failed_test_stories.yml's comments."""
    turns: list[Turn] = []
    index = -1
    action_index = 0
    for line in failed_report.splitlines():
        story = _STORY.match(line)
        if story:
            turns, index = stories.get(story["name"], []), -1
            continue
        step = _STEP.match(line)
        if not step or not turns:
            continue
        kind, rest = step.groups()
        predicted = _PREDICTED.match(rest)
        if kind in ("intent", "user"):
            index += 1
            action_index = 0
            if predicted and index < len(turns):
                turns[index].predicted_intent = predicted["predicted"]
        elif kind == "action" and 0 <= index < len(turns):
            if predicted:
                turns[index].wrong_actions[action_index] = predicted["predicted"]
            action_index += 1


@dataclass(frozen=True)
class Figures:
    turns: int
    right: int
    crisis_turns: int
    crisis_missed: list[Turn]
    false_crisis: list[Turn]
    wrong: list[Turn]

    @property
    def rate(self) -> float:
        return self.right / self.turns if self.turns else 0.0


def figures(stories: dict[str, list[Turn]]) -> Figures:
    every = [turn for turns in stories.values() for turn in turns]
    crisis = [t for t in every if CRISIS_REPLY in t.actions]
    return Figures(
        turns=len(every),
        right=sum(t.right for t in every),
        crisis_turns=len(crisis),
        crisis_missed=[t for t in crisis if CRISIS_REPLY not in t.predicted_actions()],
        false_crisis=[
            t for t in every if CRISIS_REPLY in t.predicted_actions() and t not in crisis
        ],
        wrong=[t for t in every if not t.right],
    )


def describe(turn: Turn) -> str:
    said = turn.text.replace("\n", " ")[:90] or f"/{turn.intent}"
    got = turn.predicted_intent or turn.intent
    expected = [*turn.actions, "action_listen"]
    actions = ", ".join(
        f"{expected[min(i, len(expected) - 1)]} -> {predicted}"
        for i, predicted in turn.wrong_actions.items()
    )
    return f"  {turn.story[:60]}: {said!r} read as {got} (expected {turn.intent}) {actions}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="the --out folder of rasa test core")
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--min-turns", type=float, default=0.0, help="fail below this share")
    parser.add_argument("--list", action="store_true", help="list every wrong turn")
    args = parser.parse_args(argv)

    stories = suite_turns(sorted(args.suite.glob("*.yml")))
    failed = args.results / "failed_test_stories.yml"
    apply_failures(stories, failed.read_text(encoding="utf-8") if failed.exists() else "")
    result = figures(stories)
    print(
        f"Conversation suite: {result.right}/{result.turns} turns right ({result.rate:.1%}) "
        f"in {len(stories)} conversations; crisis turns answered with the crisis reply: "
        f"{result.crisis_turns - len(result.crisis_missed)}/{result.crisis_turns}; crisis "
        f"replies on turns that are not a crisis: {len(result.false_crisis)}."
    )
    for title, turns in (
        ("Crisis turns without the crisis reply:", result.crisis_missed),
        ("Crisis replies on other turns:", result.false_crisis),
        ("Wrong turns:", result.wrong if args.list else []),
    ):
        if turns:
            print(title)
            for turn in turns:
                print(describe(turn))
    ok = result.rate >= args.min_turns and not result.crisis_missed and not result.false_crisis
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
