"""Tracker stores that can erase a person's conversation, on request or by age.

Rasa 3.6 has no API to delete a conversation. Deleting rows from the action server does
not work either: at the end of the turn the Rasa server saves its in-memory tracker and
would write every event back. So the action only *asks* for erasure (it sets the
`erase_conversation` slot) and the store honours the request at save time, inside the
Rasa server, instead of writing anything.

The same deletions serve the operator (`python -m tools.privacy`): forgetting one
conversation, and pruning every conversation whose last event is older than a cut-off.
SQL (SQLite by default, PostgreSQL in production) deletes rows; Redis deletes the key.

Rasa wraps every store in a `FailSafeTrackerStore`, which logs a failed write with its SQL
parameters (the person's words) and then keeps the turn in a per-worker memory store that
nothing reads back: the turn is lost while the person is told nothing, and an erasure during
an outage is confirmed without having happened. `HonestTrackerStore` replaces it (patches.py):
a failure is logged by its type alone and raised, so the channel can say plainly that the
message could not be kept, and erasure is confirmed only once it has happened.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
import sqlalchemy.pool
from rasa.core.tracker_store import (
    FailSafeTrackerStore,
    RedisTrackerStore,
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
)
from rasa.shared.core.events import SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from ember.core.slots import ERASE_SLOT

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Erased:
    """How much was deleted: counts only, never anything a person wrote."""

    conversations: int
    events: int

    def __str__(self) -> str:
        conversations = "conversation" if self.conversations == 1 else "conversations"
        events = "event" if self.events == 1 else "events"
        return f"{self.conversations} {conversations} ({self.events} {events})"


def erasure_requested(tracker: DialogueStateTracker) -> bool:
    """True when the latest value given to the erase slot in this tracker is truthy."""
    for event in reversed(tracker.events):
        if isinstance(event, SlotSet) and event.key == ERASE_SLOT:
            return bool(event.value)
    return False


class ConversationNotSaved(RuntimeError):
    """The store could not write this turn: the person must be told it was not kept."""


class ErasureFailed(ConversationNotSaved):
    """The store could not erase a conversation: nothing was deleted."""


class ConversationUnreadable(RuntimeError):
    """The store could not read the conversation, so the turn could not be handled."""


class ErasesOnRequest:
    """Saves a tracker unless its owner asked for erasure; then deletes it instead."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Erased at their owner's request, the confirmation not yet sent (HonestTrackerStore).
        self.erased_conversations: set[str] = set()
        super().__init__(*args, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not erasure_requested(tracker):
            await super().save(tracker)
            return
        try:
            erased = self.erase(tracker.sender_id)
        except Exception as error:
            raise ErasureFailed(type(error).__name__) from error
        self.erased_conversations.add(tracker.sender_id)
        logger.info("Erased a conversation at its owner's request: %s.", erased)

    def erase(self, sender_id: str) -> Erased:
        """Deletes every stored event of one conversation."""
        raise NotImplementedError

    def prune(self, older_than: float) -> Erased:
        """Deletes every conversation whose last event is older than this Unix time."""
        raise NotImplementedError


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


# Conversations whose tracker a worker keeps between turns: more than are ever answered at
# once, so that a conversation going on is not rebuilt from the store on each message.
TRACKERS_KEPT = 128
# Set on a tracker this store handed out: how many of its events came from the store.
_EVENTS_READ = "_ember_events_read"


class EmberSQLTrackerStore(ErasesOnRequest, SQLTrackerStore):
    """`SQLTrackerStore` (SQLite by default, PostgreSQL in production) with erasure.

    Rasa rebuilds the tracker from every event of the session on every turn, which grew
    with the conversation's length (ember/server/history.py). This store keeps each
    tracker it read and saved, with the count and last row id of the conversation's stored
    events, and hands it back on the next turn while the store still holds exactly those
    rows: another worker's turn, an erasure or a prune changes them, and the tracker is read
    again. The store stays the only record; nothing is kept that is not in it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept: OrderedDict[str, tuple[tuple[int, int | None], DialogueStateTracker]] = (
            OrderedDict()
        )
        url = self.engine.url
        self.engine.dispose()
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens and closes a connection per session on an SQLite file,
            # and closing the last one checkpoints the log to disk: about a tenth of the
            # server's time under load. A small pool keeps connections open instead.
            # Rasa uses the store from its event loop; its tools may use other threads.
            engine_settings: dict[str, Any] = {
                "poolclass": sa.pool.QueuePool,
                "pool_size": 2,
                "connect_args": {"check_same_thread": False},
            }
        else:
            # After the database restarts, every pooled connection is dead; each would fail
            # one turn (seen in tests/e2e/test_faults.py). A ping on checkout replaces them.
            engine_settings = {**create_engine_kwargs(url), "pool_pre_ping": True}
        # The statement's parameters are the person's words: never in an error or a log.
        self.engine = sa.create_engine(url, hide_parameters=True, **engine_settings)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    def _stored_rows(self, sender_id: str) -> tuple[int, int | None]:
        """How many events the conversation has in the store, and the last one's row id:
        both read from the sender's index, so they cost the same for any length."""
        with self.session_scope() as session:
            count, last_id = (
                session.query(sa.func.count(self.SQLEvent.id), sa.func.max(self.SQLEvent.id))
                .filter(self.SQLEvent.sender_id == sender_id)
                .one()
            )
        return count, last_id

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        # Handed over, not shared: the caller changes it, and only a save puts it back.
        kept = self._kept.pop(sender_id, None)
        if kept is not None and kept[0] == self._stored_rows(sender_id):
            tracker = kept[1]
        else:
            tracker = await super().retrieve(sender_id)
        if tracker is not None:
            tracker.__dict__[_EVENTS_READ] = len(tracker.events)
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        # Rasa counts the session's stored events to find what is new, reading every row of
        # the session (7% of a worker's time in a profile under load). A tracker this store
        # handed out says how many it was read with, and the conversation's lock has kept
        # every other turn out since.
        read = tracker.__dict__.get(_EVENTS_READ)
        if read is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, read, None)

    async def save(self, tracker: DialogueStateTracker) -> None:
        self._kept.pop(tracker.sender_id, None)
        await super().save(tracker)
        read = tracker.__dict__.pop(_EVENTS_READ, None)
        stored = self._stored_rows(tracker.sender_id)
        # Kept only when the store would read back exactly this tracker. Not after an
        # erasure (the store holds nothing); not for a tracker this store did not read
        # (Rasa's count of what is new is then the only sure one); not after a new session
        # began this turn (the store reads back only the new session).
        if (
            read is not None
            and stored[0] > 0
            and not any(
                isinstance(event, SessionStarted)
                for event in itertools.islice(tracker.events, read, None)
            )
        ):
            self._kept[tracker.sender_id] = (stored, tracker)
            while len(self._kept) > TRACKERS_KEPT:
                self._kept.popitem(last=False)

    def erase(self, sender_id: str) -> Erased:
        self._kept.pop(sender_id, None)
        with self.session_scope() as session:
            events = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return Erased(1 if events else 0, events)

    def prune(self, older_than: float) -> Erased:
        Event = self.SQLEvent
        stale = (
            sa.select(Event.sender_id)
            .group_by(Event.sender_id)
            .having(sa.func.max(Event.timestamp) < older_than)
        )
        with self.session_scope() as session:
            conversations = session.execute(
                sa.select(sa.func.count()).select_from(stale.subquery())
            ).scalar_one()
            # The delete decides again by itself, so a conversation that gets a new
            # message while we prune is judged on that message too (the count above
            # may then be one too high).
            events = (
                session.query(Event)
                .filter(Event.sender_id.in_(stale.scalar_subquery()))
                .delete(synchronize_session=False)
            )
            session.commit()
        return Erased(conversations, events)


