"""The Redis lock store several Rasa servers share: one message of a conversation at a time,
even when they arrive together at different servers (skips without Redis, fails when CI=true)."""

import asyncio
import threading

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from ember.lock_store import EmberRedisLockStore

SERVERS, MESSAGES_PER_SERVER = 2, 12


@pytest.fixture
def endpoint(redis_server, redis_prefix) -> EndpointConfig:
    return EndpointConfig.from_dict(
        {
            "type": "ember.lock_store.EmberRedisLockStore",
            "url": redis_server.host,
            "port": redis_server.port,
            "db": 1,
            "key_prefix": redis_prefix,
        }
    )


def test_rasa_builds_it_from_the_endpoints_file(endpoint):
    store = LockStore.create(endpoint)
    assert isinstance(store, EmberRedisLockStore)
    assert store.key_prefix.startswith(endpoint.kwargs["key_prefix"])


def test_messages_arriving_together_at_several_servers_are_handled_one_at_a_time(endpoint):
    """Each thread is a server with its own store and event loop; all hammer one conversation."""
    busy, handled, problems = [], [], []
    start = threading.Barrier(SERVERS * MESSAGES_PER_SERVER)

    def message(store: EmberRedisLockStore) -> None:
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
