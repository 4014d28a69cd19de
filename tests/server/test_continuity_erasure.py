"""What Ember keeps between visits (check-ins, a boundary's count, consent) lives in the
conversation's slots, so every erasure removes it: on request, `make forget` and
`make prune`, on SQLite, PostgreSQL and Redis (the last two skip when not reachable)."""

import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from ember.core.project import DOMAIN_DIR
from ember.core.slots import ERASE_SLOT
from ember.server.stores.tracker import EmberRedisTrackerStore, EmberSQLTrackerStore

DOMAIN = Domain.load(str(DOMAIN_DIR))
DAY = 24 * 60 * 60
KEPT = {
    "remember_consent": "yes",
    "mood_checkins": [{"at": "2026-12-01T20:00:00+00:00", "score": 2, "word": "tired"}],
    "boundary_progress": {"start": "2026-11-20", "days": 30, "timezone": "UTC", "slips": []},
    "boundary_rule": "no messages to him",
}


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield EmberSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ember.db"))
    elif request.param == "postgresql":
        store = EmberSQLTrackerStore(DOMAIN, **request.getfixturevalue("postgres").store_settings())
        yield store
        with store.engine.begin() as connection:
            connection.execute(store.SQLEvent.__table__.delete())
        store.engine.dispose()
    else:
        redis = request.getfixturevalue("redis_server")
        prefix = request.getfixturevalue("redis_prefix")
        yield EmberRedisTrackerStore(DOMAIN, host=redis.host, port=redis.port, key_prefix=prefix)


def kept_for(sender: str, at: float | None = None) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(UserUttered("check in", {"name": "check_in", "confidence": 1.0}, timestamp=at))
    for name, value in KEPT.items():
        tracker.update(SlotSet(name, value, timestamp=at))
    tracker.update(ActionExecuted("action_listen", timestamp=at))
    return tracker


async def test_what_is_kept_is_stored_in_the_conversation(store):
    await store.save(kept_for("ana"))
    tracker = await store.retrieve("ana")
    assert {name: tracker.get_slot(name) for name in KEPT} == KEPT


async def test_delete_my_data_erases_what_was_kept(store):
    tracker = kept_for("ana")
    tracker.update(SlotSet(ERASE_SLOT, True))
    await store.save(tracker)
    assert await store.retrieve("ana") is None


async def test_forget_and_prune_erase_what_was_kept(store):
    now = time.time()
    await store.save(kept_for("ana"))
    await store.save(kept_for("old", at=now - 40 * DAY))
    assert store.erase("ana").conversations == 1
    assert store.prune(older_than=now - 30 * DAY).conversations == 1
    assert await store.retrieve("ana") is None
    assert await store.retrieve("old") is None
