"""Erasing conversations, on request and by the operator, on every store Ember supports:
SQLite, PostgreSQL and Redis (the last two skip when not reachable, fail when CI=true)."""

import time

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from ember.core.slots import ERASE_SLOT
from ember.server.stores.tracker import (
    EmberRedisTrackerStore,
    EmberSQLTrackerStore,
    Erased,
    erasure_requested,
)

DOMAIN = Domain.from_yaml(
    """
    version: "3.1"
    slots:
      erase_conversation:
        type: bool
        influence_conversation: false
        mappings: [{type: custom}]
    """
)
DAY = 24 * 60 * 60


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield EmberSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ember.db"))
    elif request.param == "postgresql":
        store = EmberSQLTrackerStore(DOMAIN, **request.getfixturevalue("postgres").store_settings())
        yield store
        with store.engine.begin() as connection:  # the database lives for the whole session
            connection.execute(store.SQLEvent.__table__.delete())
        store.engine.dispose()
    else:
        redis = request.getfixturevalue("redis_server")
        prefix = request.getfixturevalue("redis_prefix")
        yield EmberRedisTrackerStore(DOMAIN, host=redis.host, port=redis.port, key_prefix=prefix)


def conversation(sender: str, *texts: str, at: float | None = None) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for text in texts:
        tracker.update(UserUttered(text, {"name": "nlu_fallback", "confidence": 1.0}, timestamp=at))
        tracker.update(ActionExecuted("action_listen", timestamp=at))
    return tracker


async def user_texts(store, sender: str) -> list[str] | None:
    tracker = await store.retrieve(sender)
    return tracker and [e.text for e in tracker.events if isinstance(e, UserUttered)]


async def test_a_conversation_is_saved_and_read_back(store):
    await store.save(conversation("ana", "he blocked me", "i keep checking"))
    assert await user_texts(store, "ana") == ["he blocked me", "i keep checking"]


async def test_asking_for_erasure_removes_every_event_of_that_person_only(store):
    await store.save(conversation("ana", "private words"))
    await store.save(conversation("ben", "my own words"))

    tracker = await store.retrieve("ana")
    tracker.update(UserUttered("delete everything", {"name": "affirm", "confidence": 1.0}))
    tracker.update(SlotSet(ERASE_SLOT, True))
    await store.save(tracker)

    assert await store.retrieve("ana") is None
    assert await user_texts(store, "ben") == ["my own words"]


async def test_a_new_conversation_after_erasure_starts_clean(store):
    tracker = conversation("ana", "first words")
    tracker.update(SlotSet(ERASE_SLOT, True))
    await store.save(tracker)
    await store.save(conversation("ana", "a fresh start"))
    assert await user_texts(store, "ana") == ["a fresh start"]


async def test_forget_deletes_one_conversation_and_counts_it(store):
    await store.save(conversation("ana", "one", "two"))  # 2 user + 2 action events
    await store.save(conversation("ben", "mine"))

    assert store.erase("ana") == Erased(conversations=1, events=4)
    assert await store.retrieve("ana") is None
    assert await user_texts(store, "ben") == ["mine"]
    assert store.erase("ana") == Erased(conversations=0, events=0)


async def test_prune_deletes_whole_conversations_whose_last_event_is_old(store):
    now = time.time()
    await store.save(conversation("old", "long ago", "still long ago", at=now - 40 * DAY))
    # Started long ago but still going: judged by its last event, so it stays whole.
    ongoing = conversation("ongoing", "long ago too", at=now - 40 * DAY)
    ongoing.update(UserUttered("and today", {"name": "nlu_fallback", "confidence": 1.0}))
    await store.save(ongoing)
    await store.save(conversation("recent", "yesterday", at=now - DAY))

    assert store.prune(older_than=now - 30 * DAY) == Erased(conversations=1, events=4)

    assert await store.retrieve("old") is None
    assert await user_texts(store, "ongoing") == ["long ago too", "and today"]
    assert await user_texts(store, "recent") == ["yesterday"]
    assert store.prune(older_than=now - 30 * DAY) == Erased(conversations=0, events=0)


