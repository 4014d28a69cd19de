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
    "ask_why_they_ran": ("card", "acceptance"),
}
DEFAULT_REQUEST = ("exercise", "grounding")

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
        kind, flow = REQUESTS.get(intent, DEFAULT_REQUEST)
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
