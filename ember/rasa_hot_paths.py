"""Two lookups Rasa 3.6 repeats for every message, remembered instead.

Profiling a Rasa worker under load (docs/performance.md) found:

- `Event.resolve_by_type`: to turn each stored event back into an object, Rasa lists every
  subclass of `Event`, recursively, checking which are abstract, and scans that list for the
  event's type name. It does so for every event of a conversation each time it loads one:
  8% of the worker's time. The class for a type name is remembered after the first lookup;
  a name Rasa does not know still goes to Rasa's lookup, so its default and errors stand.
- `RulePolicy._rule_key_to_state`: RulePolicy keeps each rule as a JSON string and parses
  it again for every rule, at every step back through the conversation, on every
  prediction: 4%. The parsed rule is remembered per string. Rasa only reads it.

The Rasa server imports this through ember.channels, which credentials.yml names.
"""

from __future__ import annotations

from functools import lru_cache

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.events import Event

# Rules of a model number in the hundreds; the bound only matters if models are swapped often.
PARSED_RULES_KEPT = 10_000

_rasa_resolve_by_type = Event.resolve_by_type
_event_classes: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    known = _event_classes.get(type_name)
    if known is not None:
        return known
    resolved = _rasa_resolve_by_type(type_name, default)
    if resolved is not None and resolved is not default:
        _event_classes[type_name] = resolved
    return resolved


Event.resolve_by_type = staticmethod(resolve_by_type)
RulePolicy._rule_key_to_state = staticmethod(
    lru_cache(maxsize=PARSED_RULES_KEPT)(RulePolicy._rule_key_to_state)
)
