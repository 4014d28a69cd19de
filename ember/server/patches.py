"""Every change Ember makes to Rasa's internals, applied from one place.

`apply()` runs whenever the Rasa server runs: `python -m ember.server` (what `make run`,
`make shell`, `make train` and `rasa test` in the Makefile call) applies it before Rasa's
command line starts, and importing any module of `ember.server` (the channels, stores and
NLU components that credentials.yml, endpoints.yml and config.yml name) applies it too.
Each change is written for the pinned Rasa and checked against it: on any other version
Ember refuses to start rather than patch code it has not read.

The changes, one line each:
- RemoteAction validates each action server reply against a schema checked once, not on
  every call (Rasa re-checked the constant schema itself: ~40 ms a call, docs/performance.md).
- Event.resolve_by_type remembers the class for each event type name (Rasa walked every
  Event subclass for every stored event: 8% of a worker's time).
- RulePolicy remembers many more parsed rule keys than Rasa's 1000 (Ember's rules times
  the steps back through a conversation overflow that cache on every prediction).
- A tracker store named in endpoints.yml that cannot be loaded stops the server, where
  Rasa would warn and keep conversations in memory (losing persistence and erasure).
- A response never repeats the text it gave last time in the same conversation, where
  Rasa picks a variation at random (the same words twice running read as a machine).
- Buttons are not run through the slot interpolator: their payloads are intent payloads
  such as `/inform_country{"country":"US"}`, which Rasa read as templates, logging ten
  ERRORs with the conversation's slot values for every reply with the country buttons.
- The tracker store is wrapped in `HonestTrackerStore`, which raises where Rasa's
  `FailSafeTrackerStore` logged the SQL parameters and silently kept the turn in memory
  (ember/server/stores/tracker.py).
- The NLU pipeline (classifier and safety net alike) reads a bounded part of a very long
  message (ember.core.text.bounded), while the whole message is stored; and the server
  refuses a request body above MAX_REQUEST_BYTES before reading it, where Sanic would
  buffer up to 100 MB. A pasted megabyte cost 8-15 s of one worker's event loop.
- With EMBER_SHARED_PORT=1 a single-worker server binds its port with SO_REUSEPORT, so that
  `make run` can supervise each worker as a process of its own on the same port (one that
  crashes is restarted while the others go on answering; tools/serve.py).
- A custom action gets ACTION_TIMEOUT_SECONDS (EMBER_ACTION_TIMEOUT), not Rasa's 300 s:
  a hung action server must end the turn, with a kind reply, well within the lifetime of
  the conversation's lock ticket, or the next message would run beside the stuck one.
- A new session after "no" to remembering does not carry over what the person wrote or
  counted (ember.core.slots.carried_into_next_session); Rasa carries every slot over.
- A tracker is copied from its state, not by replaying every event (for actions, and for
  the tracker a form validates an answer on), and its applied
  events and the policies' states are extended turn by turn instead of rebuilt from the
  session's start, and RulePolicy reads states only as far back as its longest rule
  (ember/server/history.py): all four grew with a conversation's length.
- RulePolicy looks its rules up by the conversation's last state (previous action and
  intent) before trying them one by one (ember/server/policies/rule_index.py).
- A custom action or form that the action server cannot run ends the turn with the safety
  replies or an apology (ember/server/channels/replies.py), where Rasa went on predicting
  as if it had run: a reflection that could not start showed its summary of "None"s.
- Once the server has started, what it loaded (the model, Rasa's modules) is frozen out of
  Python's cyclic collections (`gc.freeze`), which otherwise walked it every few seconds
  under load with the event loop stopped.
"""

from __future__ import annotations

import copy
import gc
import os
import random
import socket
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, requires
from typing import Any

import rasa
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core import run as rasa_run
from rasa.core import tracker_store
from rasa.core.actions import action as rasa_action
from rasa.core.actions.action import ActionSessionStart, RemoteAction
from rasa.core.actions.forms import FormAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LOCK_LIFETIME
from rasa.core.nlg.response import ResponseVariationFilter, TemplatedNaturalLanguageGenerator
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.processor import MessageProcessor
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import class_from_module_path
from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request

from ember.core.project import SHARED_PORT_VARIABLE
from ember.core.slots import CONSENT_SLOT, carried_into_next_session
from ember.core.text import bounded
from ember.server import history
from ember.server.channels.replies import AnswersWhenItFails
from ember.server.channels.rest import MAX_BODY_BYTES
from ember.server.policies import rule_index
from ember.server.stores.tracker import HonestTrackerStore

