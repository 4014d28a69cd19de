"""The operator's privacy commands, on the tracker store an endpoints file names."""

import asyncio
import os
import time

import pytest
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from ember.server.stores.tracker import EmberSQLTrackerStore
from tests.helpers import production_environment
from tools import privacy
from tools.serve import PROJECT_ROOT, missing_variables

DAY = 24 * 60 * 60
SECRET = "words only the person may see"


def conversation(sender: str, at: float) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, [])
    tracker.update(UserUttered(SECRET, {"name": "nlu_fallback", "confidence": 1.0}, timestamp=at))
    tracker.update(ActionExecuted("action_listen", timestamp=at))
    return tracker


async def seed(store) -> None:
    await store.save(conversation("ana", at=time.time() - 100 * DAY))
    await store.save(conversation("ben", at=time.time() - 100 * DAY))
    await store.save(conversation("cleo", at=time.time()))


@pytest.fixture
def sqlite_endpoints(tmp_path):
    db = tmp_path / "ember.db"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: ember.server.stores.tracker.EmberSQLTrackerStore\n"
        f"  dialect: sqlite\n  db: {db}\n"
        "lock_store:\n  type: ember.server.stores.lock.EmberSQLiteLockStore\n"
        f"  db: {tmp_path / 'locks.db'}\n"
    )
    return endpoints, EmberSQLTrackerStore(dialect="sqlite", db=str(db))


@pytest.fixture
def prod_endpoints(postgres, redis_server, monkeypatch):
    """endpoints.prod.yml itself, its variables pointing at the test database."""
    environment = production_environment(postgres, redis_server, "ember", "http://127.0.0.1:1/")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    store = EmberSQLTrackerStore(**postgres.store_settings())
    yield PROJECT_ROOT / "endpoints.prod.yml", store
    with store.engine.begin() as connection:
        connection.execute(store.SQLEvent.__table__.delete())
    store.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def endpoints_and_store(request):
    return request.getfixturevalue(f"{'sqlite' if request.param == 'sqlite' else 'prod'}_endpoints")


async def test_forget_deletes_one_conversation_and_prints_counts_only(endpoints_and_store, capsys):
    endpoints, store = endpoints_and_store
    await seed(store)

    assert (
        await asyncio.to_thread(privacy.main, ["--endpoints", str(endpoints), "forget", "ana"]) == 0
    )
    printed = capsys.readouterr().out
    assert "Deleted 1 conversation (2 events)." in printed
    assert SECRET not in printed and "ana" not in printed
    assert await store.retrieve("ana") is None
    assert await store.retrieve("ben") is not None

    await asyncio.to_thread(privacy.main, ["--endpoints", str(endpoints), "forget", "ana"])
    assert "No stored conversation has that id." in capsys.readouterr().out


async def test_forget_during_a_turn_waits_for_it_so_nothing_is_written_back(
    endpoints_and_store, capsys
):
    endpoints, store = endpoints_and_store
    await seed(store)
    turn = await store.retrieve("ana")
    async with privacy.open_lock_store(endpoints).lock("ana"):
        forgetting = asyncio.create_task(
            asyncio.to_thread(privacy.main, ["--endpoints", str(endpoints), "forget", "ana"])
        )
        await asyncio.sleep(2)
        assert not forgetting.done(), "forget did not wait for the turn in progress"
        turn.update(ActionExecuted("utter_greet"))
        await store.save(turn)  # the end-of-turn save of the turn in progress
    assert await forgetting == 0
    assert await store.retrieve("ana") is None


async def test_prune_deletes_conversations_older_than_the_days_given(endpoints_and_store, capsys):
    endpoints, store = endpoints_and_store
    await seed(store)

    assert privacy.main(["--endpoints", str(endpoints), "prune", "30"]) == 0
    printed = capsys.readouterr().out
    assert "Deleted 2 conversations (4 events)" in printed and SECRET not in printed
    assert await store.retrieve("ana") is None and await store.retrieve("ben") is None
    assert await store.retrieve("cleo") is not None


@pytest.mark.parametrize("days", ["0", "-3", "ten", "1.5"])
def test_prune_needs_a_whole_number_of_days(days, sqlite_endpoints):
    with pytest.raises(SystemExit) as exit_:
        privacy.main(["--endpoints", str(sqlite_endpoints[0]), "prune", days])
    assert exit_.value.code == 2


def test_a_store_that_cannot_erase_is_refused_with_a_reason(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:1/webhook\n")
    with pytest.raises(SystemExit) as exit_:
        privacy.main(["--endpoints", str(endpoints), "forget", "ana"])
    assert "cannot erase conversations" in str(exit_.value.code)


def test_the_production_profile_names_every_variable_it_needs(monkeypatch):
    for name in ("EMBER_DB_HOST", "EMBER_REDIS_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    missing = missing_variables(PROJECT_ROOT / "endpoints.prod.yml")
    assert {"EMBER_DB_HOST", "EMBER_REDIS_PREFIX"} <= set(missing)
    assert missing_variables(PROJECT_ROOT / "endpoints.yml") == []


def test_every_variable_of_the_production_profile_is_documented(monkeypatch):
    for name in list(os.environ):
        monkeypatch.delenv(name)
    documented = (PROJECT_ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    variables = missing_variables(PROJECT_ROOT / "endpoints.prod.yml")
    assert len(variables) == 11
    assert [name for name in variables if f"`{name}`" not in documented] == []
