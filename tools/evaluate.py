"""`make evaluate`: Ember's quality in one table, with the details in reports/.

- held-out NLU evaluation (intent report, confusion matrix PNG, errors) -> reports/nlu/
- `rasa test core` on the test stories (failed stories, story report)  -> reports/core/
- the conversation suite, every turn parsed (turns right, failures)   -> reports/conversations/
- the crisis sets, at the NLU level (which intent each phrasing gets)  -> reports/crisis.json
- the story graph (`rasa visualize`)                                   -> reports/story_graph.html
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from pathlib import Path

import yaml
from tabulate import tabulate

from tools import check_conversations

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REPORTS = PROJECT_ROOT / "reports"
MODEL = PROJECT_ROOT / "models" / "ember.tar.gz"
CRISIS_SETS = [
    PROJECT_ROOT / "tests" / "safety" / "crisis_phrasings.yml",
    PROJECT_ROOT / "tests" / "safety" / "fresh_crisis_sets.yml",
]
# Intents whose reply carries crisis contacts (see data/rules/safety.yml).
CONTACT_INTENTS = {"crisis", "unclear_risk", "request_crisis_contacts"}
ALARM_INTENTS = {"crisis", "unclear_risk"}


def rasa(*arguments: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "ember.server", *arguments]
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)


def crisis_figures(model: Path = MODEL) -> dict:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # not one line per parsed phrasing
    sets = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in CRISIS_SETS]

    async def intents(phrasings: list[str]) -> list[str]:
        agent = Agent.load(str(model))
        return [(await agent.parse_message(text))["intent"]["name"] for text in phrasings]

    crisis = [text for one in sets for group in one["crisis"].values() for text in group]
    other = [text for one in sets for group in one["not_crisis"].values() for text in group]
    crisis_intents, other_intents = asyncio.run(intents(crisis)), asyncio.run(intents(other))
    missed = [t for t, i in zip(crisis, crisis_intents, strict=True) if i not in CONTACT_INTENTS]
    alarms = [t for t, i in zip(other, other_intents, strict=True) if i in ALARM_INTENTS]
    return {
        "crisis_phrasings": len(crisis),
        "recall": 1 - len(missed) / len(crisis),
        "missed": missed,
        "non_crisis_phrasings": len(other),
        "false_alarm_rate": len(alarms) / len(other),
        "false_alarms": alarms,
    }


def main() -> int:
    REPORTS.mkdir(exist_ok=True)
    nlu = rasa(
        "test",
        "nlu",
        "--nlu",
        "tests/nlu/test_nlu.yml",
        "-m",
        str(MODEL),
        "--out",
        str(REPORTS / "nlu"),
        "--successes",
    )
    core = rasa(
        "test",
        "core",
        "--stories",
        "tests/stories",
        "-m",
        str(MODEL),
        "--out",
        str(REPORTS / "core"),
    )
    conversations = rasa(
        "test",
        "core",
        "--e2e",
        "--stories",
        "tests/conversations",
        "-m",
        str(MODEL),
        "--out",
        str(REPORTS / "conversations"),
    )
    graph = rasa("visualize", "--domain", "domain", "--out", str(REPORTS / "story_graph.html"))
    for name, result in (
        ("rasa test nlu", nlu),
        ("rasa test core", core),
        ("rasa test core --e2e", conversations),
        ("rasa visualize", graph),
    ):
        if result.returncode != 0:
            print(f"{name} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
            return 1

    intents = json.loads((REPORTS / "nlu" / "intent_report.json").read_text())
    stories = json.loads((REPORTS / "core" / "story_report.json").read_text())
    conversation = stories.get("conversation_accuracy", {})
    crisis = crisis_figures()
    (REPORTS / "crisis.json").write_text(json.dumps(crisis, indent=2))

    suite = check_conversations.suite_turns(sorted(check_conversations.SUITE.glob("*.yml")))
    failed = REPORTS / "conversations" / "failed_test_stories.yml"
    check_conversations.apply_failures(suite, failed.read_text() if failed.exists() else "")
    turns = check_conversations.figures(suite)

    passed = conversation.get("correct", 0)
    total = conversation.get("total", passed)
    print(
        tabulate(
            [
                ["intent macro-F1 (held-out)", f"{intents['macro avg']['f1-score']:.3f}"],
                ["intent accuracy (held-out)", f"{intents['accuracy']:.3f}"],
                ["test stories passed", f"{passed}/{total}"],
                [
                    "conversation suite: turns right",
                    f"{turns.right}/{turns.turns} ({turns.rate:.1%})",
                ],
                [
                    "conversation suite: crisis turns with the crisis reply",
                    f"{turns.crisis_turns - len(turns.crisis_missed)}/{turns.crisis_turns}",
                ],
                ["conversation suite: crisis replies elsewhere", f"{len(turns.false_crisis)}"],
                [
                    "crisis recall (NLU level)",
                    f"{crisis['recall']:.1%} of {crisis['crisis_phrasings']}",
                ],
                [
                    "false alarms (NLU level)",
                    f"{crisis['false_alarm_rate']:.1%} of {crisis['non_crisis_phrasings']}",
                ],
            ],
            headers=["Ember", "figure"],
        )
    )
    if turns.wrong:
        print("\nConversation turns Ember got wrong:")
        for turn in turns.wrong:
            print(check_conversations.describe(turn))
    print(
        f"Details in {REPORTS.relative_to(PROJECT_ROOT)}/: nlu/ (intent report, confusion "
        f"matrix), core/ (failed stories), conversations/, crisis.json, story_graph.html"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
