"""Validation shared by the three guided reflections (acceptance, self-love, boundaries)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.guard import answers_kindly_on_failure
from actions.reflections import clean_reflection

# A feeling or an urge said in answer to a reflection prompt is an answer, not a detour
# ("what pulls you back?" "checking her stories"): it is kept, and acknowledged in a line
# before the next prompt. Panic, questions and requests interrupt instead (domain/reflections.yml).
ACKNOWLEDGEMENTS = {
    "feeling_heartbroken": "utter_form_ack_heartbroken",
    "feeling_angry": "utter_form_ack_angry",
    "feeling_lonely": "utter_form_ack_lonely",
    "blaming_myself": "utter_form_ack_blaming_myself",
    "urge_to_contact": "utter_form_ack_urge_to_contact",
    "checking_their_profile": "utter_form_ack_checking_their_profile",
}


class ReflectionFormValidator(FormValidationAction, ABC):
    """Cleans every free-text answer of the form; re-asks kindly when nothing is left."""

    @abstractmethod
    def name(self) -> str:
        """`validate_<form>`; abstract so this base class is never registered."""

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return await super().run(dispatcher, tracker, domain)

    async def get_validation_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        form_slots = await self.required_slots(
            self.domain_slots(domain), dispatcher, tracker, domain
        )
        events = []
        for slot, value in tracker.slots_to_validate().items():
            if slot not in form_slots:
                continue
            answer = clean_reflection(value)
            if answer is None:
                dispatcher.utter_message(response="utter_reflection_empty")
            else:
                intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
                acknowledgement = ACKNOWLEDGEMENTS.get(intent)
                if acknowledgement:
                    dispatcher.utter_message(response=acknowledgement)
            events.append(SlotSet(slot, answer))
        return events


class ValidateAcceptanceForm(ReflectionFormValidator):
    def name(self) -> str:
        return "validate_acceptance_form"


class ValidateSelfLoveForm(ReflectionFormValidator):
    def name(self) -> str:
        return "validate_self_love_form"


class ValidateBoundaryForm(ReflectionFormValidator):
    def name(self) -> str:
        return "validate_boundary_form"
