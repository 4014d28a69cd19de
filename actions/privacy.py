"""A person's say over what Ember keeps: seeing their own reflections, and erasing them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guard import answers_kindly_on_failure
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


# Every answer a reflection keeps, in the order the reflections ask for them, with the
# heading each answer is shown under when a person asks to see what they wrote.
REFLECTION_SLOTS = {
    "Your acceptance reflection": {
        "hardest_part": "The hardest part",
        "outside_control": "Outside your control",
        "within_reach": "Within your reach",
        "letting_go": "What you'd like to hold more lightly",
    },
    "Your self-love reflection": {
        "kind_words": "What you'd tell a dear friend",
        "own_qualities": "What you value in yourself",
        "unmet_need": "What you can begin giving yourself",
        "care_act": "Your act of care",
    },
    "Your boundary reflection": {
        "pull_trigger": "What pulls you back",
        "boundary_rule": "Your boundary",
        "boundary_duration": "For how long",
        "urge_plan": "When the urge comes",
    },
    "Your safety plan": {
        "warning_signs": "Warning signs",
        "coping_alone": "Things I can do on my own",
        "distractions": "People and places that help",
        "people_to_call": "People I can ask for help",
        "professionals": "Professionals and crisis lines",
        "safe_space_step": "Making my space safer",
    },
}


def reflections_summary(slots: dict[str, Any]) -> str | None:
    """The person's own answers as readable sections, or None when they have written none.

    Sections are separated by a blank line (one message each over REST); answers within a
    section by single line breaks.
    """
    sections = []
    for title, headings in REFLECTION_SLOTS.items():
        lines = [
            f"{heading}: {slots[slot]}" for slot, heading in headings.items() if slots.get(slot)
        ]
        if lines:
            sections.append("\n".join([title, *lines]))
    return "\n\n".join(sections) or None


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
