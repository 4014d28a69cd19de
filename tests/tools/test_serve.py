"""What `make run`, the tests and the benchmark start: the same stores, a worker per core."""

import pytest
from rasa.core.lock_store import LockStore
from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers

from ember.server.stores.lock import EmberSQLiteLockStore
from tools import serve


def test_the_tests_and_the_benchmark_use_the_stores_make_run_uses(tmp_path):
    configured = AvailableEndpoints.read_endpoints(str(serve.PROJECT_ROOT / "endpoints.yml"))
    local = AvailableEndpoints.read_endpoints(str(serve.local_endpoints(tmp_path, 5055)))
    assert local.tracker_store.type == configured.tracker_store.type
    assert local.lock_store.type == configured.lock_store.type
    assert isinstance(LockStore.create(local.lock_store), EmberSQLiteLockStore)
    assert (tmp_path / "locks.db").exists()


@pytest.mark.parametrize(
    ("cores", "variable", "workers"),
    [
        (1, None, 1),
        (2, None, 2),
        (16, None, 2),
        (2, "4", 4),
        (2, "0", 2),
        (2, "many", 2),
    ],
)
def test_a_worker_per_core_at_most_two_unless_sanic_workers_says(
    monkeypatch, cores, variable, workers
):
    monkeypatch.setattr(serve.os, "cpu_count", lambda: cores)
    if variable is None:
        monkeypatch.delenv("SANIC_WORKERS", raising=False)
    else:
        monkeypatch.setenv("SANIC_WORKERS", variable)
    assert serve.rasa_workers() == workers


def test_rasa_runs_that_many_workers_with_the_configured_lock_store(monkeypatch):
    configured = AvailableEndpoints.read_endpoints(str(serve.PROJECT_ROOT / "endpoints.yml"))
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(configured.lock_store) == 2
