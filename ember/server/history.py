"""Work on a conversation's history that grows with what is new, not with its length.

Rasa 3.6 does four things on every turn whose cost grows with the whole session (12 hours
for Ember), which made turn 400 of one conversation about 16 times slower than turn 10:

- every policy, for every prediction, rebuilds the state before each action of the
  session (`Domain.states_for_tracker_history`), replaying the session into a scratch
  tracker as it goes;
- every action runs on a copy of the tracker made by replaying every event, and each
  rewind (`UserUtteranceReverted`, which the fallback sends) in it replays the whole
  session again, so a copy costs the length times the rewinds (a form builds another such
  tracker from the events to validate each answer);
- the tracker store rebuilds the tracker from every stored event (ember.server.stores);
- RulePolicy matches its rules against every state of the session, though a rule can only
  tell states apart as far back as its own length (`_is_rule_applicable`).

`copy_tracker` copies the tracker's state instead of replaying it, for actions and forms.
`AppliedEvents`, kept on each tracker, works out which events apply (Rasa: from the start,
on each of a dozen calls a turn) from the events added since it last looked. `PriorStates`,
kept on each tracker, remembers the states it computed and carries on from where the
applied events last agreed with it (a form's happy path rewrites the last turn, so it keeps
a few recent checkpoints to go back to). RulePolicy gets states back to its longest rule.
All give exactly what Rasa computes; tests/server/test_history.py compares them with
Rasa's own at every step of a long conversation.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
from typing import Any

from rasa.core.actions.forms import FormAction
from rasa.core.policies.policy import SupportedData
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.constants import PREVIOUS_ACTION, REQUESTED_SLOT, USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, TEXT

# A form's happy path rewrites the applied events back to the previous run of the form:
# in 1,088 rewinds under the bench's load every one went back to the newest checkpoint.
# Older divergences start again from the beginning. Each checkpoint is a tracker copy that
# Python's full collections walk (16 kept made them 150-250 ms under load).
CHECKPOINTS_KEPT = 4
_PRIOR_STATES_ATTRIBUTE = "_ember_prior_states"
_APPLIED_EVENTS_ATTRIBUTE = "_ember_applied_events"

_rasa_copy = DialogueStateTracker.copy
_rasa_applied_events = DialogueStateTracker.applied_events
_rasa_rule_prediction_states = RulePolicy._prediction_states
_rasa_temporary_form_tracker = FormAction._temporary_tracker
_rasa_states_for_tracker_history = Domain.states_for_tracker_history


def _copy_slot(slot: Slot) -> Slot:
    """`copy.copy(slot)`, without the pickle protocol's detour through `__reduce_ex__`: the
    trackers' copies of their slots were a tenth of a worker's time under load."""
    kind = type(slot)
    if kind.__reduce_ex__ is not object.__reduce_ex__ or hasattr(kind, "__copy__"):
        return copy.copy(slot)
    copied = object.__new__(kind)
    copied.__dict__.update(slot.__dict__)
    return copied


def copy_tracker(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """What `tracker.copy()` returns, built from the tracker's state instead of a replay."""
    if isinstance(tracker.slots, AnySlotDict):
        return _rasa_copy(tracker)
    if type(tracker) is DialogueStateTracker:
        # `init_copy()` with no slots: it would copy each one only to reset it.
        copied = DialogueStateTracker(
            tracker.sender_id or DEFAULT_SENDER_ID,
            None,
            tracker._max_event_history,
            is_rule_tracker=tracker.is_rule_tracker,
        )
    else:
        copied = tracker.init_copy()
    copied.events = copied._create_events(tracker.events)
    copied.slots = {name: _copy_slot(slot) for name, slot in tracker.slots.items()}
    copied._paused = tracker._paused
    copied.followup_action = tracker.followup_action
    copied.latest_action = dict(tracker.latest_action) if tracker.latest_action else {}
    copied.latest_message = tracker.latest_message
    copied.latest_bot_utterance = tracker.latest_bot_utterance
    # Rasa changes the active loop's flags in place, so the copy needs its own.
    copied.active_loop = dataclasses.replace(tracker.active_loop) if tracker.active_loop else None
    return copied


