"""Turns one conversation into a draft story, NLU examples and flags for the reviewer.

A story is only written when nothing in it had to be guessed: every user turn labelled at
or above the threshold, every bot turn matched (plain text) or recorded (trackers). A
conversation with a flag is left out of the stories and shown in the report with its draft
and context, so a person decides; its confidently labelled turns still become examples.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ember.core.risk import Risk, assess
from tools.transcripts.label import DEFAULT_THRESHOLD, Label, Labeller, label_from_parse
from tools.transcripts.match import ResponseMatcher, group_bot_lines
from tools.transcripts.parsers import Conversation, TranscriptError

FALLBACK_INTENT = "nlu_fallback"
SENSITIVE_INTENTS = {
    "crisis": "a crisis turn",
    "unclear_risk": "a turn with unclear risk to life",
    "request_crisis_contacts": "a request for crisis contacts",
    "request_safety_plan": "a safety plan",
    "abuse": "an abuse turn",
}
SENSITIVE_ACTIONS = {
    "utter_crisis": "a crisis reply",
    "utter_safety_question": "a question about their safety",
    "safety_plan_form": "a safety plan",
    "utter_abuse": "an abuse reply",
}
# Run by Rasa around every turn; stories never name them.
UNWRITTEN_ACTIONS = {
    "action_listen",
    "action_session_start",
    "action_extract_slots",
    "action_unlikely_intent",
}
CORE_FALLBACK = "action_default_fallback"
BRACKET_BEFORE_ANNOTATION = re.compile(r"\](?=[(\[{])")


@dataclass
class Flag:
    line: int  # index into Outcome.lines
    kind: str
    detail: str


@dataclass
class Outcome:
    key: str
    where: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    comments: dict[int, str] = field(default_factory=dict)  # step index -> what was said
    examples: list[tuple[str, str]] = field(default_factory=list)  # (intent, scrubbed text)
    intents: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # scrubbed transcript, for context
    flags: list[Flag] = field(default_factory=list)
    sensitive: str | None = None

    @property
    def story_ready(self) -> bool:
        return bool(self.steps) and not self.flags and self.sensitive is None

    def steps_digest(self) -> str:
        return hashlib.sha256(json.dumps(self.steps, sort_keys=True).encode()).hexdigest()[:8]

    def flag(self, kind: str, detail: str) -> None:
        self.flags.append(Flag(len(self.lines) - 1, kind, detail))

    def mark_sensitive(self, reason: str) -> None:
        self.sensitive = self.sensitive or reason


def example_text(text: str, entities: list[dict[str, Any]], scrub: Callable[[str], str]) -> str:
    """Scrubbed text with the domain's entities annotated as the training data does."""
    pieces, position = [], 0
    spans = sorted(
        (e for e in entities if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)),
        key=lambda e: e["start"],
    )
    for entity in spans:
        if entity["start"] < position:
            continue
        pieces.append(plain(text[position : entity["start"]], scrub))
        value = json.dumps({"entity": entity["entity"], "value": entity["value"]})
        pieces.append(f"[{text[entity['start'] : entity['end']]}]{value}")
        position = entity["end"]
    pieces.append(plain(text[position:], scrub))
    return "".join(pieces).strip()


def plain(text: str, scrub: Callable[[str], str]) -> str:
    """Scrubbed, and never read as an entity annotation: `[x](y)` would be one to Rasa."""
    return BRACKET_BEFORE_ANNOTATION.sub("] ", scrub(text)) if text else ""


