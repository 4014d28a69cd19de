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
"""

from __future__ import annotations

import copy
import random
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, requires
from typing import Any

import rasa
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core import tracker_store
from rasa.core.actions.action import RemoteAction
from rasa.core.nlg.response import ResponseVariationFilter, TemplatedNaturalLanguageGenerator
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import class_from_module_path

# Rules times steps back: Ember's model needs a few thousand; the bound keeps memory flat.
PARSED_RULES_KEPT = 10_000


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
    _applied = True