# Rules times steps back: Ember's model needs a few thousand; the bound keeps memory flat.
PARSED_RULES_KEPT = 10_000
# Ember's actions answer in milliseconds, or in a second or two when the content service is
# slow (its client gives up after 3 s); waiting longer only keeps the person waiting.
ACTION_TIMEOUT_SECONDS = float(os.environ.get("EMBER_ACTION_TIMEOUT", 10))


class UnsupportedRasaVersion(RuntimeError):
    pass


class TrackerStoreNotLoaded(RuntimeError):
    pass


def pinned_rasa_version() -> str:
    """The version pyproject.toml pins (read from the installed package's metadata)."""
    try:
        requirements = requires("ember") or []
    except PackageNotFoundError:
        requirements = []
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        if name.strip() == "rasa" and version:
            return version.split(";")[0].strip()
    raise UnsupportedRasaVersion("Ember is not installed: run `make install`.")


def check_rasa_version(installed: str = rasa.__version__) -> None:
    pinned = pinned_rasa_version()
    if installed != pinned:
        raise UnsupportedRasaVersion(
            f"Ember's changes to Rasa are written for rasa=={pinned}, but rasa=={installed} "
            "is installed: run `make clean install`."
        )


@cache
def _response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_: RemoteAction, result: dict[str, Any]) -> bool:
    error: ValidationError | None = best_match(_response_validator().iter_errors(result))
    if error is None:
        return True
    # Rasa's own wording, so its logs read the same as before.
    error.message += (
        ". Failed to validate Action server response from API, make sure your response "
        "from the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


_rasa_resolve_by_type = Event.resolve_by_type
_event_classes: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    known = _event_classes.get(type_name)
    if known is not None:
        return known
    # An unknown name still goes to Rasa's lookup, so its default and errors stand.
    resolved = _rasa_resolve_by_type(type_name, default)
    if resolved is not None and resolved is not default:
        _event_classes[type_name] = resolved
    return resolved


def load_custom_tracker_store(domain: Any, store: Any, event_broker: Any = None) -> Any:
    try:
        store_class = class_from_module_path(store.type)
    except (AttributeError, ImportError) as error:
        raise TrackerStoreNotLoaded(
            f"The tracker store {store.type!r} in the endpoints file could not be loaded "
            f"({type(error).__name__}); Ember will not run without its conversation store."
        ) from None
    return store_class(host=store.url, domain=domain, event_broker=event_broker, **store.kwargs)


def _last_text_of(tracker: DialogueStateTracker, utter_action: str) -> str | None:
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered) and event.metadata.get("utter_action") == utter_action:
            return event.text
    return None


async def generate_without_repeating(
    self: TemplatedNaturalLanguageGenerator,
    utter_action: str,
    tracker: DialogueStateTracker,
    output_channel: str,
    **kwargs: Any,
) -> dict[str, Any] | None:
    filled_slots = tracker.current_slot_values()
    if utter_action not in self.responses:
        return None
    suitable = ResponseVariationFilter(self.responses).responses_for_utter_action(
        utter_action, output_channel, filled_slots
    )
    filled = [self._fill_response(copy.deepcopy(r), filled_slots, **kwargs) for r in suitable]
    if not filled:
        return None
    previous = _last_text_of(tracker, utter_action)
    fresh = [response for response in filled if response.get("text") != previous]
    return random.choice(fresh or filled)


_rasa_fill_response = TemplatedNaturalLanguageGenerator._fill_response


