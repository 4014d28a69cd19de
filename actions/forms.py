"""Validation shared by the three guided reflections (acceptance, self-love, boundaries)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.continuity import START_OVER_SLOT, moment
from actions.guard import answers_kindly_on_failure
from ember.core import boundaries
from ember.core.clock import iso
from ember.core.reflection_replies import (
    INTERRUPTING_INTENTS,
    LEFT_OPEN,
    asks_for_a_reflection,
    clean_reflection,
    interrupts,
    says_nothing_yet,
)
from ember.core.slots import CONSENT_SLOT, PROGRESS_SLOT

REPHRASING_SLOT = "rephrasing"

# A feeling or an urge said in answer to a reflection prompt is an answer, not a detour
# ("what pulls you back?" "checking her stories"): it is kept, and acknowledged in a line
# before the next prompt. Panic, questions and requests interrupt instead, when their words
# say so (ember/core/reflection_replies.py).
ACKNOWLEDGEMENTS = {
    "feeling_heartbroken": "utter_form_ack_heartbroken",
    "feeling_angry": "utter_form_ack_angry",
    "feeling_lonely": "utter_form_ack_lonely",
    "blaming_myself": "utter_form_ack_blaming_myself",
    "urge_to_contact": "utter_form_ack_urge_to_contact",
    "checking_their_profile": "utter_form_ack_checking_their_profile",
    # Taken as the answer only when its words carry no risk: help stays in reach anyway.
    "unclear_risk": "utter_form_ack_help_is_here",
    "abuse": "utter_form_ack_if_unsafe",
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
        requested = tracker.get_slot("requested_slot")
        events: list[EventType] = []
        if tracker.get_slot(START_OVER_SLOT):
            # "Start fresh": the earlier answers go as the reflection begins again; the request
            # is spent either way, so that no later answer clears anything.
            events.append(SlotSet(START_OVER_SLOT, None))
            if requested is None:
                return [*(SlotSet(slot, None) for slot in form_slots), *events]
        candidates = dict(tracker.slots_to_validate())
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        intent = (latest.get("intent") or {}).get("name") or ""
        confidence = (latest.get("intent") or {}).get("confidence") or 0.0
        if (
            requested in form_slots
            and requested not in candidates
            and intent in INTERRUPTING_INTENTS
            and not interrupts(text, intent, confidence)
        ):
            # The slot mapping skipped it for its intent; its words make it an answer.
            candidates[requested] = text
        rephrasing = tracker.get_slot(REPHRASING_SLOT)
        for slot, value in candidates.items():
            if slot not in form_slots:
                continue
            answer = clean_reflection(value)
            if slot == requested and asks_for_a_reflection(text, intent):
                # Asking again for a reflection is not an answer: the question is asked again.
                events.append(SlotSet(slot, None))
                continue
            if answer is None:
                dispatcher.utter_message(response="utter_reflection_empty")
            elif says_nothing_yet(answer):
                if rephrasing != slot:
                    # Asked again, more gently (utter_ask_* has a variation for it); once.
                    events += [SlotSet(slot, None), SlotSet(REPHRASING_SLOT, slot)]
                    continue
                answer = LEFT_OPEN
            else:
                acknowledgement = ACKNOWLEDGEMENTS.get(intent)
                if acknowledgement:
                    dispatcher.utter_message(response=acknowledgement)
            events.append(SlotSet(slot, answer))
            if answer is not None and rephrasing is not None:
                events.append(SlotSet(REPHRASING_SLOT, None))
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

    async def get_validation_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        durations = [
            event["value"]
            for event in events
            if event.get("name") == "boundary_duration" and event.get("value")
        ]
        if not durations:
            return events
        # The count starts the day the boundary is set, in the person's own time zone.
        when = moment(tracker)
        progress = boundaries.started(
            when.today, boundaries.duration_days(durations[-1]), when.zone, iso(when.now)
        )
        if tracker.get_slot(CONSENT_SLOT) is None:
            dispatcher.utter_message(response="utter_boundary_count_offer")
        return [*events, SlotSet(PROGRESS_SLOT, progress)]