class EmberRedisTrackerStore(ErasesOnRequest, RedisTrackerStore):
    """`RedisTrackerStore` with erasure: a conversation is one key."""

    def erase(self, sender_id: str) -> Erased:
        key = self.key_prefix + sender_id
        with self.red.pipeline() as pipe:
            pipe.get(key)
            pipe.delete(key)
            stored, deleted = pipe.execute()
        return Erased(deleted, _event_count(stored) if deleted else 0)

    def prune(self, older_than: float) -> Erased:
        import redis

        conversations = events = 0
        for key in self.red.scan_iter(match=self.key_prefix + "*"):
            with self.red.pipeline() as pipe:
                try:
                    # WATCH: a conversation written to while we look is not pruned.
                    pipe.watch(key)
                    stored = pipe.get(key)
                    if stored is None or _last_timestamp(stored) >= older_than:
                        continue
                    pipe.multi()
                    pipe.delete(key)
                    pipe.execute()
                except redis.WatchError:
                    continue
            conversations += 1
            events += _event_count(stored)
        return Erased(conversations, events)


class HonestTrackerStore(FailSafeTrackerStore):
    """Rasa's wrapper around the configured store, without the memory store to fall back to.

    A failure is logged by its type only and raised: `ConversationUnreadable` when reading,
    `ConversationNotSaved` (or `ErasureFailed`) when writing.
    """

    def __init__(self, tracker_store: TrackerStore) -> None:
        super().__init__(tracker_store)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._read(self._tracker_store.retrieve(sender_id))

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._read(self._tracker_store.retrieve_full_tracker(sender_id))

    @staticmethod
    async def _read(reading: Awaitable[DialogueStateTracker | None]) -> DialogueStateTracker | None:
        try:
            return await reading
        except Exception as error:
            logger.error("Could not read a conversation: %s.", type(error).__name__)
            raise ConversationUnreadable(type(error).__name__) from None

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await self._tracker_store.save(tracker)
        except ErasureFailed as error:
            logger.error("Could not erase a conversation: %s.", error)
            raise
        except Exception as error:
            logger.error("Could not save a conversation: %s.", type(error).__name__)
            raise ConversationNotSaved(type(error).__name__) from None

    def take_erasure(self, sender_id: str) -> bool:
        """True once after this conversation was erased at its owner's request."""
        erased = getattr(self._tracker_store, "erased_conversations", set())
        if sender_id in erased:
            erased.discard(sender_id)
            return True
        return False


def _events(stored: bytes | str | None) -> list[dict]:
    if not stored:
        return []
    return json.loads(stored).get("events") or []


def _event_count(stored: bytes | str | None) -> int:
    return len(_events(stored))


def _last_timestamp(stored: bytes | str) -> float:
    return max((event.get("timestamp") or 0.0 for event in _events(stored)), default=0.0)
