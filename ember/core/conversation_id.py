"""The one rule for a web conversation's id: a random UUID4, canonical and lower case.

The id is the only key to a conversation (the page keeps it in the browser; there are no
accounts), so it must be unguessable: short or well-known ids such as "default" are refused
by the socket channel (ember.server.channels.socketio) and by the history endpoint
(ember.services.web).
"""

from __future__ import annotations

import re
from typing import Any

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def is_conversation_id(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID4.fullmatch(value))
