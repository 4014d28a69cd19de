"""When distress persists, professional help is offered without waiting to be asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guard import answers_kindly_on_failure

DISTRESS_INTENTS = frozenset(
    {
        "feeling_heartbroken",
        "feeling_anxious",
        "feeling_angry",
        "feeling_lonely",
        "blaming_myself",
        "unclear_risk",
        "crisis",
    }
)
FEELINGS = DISTRESS_INTENTS - {"unclear_risk", "crisis"}
PERSISTENT_COUNT = 3
OFFERED_SLOT = "professional_help_offered"


def distress_persists(intents: Sequence[str]) -> bool:
    """Three distress messages in the conversation, or the same feeling twice in a row."""
    if sum(intent in DISTRESS_INTENTS for intent in intents) >= PERSISTENT_COUNT:
        return True
    return len(intents) >= 2 and intents[-1] in FEELINGS and intents[-1] == intents[-2]


def user_intents(tracker: Tracker) -> list[str]:
    """The intents of this session's user messages, oldest first."""
    intents: list[str] = []
    for event in tracker.events_after_latest_restart():
        if event.get("event") == "session_started":
            intents = []
        elif event.get("event") == "user":
            intents.append(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")
    return intents


class ActionCheckDistress(Action):
    def name(self) -> str:
        return "action_check_distress"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot(OFFERED_SLOT) or not distress_persists(user_intents(tracker)):
            return []
        dispatcher.utter_message(response="utter_offer_professional_help")
        return [SlotSet(OFFERED_SLOT, True)]