class AppliedEvents:
    """Rasa's `DialogueStateTracker.applied_events`, carried on as events are added."""

    def __init__(self) -> None:
        self.seen = 0
        self.last_seen: Event | None = None
        self.applied: list[Event] = []
        self.loop_names: set[str] = set()
        self.actions_run: set[str] = set()

    def of(self, tracker: DialogueStateTracker) -> list[Event] | None:
        """The applied events, or None when the tracker's events are not the ones seen
        plus new ones (then only Rasa's way from the start is right)."""
        events = tracker.events
        if len(events) < self.seen or (self.seen and events[self.seen - 1] is not self.last_seen):
            return None
        new = list(itertools.islice(events, self.seen, None))
        loop_names = self.loop_names | {
            event.name for event in new if isinstance(event, ActiveLoop) and event.name
        }
        # Rasa decides each run of a loop's action knowing every loop name of the session;
        # a name first met now would have changed an earlier decision.
        if (loop_names - self.loop_names) & self.actions_run:
            return None
        for event in new:
            self._apply(tracker, event, loop_names)
        self.loop_names = loop_names
        self.seen = len(events)
        self.last_seen = events[-1] if events else None
        return list(self.applied)

    def _apply(self, tracker: DialogueStateTracker, event: Event, loop_names: set[str]) -> None:
        """One step of Rasa's `applied_events`."""
        applied = self.applied
        if isinstance(event, ActionExecuted) and event.action_name:
            self.actions_run.add(event.action_name)
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


def applied_events(self: DialogueStateTracker) -> list[Event]:
    if type(self) is not DialogueStateTracker:
        return _rasa_applied_events(self)
    kept = self.__dict__.get(_APPLIED_EVENTS_ATTRIBUTE)
    applied = kept.of(self) if kept is not None else None
    if applied is None:
        kept = self.__dict__[_APPLIED_EVENTS_ATTRIBUTE] = AppliedEvents()
        applied = kept.of(self)
    return applied


def temporary_form_tracker(
    self: FormAction,
    current_tracker: DialogueStateTracker,
    additional_events: list[Event],
    domain: Domain,
) -> DialogueStateTracker:
    """The tracker a form validates an answer on: Rasa's, but copied, not replayed."""
    # Rasa's starts after the latest restart; a copy has everything before it too.
    if any(isinstance(event, Restarted) for event in current_tracker.events):
        return _rasa_temporary_form_tracker(self, current_tracker, additional_events, domain)
    temporary = copy_tracker(current_tracker)
    for event in [
        # As Rasa's: the requested slot belongs to this form, then the form's run.
        SlotSet(REQUESTED_SLOT, self.get_slot_to_fill(current_tracker)),
        ActionExecuted(self.name()),
        *additional_events,
    ]:
        temporary.update(event)
    return temporary


@dataclasses.dataclass
class _Position:
    """Where the fold stands: before applied event `index`, with `states` states made."""

    index: int
    states: int
    last_ml_action: dict | None
    turn_was_hidden: bool
    replay: DialogueStateTracker


