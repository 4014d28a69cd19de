"""The one rule for a web conversation's id: a random UUID4, canonical and lower case.

The id is the only key to a conversation (the page keeps it in the browser; there are no
accounts), so it must be unguessable: short or well-known ids such as "default" are refused
by the socket channel (ember.server.channels.socketio) and by the history endpoint
(ember.services.web).

The REST channel takes the same ids, and also the 32-digit form that `rasa shell` sends.
A caller holding the server's API token (another server, an operator's script) may use any
id made of SENDER_ID_CHARACTERS; nothing else is ever taken as an id: a NUL byte or a
newline in an id would break the tracker store (PostgreSQL refuses NUL) or the logs.
"""

from __future__ import annotations

import re
from typing import Any

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
UUID4_HEX = re.compile(r"[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}")
MAX_SENDER_ID_LENGTH = 128
SENDER_ID_CHARACTERS = "letters A-Z and a-z, digits, and . _ - : @"
SAFE_SENDER_ID = re.compile(rf"[A-Za-z0-9._:@-]{{1,{MAX_SENDER_ID_LENGTH}}}")


def is_conversation_id(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID4.fullmatch(value))


def is_random_sender_id(value: Any) -> bool:
    """A UUID4, canonical or as 32 hex digits (`rasa shell`)."""
    return is_conversation_id(value) or (
        isinstance(value, str) and bool(UUID4_HEX.fullmatch(value))
    )


def is_safe_sender_id(value: Any) -> bool:
    return isinstance(value, str) and bool(SAFE_SENDER_ID.fullmatch(value))