def test_erasure_follows_the_latest_value_of_the_slot():
    tracker = conversation("ana")
    assert not erasure_requested(tracker)
    tracker.update(SlotSet(ERASE_SLOT, True))
    assert erasure_requested(tracker)
    tracker.update(SlotSet(ERASE_SLOT, False))
    assert not erasure_requested(tracker)


def test_the_counts_read_plainly():
    assert str(Erased(1, 1)) == "1 conversation (1 event)"
    assert str(Erased(2, 9)) == "2 conversations (9 events)"


async def test_sqlite_writes_ahead_without_waiting_for_the_disk_on_every_turn(tmp_path):
    store = EmberSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ember.db"))
    await store.save(conversation("ana", "hi"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    assert await user_texts(store, "ana") == ["hi"]


@pytest.fixture(params=["sqlite", "postgresql"])
def two_workers(request, tmp_path):
    """Two SQL stores on one database, as two Rasa workers have them."""
    if request.param == "sqlite":
        settings = {"dialect": "sqlite", "db": str(tmp_path / "ember.db")}
    else:
        settings = request.getfixturevalue("postgres").store_settings()
    stores = [EmberSQLTrackerStore(DOMAIN, **settings) for _ in range(2)]
    yield stores
    if request.param == "postgresql":
        with stores[0].engine.begin() as connection:
            connection.execute(stores[0].SQLEvent.__table__.delete())
    for store in stores:
        store.engine.dispose()


async def test_a_saved_tracker_is_handed_back_on_the_next_turn_not_rebuilt(two_workers):
    worker, _ = two_workers
    await worker.save(conversation("ana", "he went quiet"))
    tracker = await worker.retrieve("ana")
    tracker.update(UserUttered("still nothing", {"name": "nlu_fallback", "confidence": 1.0}))
    await worker.save(tracker)
    assert await worker.retrieve("ana") is tracker
    # Handed over, not shared: until it is saved again, the store reads it afresh.
    again = await worker.retrieve("ana")
    assert again is not tracker and list(again.events) == list(tracker.events)


async def test_a_turn_another_worker_stored_is_read_from_the_store(two_workers):
    first, second = two_workers
    await first.save(conversation("ana", "he went quiet"))
    await first.save(await first.retrieve("ana"))
    elsewhere = await second.retrieve("ana")
    elsewhere.update(UserUttered("and now this", {"name": "nlu_fallback", "confidence": 1.0}))
    await second.save(elsewhere)
    assert await user_texts(first, "ana") == ["he went quiet", "and now this"]


async def test_a_conversation_erased_by_another_process_is_not_handed_back(two_workers):
    first, operator = two_workers
    await first.save(conversation("ana", "private words"))
    await first.save(await first.retrieve("ana"))
    operator.erase("ana")
    assert await first.retrieve("ana") is None


async def test_after_a_new_session_only_the_new_session_is_read(two_workers):
    worker, _ = two_workers
    await worker.save(conversation("ana", "last week", at=time.time() - 7 * DAY))
    tracker = await worker.retrieve("ana")
    tracker.update(SessionStarted())
    tracker.update(UserUttered("tonight", {"name": "nlu_fallback", "confidence": 1.0}))
    await worker.save(tracker)
    assert await user_texts(worker, "ana") == ["tonight"]


async def test_a_turn_on_a_tracker_the_store_handed_out_is_saved_without_counting_the_session(
    two_workers,
):
    worker, other = two_workers
    await worker.save(conversation("ana", "he went quiet"))
    tracker = await worker.retrieve("ana")
    tracker.update(UserUttered("still nothing", {"name": "nlu_fallback", "confidence": 1.0}))
    statements: list[str] = []

    def record(connection, cursor, statement, *_):
        statements.append(statement)

    sa.event.listen(worker.engine, "before_cursor_execute", record)
    try:
        await worker.save(tracker)
    finally:
        sa.event.remove(worker.engine, "before_cursor_execute", record)
    # Rasa's count selects every column of the session's rows to count them.
    assert not [statement for statement in statements if "events.data" in statement]
    assert await user_texts(worker, "ana") == ["he went quiet", "still nothing"]
    assert await user_texts(other, "ana") == ["he went quiet", "still nothing"]