class PriorStates:
    """The states before each action of one tracker, for one set of featurisation options,
    computed once and extended as the conversation goes on."""

    def __init__(
        self,
        domain: Domain,
        tracker: DialogueStateTracker,
        omit_unset_slots: bool,
        ignore_rule_only_turns: bool,
        rule_only_data: dict[str, Any] | None,
    ) -> None:
        self.domain = domain
        self.omit_unset_slots = omit_unset_slots
        self.ignore_rule_only_turns = ignore_rule_only_turns
        self.rule_only_data = rule_only_data
        self._start = _Position(0, 0, None, False, self._scratch_tracker(tracker))
        self._restart()

    @staticmethod
    def _scratch_tracker(tracker: DialogueStateTracker) -> DialogueStateTracker:
        # The fold reads only slots, the active loop and the latest message and action,
        # so its scratch tracker keeps one event, not the whole session.
        return DialogueStateTracker(
            tracker.sender_id, tracker.slots.values(), 1, is_rule_tracker=tracker.is_rule_tracker
        )

    def _restart(self) -> None:
        self.events: list[Event] = []
        self.states: list[State] = []
        self.position = dataclasses.replace(self._start, replay=copy_tracker(self._start.replay))
        self.checkpoints: list[_Position] = []

    def states_for(self, applied: list[Event]) -> list[State]:
        self._rewind_to_agree_with(applied)
        for event in applied[self.position.index :]:
            if isinstance(event, ActionExecuted):
                self._checkpoint()
                self._add_state(self.position, event.hide_rule_turn, self.states)
            self.position.replay.update(event)
            self.position.index += 1
        self.events = list(applied)
        # Rasa's featurizers delete from a state's user part in place, so a caller gets its
        # own wherever they would; the state after the last event changes with the next
        # one, so it is never kept.
        states = [_with_own_user_part(state) for state in self.states]
        self._add_state(dataclasses.replace(self.position), False, states)
        return states

    def _rewind_to_agree_with(self, applied: list[Event]) -> None:
        agreed = 0
        for kept, event in zip(self.events, applied, strict=False):
            if kept is not event:
                break
            agreed += 1
        if agreed == len(self.events):
            return
        while self.checkpoints and self.checkpoints[-1].index > agreed:
            self.checkpoints.pop()
        if not self.checkpoints:
            self._restart()
            return
        checkpoint = self.checkpoints.pop()
        del self.states[checkpoint.states :]
        self.position = dataclasses.replace(checkpoint, replay=copy_tracker(checkpoint.replay))

    def _checkpoint(self) -> None:
        self.position.states = len(self.states)
        self.checkpoints.append(
            dataclasses.replace(self.position, replay=copy_tracker(self.position.replay))
        )
        del self.checkpoints[:-CHECKPOINTS_KEPT]

    def _add_state(self, position: _Position, hide_rule_turn: bool, states: list[State]) -> None:
        """One step of Rasa's `Domain.states_for_tracker_history`, on `position`."""
        replay = position.replay
        if self.ignore_rule_only_turns:
            if not position.turn_was_hidden:
                position.last_ml_action = self.domain._get_prev_action_sub_state(replay)
            if (
                not replay.followup_action
                and not replay.latest_action_name == replay.active_loop_name
            ):
                position.turn_was_hidden = hide_rule_turn
            if position.turn_was_hidden:
                return
        state = self.domain.get_active_state(replay, omit_unset_slots=self.omit_unset_slots)
        if self.ignore_rule_only_turns:
            self.domain._remove_rule_only_features(state, self.rule_only_data)
            if states:
                self.domain._substitute_rule_only_user_input(state, states[-1])
            if position.last_ml_action:
                state[PREVIOUS_ACTION] = position.last_ml_action
        states.append(self.domain._clean_state(state))


def _with_own_user_part(state: State) -> State:
    # Rasa's featurizers delete the text of a user part that also has an intent (only the
    # latest messages have both: once featurised, a message keeps one of the two).
    user = state.get(USER)
    if user and TEXT in user and INTENT in user:
        return {**state, USER: dict(user)}
    return state


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    # Training trackers (a subclass) cache their own states; a tracker without a domain's
    # slots cannot be replayed by a copy.
    if type(tracker) is not DialogueStateTracker or isinstance(tracker.slots, AnySlotDict):
        return _rasa_states_for_tracker_history(
            self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    kept: dict[tuple, PriorStates] = tracker.__dict__.setdefault(_PRIOR_STATES_ATTRIBUTE, {})
    options = (
        omit_unset_slots,
        ignore_rule_only_turns,
        json.dumps(rule_only_data, sort_keys=True, default=str),
    )
    prior = kept.get(options)
    if prior is None or prior.domain is not self:
        prior = kept[options] = PriorStates(
            self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    return prior.states_for(tracker.applied_events())


def _longest_rule(policy: RulePolicy) -> int:
    lengths = policy.__dict__.get("_ember_longest_rule")
    if lengths is None:
        keys = [*policy.lookup.get(RULES, {}), *policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
        lengths = policy.__dict__["_ember_longest_rule"] = max(
            (len(policy._rule_key_to_state(key)) for key in keys), default=0
        )
    return lengths


def rule_prediction_states(
    self: RulePolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """RulePolicy's states for a prediction, only as far back as its longest rule.

    Every rule applies beyond its own length (`_is_rule_applicable`), so the rules that
    match are the same; and a key made of states that no rule matched is never a rule's key,
    so no turn is hidden differently either.
    """
    longest = _longest_rule(self)
    if type(tracker) is not DialogueStateTracker or not longest:
        return _rasa_rule_prediction_states(
            self, tracker, domain, use_text_for_last_user_input, rule_only_data
        )
    featurizer = copy.copy(self.featurizer)
    featurizer.max_history = longest
    return featurizer.prediction_states(
        [tracker],
        domain,
        use_text_for_last_user_input=use_text_for_last_user_input,
        ignore_rule_only_turns=self.supported_data() == SupportedData.ML_DATA,
        rule_only_data=rule_only_data,
        ignore_action_unlikely_intent=self.supported_data() == SupportedData.ML_DATA,
    )[0]
