"""Coming back: consent to remember, mood check-ins, boundaries day by day, the journal.

Everything is kept in slots, so it lives in the tracker store with the rest of the
conversation and "delete my data", `make forget` and `make prune` erase it with the rest.
Nothing here logs a slot value or a word a person wrote.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.content import ActionFetchContent
from actions.guard import answers_kindly_on_failure
from ember.core import boundaries, journal, mood
from ember.core.clock import (
    TIMEZONE_KEY,
    day_number,
    hours_between,
    iso,
    local_date,
    sent_at,
    test_clock_enabled,
    zone_name,
)
from ember.core.slots import CHECKINS_SLOT, CONSENT_SLOT, PROGRESS_SLOT
from ember.core.visits import REOPENED_INTENT, VISIT_GAP_HOURS

SCORE_SLOT = "mood_score"
WORD_SLOT = "mood_word"
NO_WORD = "-"  # a skipped "one word why": the form needs a value to finish
YES_INTENTS = frozenset({"affirm", "remember_me"})
PLAIN_ANSWERS = frozenset({"affirm", "deny"})
# Sent with a reflection's request: its earlier answers are cleared (actions/forms.py).
START_OVER_SLOT = "start_over"
START_OVER_ENTITY = f'{{"{START_OVER_SLOT}": "yes"}}'


def socket_safe(payload: dict[str, Any]) -> dict[str, Any]:
    """A custom payload the Socket.IO channel can send: Rasa passes the custom dict's keys to
    `sio.emit` as arguments, and `data` is the one that carries a payload to the page."""
    return {"data": payload}


@dataclass(frozen=True)
class Moment:
    """When the latest message was sent, in whose time zone, and when its visit began (a
    Rasa session's start, or the first message after a pause of VISIT_GAP_HOURS)."""

    now: datetime
    zone: str
    previous: datetime | None  # the message before it
    visit_start: datetime  # the first message of this visit

    @property
    def today(self) -> date:
        return local_date(self.now, self.zone)


def moment(tracker: Tracker) -> Moment:
    test_clock = test_clock_enabled()
    times: list[datetime] = []
    visit_start_index = 0
    zone = None
    for event in tracker.events:
        if event.get("event") == "session_started":
            visit_start_index = len(times)
        elif event.get("event") == "user":
            metadata = event.get("metadata") or {}
            sent = sent_at(metadata, event.get("timestamp"), test_clock)
            # A visit also starts after a long enough pause, whatever Rasa's sessions say.
            if times and hours_between(times[-1], sent) >= VISIT_GAP_HOURS:
                visit_start_index = len(times)
            times.append(sent)
            if metadata.get(TIMEZONE_KEY):
                zone = zone_name(metadata)
    if not times:
        latest = tracker.latest_message or {}
        times = [sent_at(latest.get("metadata"), None, test_clock)]
    return Moment(
        now=times[-1],
        zone=zone or "UTC",
        previous=times[-2] if len(times) > 1 else None,
        visit_start=times[min(visit_start_index, len(times) - 1)],
    )


def this_visit(entries: list[dict[str, Any]], key: str, when: Moment) -> list[dict[str, Any]]:
    since = iso(when.visit_start)
    return [entry for entry in entries if str(entry.get(key, "")) >= since]


def remembered_checkins(tracker: Tracker, when: Moment) -> list[dict[str, Any]]:
    """The check-ins Ember may use: all of them with consent, only this visit's otherwise."""
    checkins = list(tracker.get_slot(CHECKINS_SLOT) or [])
    if tracker.get_slot(CONSENT_SLOT) == "yes":
        return checkins
    return this_visit(checkins, "at", when)


def boundary_progress(tracker: Tracker) -> dict[str, Any] | None:
    """The boundary's count: kept between visits with consent, only this visit's otherwise."""
    progress = tracker.get_slot(PROGRESS_SLOT)
    if not isinstance(progress, dict) or boundaries.start_date(progress) is None:
        return None
    if tracker.get_slot(CONSENT_SLOT) != "yes" and not this_visit(
        [progress], "set_at", moment(tracker)
    ):
        return None
    return progress


def boundary_day(progress: dict[str, Any], when: Moment) -> str:
    start = boundaries.start_date(progress)
    assert start is not None
    return boundaries.day_label(day_number(start, when.today), progress.get("days"))


# The reflections a person can leave half-way, the words for each, and how to resume it.
RESUMABLE = {
    "Your acceptance reflection": ("acceptance reflection", "request_acceptance"),
    "Your self-love reflection": ("self-love reflection", "request_self_love"),
    "Your boundary reflection": ("boundary reflection", "request_boundaries"),
}


def reflection_left_halfway(slots: dict[str, Any]) -> tuple[str, str] | None:
    """The first reflection with some answers but not all, as (its name, the resume intent)."""
    for title, headings in journal.REFLECTION_SLOTS.items():
        answered = [bool(slots.get(slot)) for slot in headings]
        if title in RESUMABLE and any(answered) and not all(answered):
            return RESUMABLE[title]
    return None


class ActionWelcomeBack(Action):
    """After a greeting, or when the web chat is opened again: a visit after a gap begins
    with the offer to check in, and for someone who chose to be remembered, the thread picked
    up first. The web chat's reopening is always welcomed (the person typed nothing, so
    silence would look broken); a greeting within a visit needs nothing more."""

    def name(self) -> str:
        return "action_welcome_back"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if (tracker.latest_message.get("intent") or {}).get("name") == REOPENED_INTENT:
            dispatcher.utter_message(response="utter_welcome_back")
        when = moment(tracker)
        if when.previous is None or hours_between(when.previous, when.now) < VISIT_GAP_HOURS:
            return []
        if tracker.get_slot(CONSENT_SLOT) == "yes":
            self.pick_up_the_thread(dispatcher, tracker, when)
        dispatcher.utter_message(response="utter_offer_checkin")
        return []

    @staticmethod
    def pick_up_the_thread(
        dispatcher: CollectingDispatcher, tracker: Tracker, when: Moment
    ) -> None:
        progress = boundary_progress(tracker)
        if progress and tracker.get_slot("boundary_rule"):
            dispatcher.utter_message(
                response="utter_welcome_back_boundary", day=boundary_day(progress, when)
            )
        checkins = remembered_checkins(tracker, when)
        if checkins:
            last = checkins[-1]
            dispatcher.utter_message(
                response="utter_welcome_back_last_checkin",
                last=f"{last['score']} ({mood.SCALE.get(last['score'], '')})",
            )
        left = reflection_left_halfway(tracker.current_slot_values())
        if left:
            resume = f"/{left[1]}"
            dispatcher.utter_message(
                response="utter_welcome_back_reflection",
                reflection=left[0],
                buttons=[
                    {"title": "Pick it up again", "payload": resume},
                    {"title": "Start fresh", "payload": resume + START_OVER_ENTITY},
                ],
            )


class ValidateMoodCheckinForm(FormValidationAction):
    def name(self) -> str:
        return "validate_mood_checkin_form"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return await super().run(dispatcher, tracker, domain)

    def validate_mood_score(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        score = mood.score_from_text(value)
        if score is None:
            dispatcher.utter_message(response="utter_mood_not_understood")
            return {SCORE_SLOT: None}
        return {SCORE_SLOT: str(score)}

    def validate_mood_word(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        word = None if intent == "deny" else mood.one_word(value)
        return {WORD_SLOT: word or NO_WORD}


class ActionRecordMood(Action):
    """Keeps the finished check-in with its time; a falling run leads gently to support."""

    def name(self) -> str:
        return "action_record_mood"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        score = mood.score_from_text(tracker.get_slot(SCORE_SLOT))
        reset = [SlotSet(SCORE_SLOT, None), SlotSet(WORD_SLOT, None)]
        if score is None:
            dispatcher.utter_message(response="utter_mood_not_understood")
            return reset
        word = tracker.get_slot(WORD_SLOT)
        when = moment(tracker)
        entry = mood.checkin(score, iso(when.now), when.zone, None if word == NO_WORD else word)
        checkins = [*remembered_checkins(tracker, when), entry]
        dispatcher.utter_message(response="utter_mood_noted", mood=mood.SCALE[score])
        if mood.falling(checkins, when.now):
            dispatcher.utter_message(response="utter_mood_falling")
            dispatcher.utter_message(response="utter_support_contacts")
        if tracker.get_slot(CONSENT_SLOT) is None:
            dispatcher.utter_message(response="utter_ask_remember")
        else:
            dispatcher.utter_message(response="utter_after_checkin")
        return [*reset, SlotSet(CHECKINS_SLOT, checkins)]


class ActionSetRemembering(Action):
    """ "Remember me" / "stop remembering", or a yes or no to the question."""

    def name(self) -> str:
        return "action_set_remembering"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in PLAIN_ANSWERS and tracker.get_slot(CONSENT_SLOT) is not None:
            # A yes or no after a check-in only answers the question when it was asked.
            dispatcher.utter_message(response="utter_anything_else")
            return []
        if intent in YES_INTENTS:
            dispatcher.utter_message(response="utter_remembering_on")
            return [SlotSet(CONSENT_SLOT, "yes")]
        dispatcher.utter_message(response="utter_remembering_off")
        when = moment(tracker)
        # What this visit holds stays until it ends; older check-ins are let go now.
        return [
            SlotSet(CONSENT_SLOT, "no"),
            SlotSet(CHECKINS_SLOT, this_visit(tracker.get_slot(CHECKINS_SLOT) or [], "at", when)),
        ]


class ActionShowMood(Action):
    def name(self) -> str:
        return "action_show_mood"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        when = moment(tracker)
        checkins = remembered_checkins(tracker, when)
        if not mood.recent(checkins, when.now):
            dispatcher.utter_message(response="utter_no_checkins_yet")
            return []
        summary = mood.trend_summary(checkins, when.now, when.zone)
        dispatcher.utter_message(
            response="utter_mood_trend",
            summary=summary,
            json_message=socket_safe(
                {"mood_chart": mood.chart_points(checkins, when.now, when.zone)}
            ),
        )
        return []


class ActionShowBoundary(Action):
    """The boundary in their words, its day, their plan, and a script to hold it by."""

    def __init__(self) -> None:
        self.script = ActionFetchContent()

    def name(self) -> str:
        return "action_show_boundary"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        slots = tracker.current_slot_values()
        if not slots.get("boundary_rule"):
            dispatcher.utter_message(response="utter_no_boundary_yet")
            return []
        lines = journal.boundary_lines(slots, boundary_progress(tracker), moment(tracker).today)
        dispatcher.utter_message(response="utter_my_boundary", boundary="\n".join(lines))
        return await self.script.run(dispatcher, tracker, domain)


class BoundaryCountAction(Action, ABC):
    """An action on the boundary count; without a count it says so and changes nothing."""

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        progress = boundary_progress(tracker)
        if progress is None:
            dispatcher.utter_message(response="utter_slip_no_count")
            return []
        return self.on_count(dispatcher, tracker, progress, moment(tracker))

    @abstractmethod
    def on_count(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        progress: dict[str, Any],
        when: Moment,
    ) -> list[EventType]: ...


class ActionBoundarySlip(BoundaryCountAction):
    """A slip is noted with its date; the count stays until the person chooses."""

    def name(self) -> str:
        return "action_boundary_slip"

    def on_count(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        progress: dict[str, Any],
        when: Moment,
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_slip_met", day=boundary_day(progress, when))
        return [SlotSet(PROGRESS_SLOT, boundaries.with_slip(progress, when.today))]


class ActionBoundaryCount(BoundaryCountAction):
    """The person's choice after a slip: a new count from today, or the count kept."""

    def name(self) -> str:
        return "action_boundary_count"

    def on_count(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        progress: dict[str, Any],
        when: Moment,
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "boundary_restart":
            dispatcher.utter_message(response="utter_count_restarted")
            return [SlotSet(PROGRESS_SLOT, boundaries.restarted(progress, when.today))]
        dispatcher.utter_message(response="utter_count_kept", day=boundary_day(progress, when))
        return []


def dated_reflections(tracker: Tracker) -> dict[str, datetime]:
    """When each reflection was last answered, by the clock of the message that answered."""
    test_clock = test_clock_enabled()
    owner = {slot: title for title, slots in journal.REFLECTION_SLOTS.items() for slot in slots}
    dated: dict[str, datetime] = {}
    current: datetime | None = None
    for event in tracker.events:
        if event.get("event") == "user":
            current = sent_at(event.get("metadata"), event.get("timestamp"), test_clock)
        elif event.get("event") == "slot" and event.get("name") in owner and event.get("value"):
            if current is not None:
                dated[owner[event["name"]]] = current
    return dated


class ActionExportJournal(Action):
    """Everything kept for them, and nothing else: as text, and as Markdown for the page."""

    def name(self) -> str:
        return "action_export_journal"

    @answers_kindly_on_failure
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        when = moment(tracker)
        slots = dict(tracker.current_slot_values())
        slots[CHECKINS_SLOT] = remembered_checkins(tracker, when)
        parts = journal.sections(slots, dated_reflections(tracker), when.now, when.zone)
        if not parts:
            dispatcher.utter_message(response="utter_journal_empty")
            return []
        markdown = journal.as_markdown(parts, when.now, when.zone)
        dispatcher.utter_message(
            response="utter_journal",
            journal=journal.as_text(parts, when.now, when.zone),
            json_message=socket_safe(
                {
                    "journal": {
                        "filename": f"ember-journal-{when.today.isoformat()}.md",
                        "markdown": markdown,
                    }
                }
            ),
        )
        return []