class Converter:
    def __init__(
        self,
        domain,
        scrub: Callable[[str], str],
        matcher: ResponseMatcher,
        labeller_factory: Callable[[], Labeller],
        threshold: float = DEFAULT_THRESHOLD,
    ):
        self.domain = domain
        self.scrub = scrub
        self.matcher = matcher
        self.threshold = threshold
        self._labeller_factory = labeller_factory
        self._labeller: Labeller | None = None
        self.entities = set(domain.entities)
        self.featurized_slots = {s.name for s in domain.slots if s.influence_conversation}

    @property
    def labeller(self) -> Labeller:
        if self._labeller is None:
            self._labeller = self._labeller_factory()
        return self._labeller

    def convert(self, conversation: Conversation) -> list[Outcome]:
        if conversation.from_tracker:
            return self.from_tracker(conversation)
        return [self.from_plain_text(conversation)]

    # -- shared -------------------------------------------------------------------------

    def _user_turn(self, outcome: Outcome, text: str, label: Label) -> None:
        """Adds the intent step, the example, and any flag or sensitivity of one user turn."""
        shown = text if text.startswith("/") else self.scrub(text)
        outcome.lines.append(f"user: {shown}")
        step: dict[str, Any] = {"intent": label.intent}
        entities = [
            {e["entity"]: e["value"]} for e in label.entities if e.get("entity") in self.entities
        ]
        if entities:
            step["entities"] = entities
        outcome.comments[len(outcome.steps)] = shown
        outcome.steps.append(step)
        if label.intent:
            outcome.intents.append(label.intent)

        reason = SENSITIVE_INTENTS.get(label.intent or "")
        if reason is None and not text.startswith("/") and assess(text) is not Risk.NONE:
            reason = "a turn the safety net reads as a risk to life"
        if reason:
            outcome.mark_sensitive(reason)

        if (
            label.intent is None
            or label.intent == FALLBACK_INTENT
            or (label.confidence < self.threshold)
        ):
            second = (
                f"; next best {label.runner_up[0]} ({label.runner_up[1]:.2f})"
                if label.runner_up
                else ""
            )
            outcome.flag(
                "low confidence",
                f"labelled {label.intent} ({label.confidence:.2f}){second}: which intent is it?",
            )
        elif not text.startswith("/"):
            outcome.examples.append((label.intent, example_text(text, label.entities, self.scrub)))

    def _action(self, outcome: Outcome, name: str) -> None:
        outcome.steps.append({"action": name})
        if name in SENSITIVE_ACTIONS:
            outcome.mark_sensitive(SENSITIVE_ACTIONS[name])

    # -- trackers -----------------------------------------------------------------------

    def _sessions(self, conversation: Conversation) -> list[list]:
        from rasa.shared.core.events import Event, Restarted, SessionStarted
        from rasa.shared.core.trackers import DialogueStateTracker

        sessions: list[list] = [[]]
        for index, parameters in enumerate(conversation.events or []):
            try:
                event = Event.from_parameters(parameters)
            except Exception as error:  # Rasa raises several types for bad event fields
                raise TranscriptError(
                    f"{conversation.where}: event {index} ({parameters.get('event')}) "
                    f"cannot be read: {error}"
                ) from None
            if event is None:
                raise TranscriptError(
                    f"{conversation.where}: event {index} has an unknown type "
                    f"{parameters.get('event')!r}"
                )
            if isinstance(event, (SessionStarted, Restarted)):
                sessions.append([])
            else:
                sessions[-1].append(event)
        # applied_events drops undone turns and folds a form's happy path into its start
        # and end, which is the shape stories have.
        return [
            DialogueStateTracker.from_events("export", events, self.domain.slots).applied_events()
            for events in sessions
        ]

    def from_tracker(self, conversation: Conversation) -> list[Outcome]:
        from rasa.shared.core.events import (
            ActionExecuted,
            ActiveLoop,
            BotUttered,
            SlotSet,
            UserUttered,
        )

        outcomes = []
        sessions = [
            s for s in self._sessions(conversation) if any(isinstance(e, UserUttered) for e in s)
        ]
        for number, events in enumerate(sessions, start=1):
            suffix = f"-{number}" if len(sessions) > 1 else ""
            outcome = Outcome(conversation.key + suffix, conversation.where + suffix)
            for event in events:
                if isinstance(event, UserUttered):
                    text = event.text or (f"/{event.intent_name}" if event.intent_name else "")
                    self._user_turn(
                        outcome,
                        text,
                        label_from_parse(
                            event.parse_data or {"intent": event.intent, "entities": event.entities}
                        ),
                    )
                elif isinstance(event, ActionExecuted):
                    name = event.action_name
                    if not name or name in UNWRITTEN_ACTIONS:
                        continue
                    self._action(outcome, name)
                    outcome.lines.append(f"bot: ({name})")
                    if name == CORE_FALLBACK:
                        outcome.flag("no rule or story", "Ember fell back: what should it do?")
                elif isinstance(event, ActiveLoop):
                    outcome.steps.append({"active_loop": event.name})
                elif isinstance(event, SlotSet) and event.key in self.featurized_slots:
                    outcome.steps.append({"slot_was_set": [{event.key: event.value}]})
                elif isinstance(event, BotUttered):
                    continue
            outcomes.append(outcome)
        return outcomes

    # -- plain text ---------------------------------------------------------------------

    def from_plain_text(self, conversation: Conversation) -> Outcome:
        outcome = Outcome(conversation.key, conversation.where)
        turns = conversation.turns
        checked = any(turn.role == "bot" for turn in turns)
        labeller = self.labeller
        tracker = labeller.new_tracker(conversation.key)
        index = 0
        while index < len(turns) and turns[index].role == "bot":
            outcome.lines.append(f"bot: {self.scrub(turns[index].text)}")
            outcome.flag("bot spoke first", "Ember never starts a conversation")
            index += 1

        while index < len(turns):
            user = turns[index]
            label = labeller.label(user.text)
            self._user_turn(outcome, user.text, label)
            index += 1
            bot_lines = []
            while index < len(turns) and turns[index].role == "bot":
                bot_lines.append((turns[index].text, turns[index].where))
                index += 1
            predicted = labeller.respond(tracker, user.text, label)
            for name in predicted:
                self._action(outcome, name)
            self._align(outcome, predicted, group_bot_lines(self.matcher, bot_lines), checked)
            forms = [name for name in predicted if name in self.domain.form_names]
            if forms:
                outcome.flag(
                    "reflection",
                    f"{forms[0]} starts here: a plain-text transcript cannot show which answers "
                    "filled it, so write this story by hand (or import the tracker instead)",
                )
                # What the person wrote from here on answers the reflection: never written out.
                for rest in turns[index:]:
                    said = "[reflection answer]" if rest.role == "user" else self.scrub(rest.text)
                    outcome.lines.append(f"{rest.role}: {said}")
                break
        return outcome

    def _align(self, outcome: Outcome, predicted: list[str], bot_turns, checked: bool) -> None:
        """Checks the transcript's replies against what Ember predicts now, in order."""
        position = 0
        for number, name in enumerate(predicted):
            if name.startswith("utter_"):
                if not checked:
                    continue
                if position < len(bot_turns) and bot_turns[position].response == name:
                    turn = bot_turns[position]
                    outcome.lines.append(f"bot: ({name}) {self.scrub(' '.join(turn.lines))}")
                    position += 1
                    continue
                if position < len(bot_turns):
                    turn = bot_turns[position]
                    said = turn.response or "a reply that matches no response"
                    outcome.lines.append(f"bot: {self.scrub(' '.join(turn.lines))}")
                    outcome.flag(
                        "differs from Ember",
                        f"Ember says {name} here now; the transcript has {said}",
                    )
                else:
                    outcome.flag(
                        "differs from Ember",
                        f"Ember says {name} here now; the transcript has no reply",
                    )
                return
            # A custom action's reply (content, contacts) is not a fixed response: it takes
            # the lines up to the next reply the prediction names.
            expected_next = {n for n in predicted[number + 1 :] if n.startswith("utter_")}
            while position < len(bot_turns) and bot_turns[position].response not in expected_next:
                turn = bot_turns[position]
                outcome.lines.append(f"bot: ({name}) {self.scrub(' '.join(turn.lines))}")
                position += 1
        for turn in bot_turns[position:]:
            outcome.lines.append(f"bot: {self.scrub(' '.join(turn.lines))}")
            if turn.response is None:
                outcome.flag("unmatched bot turn", "matches no response in the domain")
            else:
                outcome.flag(
                    "differs from Ember",
                    f"the transcript has {turn.response}; Ember does not say it here now",
                )
