"""Starting a conversation session: Ember says what it is before anything else."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

# Where the person is and what happened stay useful in a new session; reflections do not
# carry over, so a new session starts without their private answers on display.
CARRIED_OVER_SLOTS = ("country", "situation")


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        events += [
            SlotSet(slot, tracker.get_slot(slot))
            for slot in CARRIED_OVER_SLOTS
            if tracker.get_slot(slot) is not None
        ]
        dispatcher.utter_message(response="utter_ai_notice")
        events.append(ActionExecuted("action_listen"))
        return events
