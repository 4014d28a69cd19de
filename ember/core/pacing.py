"""Very long messages from one conversation, one at a time.

Reading and storing a wall of text costs a worker far more than an ordinary message, and a
conversation grows by all of it. Nobody pastes a page every second, but a stuck client or a
script can, and every other conversation on that worker would wait behind it. So a
conversation may send one very long message per pause; another one within the pause is
answered without being read by the classifier or kept (the channel says so plainly, and
still reads it for risk first), and unhurriedly, so that a client sending page after page
waits rather than the other conversations.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

# A person who is asked for smaller pieces takes longer than this to paste again.
LONG_MESSAGE_PAUSE_SECONDS = 10.0
# How long the answer to a paced message waits (a risk in it is answered at once); the wait
# costs the server nothing, and a client that sends the next page only after the answer
# sends a few a second instead of dozens.
PACED_REPLY_DELAY_SECONDS = 1.0
# Bounds the memory a flood of new conversation ids can take; the oldest are let go first.
MOST_CONVERSATIONS_REMEMBERED = 10_000


class LongMessagePace:
    def __init__(
        self,
        pause_seconds: float = LONG_MESSAGE_PAUSE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        most_remembered: int = MOST_CONVERSATIONS_REMEMBERED,
    ) -> None:
        self._pause = pause_seconds
        self._clock = clock
        self._most = most_remembered
        # Conversation id -> when its last very long message was taken, oldest first.
        self._taken: OrderedDict[str, float] = OrderedDict()

    def takes(self, conversation_id: str) -> bool:
        """Whether a very long message from this conversation may be read now (and, if so,
        starts its pause)."""
        now = self._clock()
        while self._taken and next(iter(self._taken.values())) <= now - self._pause:
            self._taken.popitem(last=False)
        if conversation_id in self._taken:
            return False
        self._taken[conversation_id] = now
        if len(self._taken) > self._most:
            self._taken.popitem(last=False)
        return True
