"""SQL tracker store that can erase a person's conversation when they ask.

Rasa 3.6 has no API to delete a conversation. Deleting rows from the action server does
not work either: at the end of the turn the Rasa server saves its in-memory tracker and
would write every event back. So the action only *asks* for erasure (it sets the
`erase_conversation` slot) and this store honours the request at save time, inside the
Rasa server, instead of writing anything.
"""

from __future__ import annotations

import logging

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

ERASE_SLOT = "erase_conversation"


def erasure_requested(tracker: DialogueStateTracker) -> bool:
    """True when the latest value given to the erase slot in this tracker is truthy."""
    for event in reversed(tracker.events):
        if isinstance(event, SlotSet) and event.key == ERASE_SLOT:
            return bool(event.value)
    return False


class EmberSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` (SQLite by default, PostgreSQL in production) with erasure."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not erasure_requested(tracker):
            await super().save(tracker)
            return
        erased = self.erase(tracker.sender_id)
        logger.info("Erased a conversation at its owner's request (%d events).", erased)

    def erase(self, sender_id: str) -> int:
        """Deletes every stored event of one conversation; returns how many."""
        with self.session_scope() as session:
            erased = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return erased
