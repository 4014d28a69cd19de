"""Base for NLU pipeline components that have no configuration and learn nothing."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


class StatelessComponent(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StatelessComponent:
        return cls()


def impose_intent(message: Message, intent: str) -> None:
    """Makes `intent` the message's intent with full confidence, keeping the rest of the
    classifier's ranking below it for anyone reviewing the decision later."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
    message.set(
        INTENT_RANKING_KEY,
        [{"name": intent, "confidence": 1.0}] + [e for e in ranking if e["name"] != intent],
        add_to_output=True,
    )
