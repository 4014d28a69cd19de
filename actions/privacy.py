"""Erasing a person's conversation when they ask for it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

# Read by ember.tracker_store.EmberSQLTrackerStore, which does the erasing.
ERASE_SLOT = "erase_conversation"


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_data_deleted")
        return [SlotSet(ERASE_SLOT, True)]
