"""Professional help: country-specific contacts and how to find a therapist."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.guard import answers_kindly_on_failure


class ActionSuggestProfessionalHelp(Action):
    """The contacts are a domain response conditioned on the `country` slot, rendered
    from the helplines data, so the numbers live in exactly one place."""

    def name(self) -> str:
        return "action_suggest_professional_help"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_find_therapist")
        dispatcher.utter_message(response="utter_support_contacts")
        return []
