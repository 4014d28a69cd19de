"""A person's say over what Ember keeps: seeing their own reflections, and erasing them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guard import answers_kindly_on_failure
from ember.core.journal import reflections_summary
from ember.core.slots import ERASE_SLOT


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # Only a request: the Rasa server's store erases the conversation when it saves the
        # turn, and only then does the channel confirm it (utter_data_deleted), or say
        # that nothing was deleted (ember/server/channels/replies.py).
        return [SlotSet(ERASE_SLOT, True)]


class ActionShowMyReflections(Action):
    def name(self) -> str:
        return "action_show_my_reflections"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        summary = reflections_summary(tracker.current_slot_values())
        if summary is None:
            dispatcher.utter_message(response="utter_no_reflections_yet")
        else:
            dispatcher.utter_message(response="utter_my_reflections", summary=summary)
        return []
