"""Redis lock store whose ticket bookkeeping is safe with several Rasa servers.

Rasa's `RedisLockStore` keeps each conversation's ticket queue in one Redis key and changes
it by reading the key, changing the queue in Python, and writing it back. When two servers do
that at the same moment for the same person (two messages sent together, one to each server)
one write can erase the other's ticket: both messages are then processed at once, or one
server waits for a ticket that no longer exists until its caller gives up (the scale-out test
met that in two runs out of eight).

Here every read-change-write of a queue runs under a short Redis mutex of its own, so the
servers change a queue one after the other. Waiting for one's turn is unchanged.
"""

from __future__ import annotations

from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# The mutex guards a few Redis round trips; if its holder died, it frees itself after this.
GUARD_SECONDS = 5.0
# These methods are synchronous inside the server's event loop: poll briefly.
GUARD_POLL_SECONDS = 0.005


class EmberRedisLockStore(RedisLockStore):
    """`RedisLockStore` with atomic ticket issuing, expiry and clean-up."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **settings: Any) -> None:
        # Rasa builds a custom lock store from its endpoint configuration alone.
        if endpoint_config is not None:
            settings = {"host": endpoint_config.url, **endpoint_config.kwargs, **settings}
        super().__init__(**settings)

    def _guard(self, conversation_id: str):
        return self.red.lock(
            f"{self.key_prefix.rstrip(':')}-guard:{conversation_id}",
            timeout=GUARD_SECONDS,
            blocking_timeout=GUARD_SECONDS,
            sleep=GUARD_POLL_SECONDS,
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._guard(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._guard(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Finishing, checking for waiters and deleting are one step: otherwise a ticket
        # issued in between would lose its queue.
        with self._guard(conversation_id):
            super().cleanup(conversation_id, ticket_number)
