"""SQL tracker store that can erase a person's conversation when they ask.

Rasa 3.6 has no API to delete a conversation. Deleting rows from the action server does
not work either: at the end of the turn the Rasa server saves its in-memory tracker and
would write every event back. So the action only *asks* for erasure (it sets the
`erase_conversation` slot) and this store honours the request at save time, inside the
Rasa server, instead of writing anything.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy
import sqlalchemy.orm
import sqlalchemy.pool
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


def _sqlite_write_ahead_log(connection: Any, _: Any) -> None:
    # Profiling under load showed the SQLite commit (an fsync of the rollback journal and
    # of the database on every turn) costing about a sixth of the Rasa server's time. In
    # WAL mode with synchronous=NORMAL a commit appends to the log without waiting for the
    # disk: a crash of any process loses nothing; only a power cut or OS crash can lose
    # the last turns. Production uses PostgreSQL, whose own commit guarantees apply.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class EmberSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` (SQLite by default, PostgreSQL in production) with erasure."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens and closes a connection per session on an SQLite file,
            # and closing the last one checkpoints the log to disk: about a tenth of the
            # server's time under load. A small pool keeps connections open instead.
            # Rasa uses the store from its event loop; its tools may use other threads.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sqlalchemy.create_engine(
                url,
                poolclass=sqlalchemy.pool.QueuePool,
                pool_size=2,
                connect_args={"check_same_thread": False},
            )
            sqlalchemy.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
            self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)

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
