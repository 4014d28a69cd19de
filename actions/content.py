"""Supporting content: the exercise, prompt, affirmation or card that fits this person."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.config import content_service_url
from actions.content_client import ContentClient
from actions.guard import answers_kindly_on_failure
from ember.core import content_library
from ember.core.content_library import Item

SEEN_SLOT = "content_seen"
SEEN_MEMORY = 60
# What was asked for -> (kind, flow). Accepting the grounding offer arrives as `affirm`.
REQUESTS = {
    "request_grounding": ("exercise", "grounding"),
    "affirm": ("exercise", "grounding"),
    "request_journal_prompt": ("journal_prompt", None),
    "request_affirmation": ("affirmation", None),
    "request_reading": ("card", None),
    "request_plan": ("plan", None),
    "ask_why_they_ran": ("card", "why"),
    "ask_what_to_say_back": ("boundary_script", None),
    "they_reached_out": ("boundary_script", None),
    "show_my_boundary": ("boundary_script", None),
}
DEFAULT_REQUEST = ("exercise", "grounding")
# Right after the boundary summary: a plan to hold the boundary by.
AFTER_ACTIONS = {"utter_boundary_summary": ("plan", "boundaries")}
# A grounding exercise or a journal prompt asked for while an urge is on: something for the urge.
URGES = frozenset({"urge_to_contact", "following_them", "checking_their_profile"})
FOR_AN_URGE = frozenset({"request_grounding", "request_journal_prompt", "affirm"})
URGE_ROUTE = ("exercise", "urges")
# A journal request from someone blaming themselves: a writing exercise for self-worth.
SELF_WORTH_FEELINGS = frozenset({"blaming_myself", "feeling_angry"})
SELF_WORTH_ROUTE = ("exercise", "self_love")
ROUTES = frozenset({*REQUESTS.values(), *AFTER_ACTIONS.values(), URGE_ROUTE, SELF_WORTH_ROUTE})


def route(
    intent: str,
    latest_action: str | None,
    previous_intent: str | None = None,
    feeling: str | None = None,
) -> tuple:
    """(kind, flow) of the content this moment asks for."""
    if latest_action in AFTER_ACTIONS:
        return AFTER_ACTIONS[latest_action]
    if intent in FOR_AN_URGE and previous_intent in URGES:
        return URGE_ROUTE
    if intent == "request_journal_prompt" and feeling in SELF_WORTH_FEELINGS:
        return SELF_WORTH_ROUTE
    return REQUESTS.get(intent, DEFAULT_REQUEST)


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one."""
    intents = [
        ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        for event in tracker.events
        if event.get("event") == "user"
    ]
    return intents[-2] if len(intents) >= 2 else None


Source = Callable[..., "list[Item] | None"]


def pick(
    source: Source,
    kind: str,
    flow: str | None,
    situation: str | None,
    feeling: str | None,
    seen: list[str],
) -> Item | None:
    """The most specific unseen item; loosens the filters, then allows repeats, before giving up."""
    attempts: list[dict[str, str | None]] = [
        {"situation": situation, "feeling": feeling},
        {"situation": situation, "feeling": None},
        {"situation": None, "feeling": None},
    ]
    for exclude in (seen, []):
        for filters in attempts:
            items = source(kind=kind, flow=flow, exclude=exclude, limit=1, **filters)
            if items is None:
                return None
            if items:
                return items[0]
    return None


@lru_cache(maxsize=1)
def bundled_library() -> tuple[Item, ...]:
    return tuple(content_library.load().values())


def from_bundled_library(**query) -> list[Item]:
    return content_library.select(bundled_library(), **query)


class ActionFetchContent(Action):
    def __init__(self) -> None:
        self.client = ContentClient(content_service_url())

    def name(self) -> str:
        return "action_fetch_content"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        kind, flow = route(
            intent,
            tracker.latest_action_name,
            previous_user_intent(tracker),
            tracker.get_slot("feeling"),
        )
        seen = list(tracker.get_slot(SEEN_SLOT) or [])
        choice = dict(
            kind=kind,
            flow=flow,
            situation=tracker.get_slot("situation"),
            feeling=tracker.get_slot("feeling"),
            seen=seen,
        )
        # requests blocks, so the call runs in a worker thread, not on the event loop.
        item = await asyncio.to_thread(pick, self.client.fetch, **choice)
        if item is None:
            item = pick(from_bundled_library, **choice)
        if item is None:
            dispatcher.utter_message(response="utter_no_content")
            return []
        dispatcher.utter_message(text=item.text())
        return [SlotSet(SEEN_SLOT, (seen + [item.id])[-SEEN_MEMORY:])]