def fill_response_but_buttons(
    self: TemplatedNaturalLanguageGenerator,
    response: dict[str, Any],
    filled_slots: dict[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    buttons = response.pop("buttons", None)
    filled = _rasa_fill_response(self, response, filled_slots, **kwargs)
    if buttons is not None:
        filled["buttons"] = buttons
    return filled


def create_honest_tracker_store(store: Any, domain: Any) -> HonestTrackerStore:
    if store is None:
        store = tracker_store.InMemoryTrackerStore(domain)
    else:
        store.domain = domain
    return HonestTrackerStore(store)


_rasa_session_slots = ActionSessionStart._slot_set_events_from_tracker


def session_slots_with_consent(tracker: DialogueStateTracker) -> list[SlotSet]:
    consent = tracker.get_slot(CONSENT_SLOT)
    return [
        event
        for event in _rasa_session_slots(tracker)
        if carried_into_next_session(event.key, consent)
    ]


_rasa_parse_message_with_graph = MessageProcessor._parse_message_with_graph


def parse_bounded_message(
    self: MessageProcessor, message: UserMessage, *args: Any, **kwargs: Any
) -> dict[str, Any]:
    text = message.text or ""
    if bounded(text) is text:
        return _rasa_parse_message_with_graph(self, message, *args, **kwargs)
    shortened = copy.copy(message)
    shortened.text = bounded(text)
    parse_data = _rasa_parse_message_with_graph(self, shortened, *args, **kwargs)
    parse_data["text"] = text
    return parse_data


# The channels' own limit answers kindly up to here (ember.server.channels.rest).
MAX_REQUEST_BYTES = MAX_BODY_BYTES + 64_000
_rasa_configure_app = rasa_run.configure_app


async def _too_large(request: Request, _: Exception) -> response.HTTPResponse:
    return response.json(
        {"error": "That message is too large to send. Please send a shorter one."}, status=413
    )


def shared_port_socket(host: str, port: int) -> socket.socket:
    """A listening address that other processes may bind too: the kernel shares the
    connections out among them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


_sanic_run = Sanic.run


def run_on_shared_port(
    self: Sanic, *args: Any, host: str | None = None, port: int | None = None, **settings: Any
) -> Any:
    if os.environ.get(SHARED_PORT_VARIABLE) != "1" or settings.get("sock") is not None:
        return _sanic_run(self, *args, host=host, port=port, **settings)
    if settings.get("workers", 1) != 1:
        raise ValueError(f"{SHARED_PORT_VARIABLE}=1 needs SANIC_WORKERS=1")
    return _sanic_run(
        self, *args, sock=shared_port_socket(host or "127.0.0.1", port or 5005), **settings
    )


async def freeze_what_was_loaded(*_: Any) -> None:
    # The model and Rasa's modules (about 270,000 objects) live as long as the server, and
    # Python's full collections walked them all every few seconds under load, with the
    # event loop stopped: the bursts of slow replies in a 10-user round.
    gc.collect()
    gc.freeze()


def configure_ember_app(*args: Any, **kwargs: Any) -> Sanic:
    app = _rasa_configure_app(*args, **kwargs)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.error_handler.add(PayloadTooLarge, _too_large)
    # Rasa loads the model before the server starts.
    app.register_listener(freeze_what_was_loaded, "after_server_start")
    return app


class ActionTimeoutTooLong(RuntimeError):
    pass


def check_action_timeout(timeout: float = ACTION_TIMEOUT_SECONDS) -> None:
    if not 0 < timeout < LOCK_LIFETIME / 2:
        raise ActionTimeoutTooLong(
            f"EMBER_ACTION_TIMEOUT={timeout:g} s must be above 0 and below half the lock "
            f"ticket's lifetime ({LOCK_LIFETIME:g} s, TICKET_LOCK_LIFETIME), or a turn stuck on "
            "a hung action server would outlive its ticket."
        )


_rasa_run_action = MessageProcessor._run_action


async def run_action_answering_when_it_fails(
    self: MessageProcessor,
    action: Any,
    tracker: DialogueStateTracker,
    output_channel: Any,
    nlg: Any,
    prediction: Any,
) -> bool:
    if isinstance(action, (RemoteAction, FormAction)):
        action = AnswersWhenItFails(action, self.action_endpoint)
    return await _rasa_run_action(self, action, tracker, output_channel, nlg, prediction)


_applied = False


def apply() -> None:
    """Checks the Rasa version, then makes each change once."""
    global _applied
    if _applied:
        return
    check_rasa_version()
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_by_type)
    RulePolicy._rule_key_to_state = staticmethod(
        lru_cache(maxsize=PARSED_RULES_KEPT)(RulePolicy._rule_key_to_state.__wrapped__)
    )
    tracker_store._load_from_module_name_in_endpoint_config = load_custom_tracker_store
    TemplatedNaturalLanguageGenerator.generate = generate_without_repeating
    TemplatedNaturalLanguageGenerator._fill_response = fill_response_but_buttons
    Agent._create_tracker_store = staticmethod(create_honest_tracker_store)
    MessageProcessor._parse_message_with_graph = parse_bounded_message
    rasa_run.configure_app = configure_ember_app
    ActionSessionStart._slot_set_events_from_tracker = staticmethod(session_slots_with_consent)
    Sanic.run = run_on_shared_port
    DialogueStateTracker.copy = history.copy_tracker
    DialogueStateTracker.applied_events = history.applied_events
    RulePolicy._prediction_states = history.rule_prediction_states
    RulePolicy._get_possible_keys = rule_index.possible_rule_keys
    FormAction._temporary_tracker = history.temporary_form_tracker
    Domain.states_for_tracker_history = history.states_for_tracker_history
    MessageProcessor._run_action = run_action_answering_when_it_fails
    check_action_timeout()
    rasa_action.DEFAULT_REQUEST_TIMEOUT = ACTION_TIMEOUT_SECONDS
    _applied = True
