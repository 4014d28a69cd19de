"""The trained model, loaded once in-process: labels user turns and predicts Ember's actions."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.transcripts.parsers import TranscriptError

DEFAULT_THRESHOLD = 0.6
# A story step is predicted until Ember listens again; more than this means a loop.
MAX_ACTIONS_PER_TURN = 10


@dataclass
class Label:
    intent: str | None
    confidence: float
    entities: list[dict[str, Any]] = field(default_factory=list)
    runner_up: tuple[str, float] | None = None


def label_from_parse(parse: dict[str, Any]) -> Label:
    intent = parse.get("intent") or {}
    ranking = [entry for entry in parse.get("intent_ranking") or [] if entry.get("name")]
    runner_up = next(
        (
            (entry["name"], entry.get("confidence", 0.0))
            for entry in ranking
            if entry["name"] != intent.get("name")
        ),
        None,
    )
    return Label(
        intent.get("name"),
        float(intent.get("confidence") or 0.0),
        list(parse.get("entities") or []),
        runner_up,
    )


class Labeller:
    """Agent.load on models/ember.tar.gz; nothing is executed and nothing is stored."""

    def __init__(self, model: Path):
        if not model.exists():
            raise TranscriptError(
                f"{model}: no trained model; plain-text transcripts are labelled with it "
                "(run `make train` first)"
            )
        from rasa.core.agent import Agent

        # Rasa logs every prediction at INFO/DEBUG; the report is the output that matters.
        logging.getLogger("rasa").setLevel(logging.WARNING)
        self.loop = asyncio.new_event_loop()
        self.agent = Agent.load(str(model))

    @property
    def domain(self):
        return self.agent.domain

    def label(self, text: str) -> Label:
        return label_from_parse(self.loop.run_until_complete(self.agent.parse_message(text)))

    def new_tracker(self, key: str):
        from rasa.shared.core.constants import ACTION_LISTEN_NAME
        from rasa.shared.core.events import ActionExecuted
        from rasa.shared.core.trackers import DialogueStateTracker

        # A story's tracker starts listening, exactly as `rasa test core` replays one.
        return DialogueStateTracker.from_events(
            key, [ActionExecuted(ACTION_LISTEN_NAME)], self.domain.slots
        )

    def respond(self, tracker, text: str, label: Label) -> list[str]:
        """Adds the user turn and returns the actions Ember predicts until it listens."""
        from rasa.shared.core.constants import ACTION_LISTEN_NAME
        from rasa.shared.core.events import ActionExecuted, UserUttered

        tracker.update(
            UserUttered(
                text,
                intent={"name": label.intent, "confidence": label.confidence},
                entities=label.entities,
            ),
            self.domain,
        )
        actions: list[str] = []
        for _ in range(MAX_ACTIONS_PER_TURN):
            action, _prediction = self.agent.processor.predict_next_with_tracker_if_should(tracker)
            name = action.name()
            tracker.update(ActionExecuted(name))
            if name == ACTION_LISTEN_NAME:
                break
            actions.append(name)
            if name in self.domain.form_names:
                break  # a form's turns depend on what it validates: not predictable here
        return actions

    def close(self) -> None:
        self.loop.close()
