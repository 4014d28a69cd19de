"""The lock stores several Rasa workers or servers share: one message of a conversation at a
time, even when they arrive together at different ones. SQLite for the default profile's
workers; Redis for the production profile's servers (skips without Redis, fails when CI=true).
"""

import asyncio
import subprocess
import sys
import threading
import time

import pytest
from rasa.core.lock_store import LockStore
from rasa.core.utils import number_of_sanic_workers
from rasa.utils.endpoints import EndpointConfig

from ember.server.stores.lock import EmberRedisLockStore, EmberSQLiteLockStore

SERVERS, MESSAGES_PER_SERVER = 2, 12


@pytest.fixture(params=["sqlite", "redis"])
def endpoint(request, tmp_path) -> EndpointConfig:
    if request.param == "sqlite":
        return EndpointConfig.from_dict(
            {
                "type": "ember.server.stores.lock.EmberSQLiteLockStore",
                "db": str(tmp_path / "locks.db"),
            }
        )
    redis_server = request.getfixturevalue("redis_server")
    return EndpointConfig.from_dict(
        {
            "type": "ember.server.stores.lock.EmberRedisLockStore",
            "url": redis_server.host,
            "port": redis_server.port,
            "db": 1,
            "key_prefix": request.getfixturevalue("redis_prefix"),
        }
    )


def test_rasa_builds_it_from_the_endpoints_file(endpoint):
    store = LockStore.create(endpoint)
    if endpoint.type.endswith("EmberRedisLockStore"):
        assert isinstance(store, EmberRedisLockStore)
        assert store.key_prefix.startswith(endpoint.kwargs["key_prefix"])
    else:
        assert isinstance(store, EmberSQLiteLockStore)
        assert str(store.path) == endpoint.kwargs["db"]


def test_rasa_runs_several_workers_with_either_store(endpoint, monkeypatch):
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(endpoint) == 2


def test_the_sqlite_store_needs_a_file(tmp_path):
    with pytest.raises(ValueError, match="db"):
        EmberSQLiteLockStore(EndpointConfig.from_dict({"type": "x"}))


def test_a_failed_queue_change_leaves_the_queue_as_it_was(tmp_path):
    store = EmberSQLiteLockStore(db=tmp_path / "locks.db")
    first = store.issue_ticket("ana")
    with pytest.raises(RuntimeError):
        with store._transaction():
            store.delete_lock("ana")
            raise RuntimeError("the worker failed halfway")
    assert store.get_lock("ana").now_serving == first


def ticket_of_a_killed_worker(db) -> None:
    """A worker takes a conversation's ticket and is killed mid-turn."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from ember.server.stores.lock import EmberSQLiteLockStore; "
            "EmberSQLiteLockStore(db=sys.argv[1]).issue_ticket('ana'); print(flush=True); "
            "time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
    )
    worker.stdout.readline()
    worker.kill()
    worker.wait()


async def test_a_killed_workers_ticket_does_not_hold_the_conversation(tmp_path):
    store = EmberSQLiteLockStore(db=tmp_path / "locks.db")
    ticket_of_a_killed_worker(tmp_path / "locks.db")
    assert store.get_lock("ana").tickets, "the killed worker's ticket is there"
    started = time.monotonic()
    async with store.lock("ana", wait_time_in_seconds=0.1):
        waited = time.monotonic() - started
    # Rasa would wait for the ticket to expire: LOCK_LIFETIME, a minute.
    assert waited < 10


def test_a_killed_workers_ticket_is_gone_when_the_store_opens(tmp_path):
    ticket_of_a_killed_worker(tmp_path / "locks.db")
    assert EmberSQLiteLockStore(db=tmp_path / "locks.db").get_lock("ana") is None


def test_a_running_workers_ticket_is_kept(tmp_path):
    store = EmberSQLiteLockStore(db=tmp_path / "locks.db")
    ticket = store.issue_ticket("ana")
    store.update_lock("ana")
    assert EmberSQLiteLockStore(db=tmp_path / "locks.db").get_lock("ana").now_serving == ticket


def test_messages_arriving_together_at_several_servers_are_handled_one_at_a_time(endpoint):
    """Each thread is a server with its own store and event loop; all hammer one conversation."""
    busy, handled, problems = [], [], []
    start = threading.Barrier(SERVERS * MESSAGES_PER_SERVER)

    def message(store: LockStore) -> None:
        async def handle() -> None:
            async with store.lock("ana", wait_time_in_seconds=0.01):
                busy.append(1)
                if len(busy) > 1:
                    problems.append("two messages of one conversation were handled at once")
                await asyncio.sleep(0.002)
                handled.append(1)
                busy.pop()

        start.wait()
        try:
            asyncio.run(asyncio.wait_for(handle(), timeout=30))
        except Exception as error:  # a lost ticket shows as a LockError or a timeout
            problems.append(repr(error))

    stores = [LockStore.create(endpoint) for _ in range(SERVERS)]
    threads = [
        threading.Thread(target=message, args=(store,))
        for store in stores
        for _ in range(MESSAGES_PER_SERVER)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert problems == []
    assert len(handled) == SERVERS * MESSAGES_PER_SERVER
    assert stores[0].get_lock("ana") is None  # the last one out cleaned up


def test_redis_queue_changes_keep_rasas_format_and_order(request):
    redis_server = request.getfixturevalue("redis_server")
    store = EmberRedisLockStore(
        host=redis_server.host,
        port=redis_server.port,
        db=1,
        key_prefix=request.getfixturevalue("redis_prefix"),
    )
    assert [store.issue_ticket("ana", 60), store.issue_ticket("ana", 60)] == [0, 1]
    lock = store.get_lock("ana")  # Rasa's own reading of the stored queue
    assert [ticket.number for ticket in lock.tickets] == [0, 1]
    assert lock.now_serving == 0

    store.issue_ticket("ana", -1)  # already expired
    store.update_lock("ana")
    assert [ticket.number for ticket in store.get_lock("ana").tickets] == [0, 1]

    store.cleanup("ana", 0)
    assert store.get_lock("ana").now_serving == 1
    store.cleanup("ana", 1)
    assert store.get_lock("ana") is None  # nobody waiting: the queue is gone
