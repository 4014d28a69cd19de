"""Replays conversation test stories against a running Ember, turn by turn, with real actions.

`rasa test core --e2e` parses each message but then follows the story's own labels, so a
misread message never leads the rest of the conversation astray, and forms, the safety
policy and custom actions never run. Here each story is a person: every message goes
through the REST channel of a running Ember (the real action and content servers behind
it), and the stored conversation says which intent each message got and what Ember did.

A turn is right when Ember did exactly the story's actions; a story, when every turn is.
Inside a reflection an answer is right whatever its intent, since the form takes it.

    python -m tools.replay_conversations --url http://127.0.0.1:5005 tests/conversations
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

from tools.serve import TOKEN_FILE

CRISIS_REPLY = "utter_crisis"
# Bookkeeping Rasa stores but a story does not name.
UNNAMED_ACTIONS = frozenset({"action_listen", "action_session_start", "action_extract_slots"})
TIMEOUT_SECONDS = 60
# What a turn did when it left no conversation to read: it erased it, as asked or not.
ERASED = "(conversation erased)"
ERASING_ACTION = "action_delete_my_data"


@dataclass
class Turn:
    story: str
    text: str
    intent: str | None
    expected: list[str]
    read_as: str | None = None
    actions: list[str] = field(default_factory=list)

    @property
    def right(self) -> bool:
        if self.actions == [ERASED]:
            return ERASING_ACTION in self.expected
        return self.actions == self.expected

    @property
    def crisis_expected(self) -> bool:
        return CRISIS_REPLY in self.expected


def stories_in(paths: Iterable[Path]) -> list[tuple[str, list[Turn]]]:
    """(story name, its turns) for every story in the files or folders given."""
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.glob("*.yml")))
    stories = []
    for path in files:
        for story in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stories", []):
            turns: list[Turn] = []
            for step in story.get("steps", []):
                if "user" in step:
                    turns.append(Turn(story["story"], step["user"].strip(), step.get("intent"), []))
                elif "action" in step and turns:
                    turns[-1].expected.append(step["action"])
            stories.append((story["story"], turns))
    return stories


def last_turn(events: list[dict]) -> tuple[str, str | None, list[str]] | None:
    """(text, intent, actions) of the latest user message of a stored conversation."""
    latest = None
    for event in events:
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            latest = (event.get("text") or "", intent, [])
        elif event.get("event") == "action" and latest and event["name"] not in UNNAMED_ACTIONS:
            latest[2].append(event["name"])
    return latest


def replay(url: str, token: str, turns: list[Turn]) -> None:
    """Says each turn's text as one new person, reading back after each what Ember did."""
    sender = str(uuid.uuid4())
    with requests.Session() as session:
        for turn in turns:
            session.post(
                f"{url}/webhooks/rest/webhook",
                json={"sender": sender, "message": turn.text},
                timeout=TIMEOUT_SECONDS,
            ).raise_for_status()
            stored = session.get(
                f"{url}/conversations/{sender}/tracker",
                params={"token": token},
                timeout=TIMEOUT_SECONDS,
            )
            stored.raise_for_status()
            latest = last_turn(stored.json()["events"])
            if latest is None or latest[0] != turn.text:
                turn.actions = [ERASED]
            else:
                _, turn.read_as, turn.actions = latest


def summary(stories: list[tuple[str, list[Turn]]]) -> str:
    turns = [turn for _, story_turns in stories for turn in story_turns]
    right = sum(turn.right for turn in turns)
    whole = sum(all(turn.right for turn in story_turns) for _, story_turns in stories)
    crisis = [turn for turn in turns if turn.crisis_expected]
    false_crisis = [t for t in turns if not t.crisis_expected and CRISIS_REPLY in t.actions]
    return (
        f"Replayed: {right}/{len(turns)} turns right ({right / max(len(turns), 1):.1%}), "
        f"{whole}/{len(stories)} whole conversations right; crisis turns answered with the "
        f"crisis reply: {sum(CRISIS_REPLY in t.actions for t in crisis)}/{len(crisis)}; "
        f"crisis replies on turns that are not a crisis: {len(false_crisis)}."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", type=Path, nargs="+", help="story files or folders")
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    args = parser.parse_args(argv)
    token = os.environ.get("EMBER_API_TOKEN") or TOKEN_FILE.read_text(encoding="utf-8").strip()
    stories = stories_in(args.paths)
    for _, turns in stories:
        replay(args.url, token, turns)
    for name, turns in stories:
        for turn in turns:
            if not turn.right:
                print(
                    f"  {name}: {turn.text[:80]!r} read as {turn.read_as} "
                    f"(story: {turn.intent})\n    expected {turn.expected}\n    did      "
                    f"{turn.actions}"
                )
    print(summary(stories))
    return 0


if __name__ == "__main__":
    sys.exit(main())
