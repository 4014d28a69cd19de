import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from ember.tracker_store import ERASE_SLOT, EmberSQLTrackerStore, erasure_requested

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


@pytest.fixture
def store(tmp_path):
    return EmberSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ember.db"))


def conversation(sender: str, *texts: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for text in texts:
        tracker.update(UserUttered(text, {"name": "nlu_fallback", "confidence": 1.0}))
        tracker.update(ActionExecuted("action_listen"))
    return tracker


async def test_a_conversation_is_saved_and_read_back(store):
    await store.save(conversation("ana", "he blocked me", "i keep checking"))
    stored = await store.retrieve("ana")
    assert [e.text for e in stored.events if isinstance(e, UserUttered)] == [
        "he blocked me",
        "i keep checking",
    ]


async def test_asking_for_erasure_removes_every_event_of_that_person_only(store):
    await store.save(conversation("ana", "private words"))
    await store.save(conversation("ben", "my own words"))

    tracker = await store.retrieve("ana")
    tracker.update(UserUttered("delete everything", {"name": "affirm", "confidence": 1.0}))
    tracker.update(SlotSet(ERASE_SLOT, True))
    await store.save(tracker)

    assert await store.retrieve("ana") is None
    assert [e.text for e in (await store.retrieve("ben")).events if isinstance(e, UserUttered)] == [
        "my own words"
    ]


async def test_a_new_conversation_after_erasure_starts_clean(store):
    tracker = conversation("ana", "first words")
    tracker.update(SlotSet(ERASE_SLOT, True))
    await store.save(tracker)
    await store.save(conversation("ana", "a fresh start"))
    texts = [e.text for e in (await store.retrieve("ana")).events if isinstance(e, UserUttered)]
    assert texts == ["a fresh start"]


def test_erasure_follows_the_latest_value_of_the_slot():
    tracker = conversation("ana")
    assert not erasure_requested(tracker)
    tracker.update(SlotSet(ERASE_SLOT, True))
    assert erasure_requested(tracker)
    tracker.update(SlotSet(ERASE_SLOT, False))
    assert not erasure_requested(tracker)


async def test_sqlite_writes_ahead_without_waiting_for_the_disk_on_every_turn(store):
    await store.save(conversation("ana", "hi"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
