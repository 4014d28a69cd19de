"""What `make run`, the tests and the benchmark start: the same stores, a worker per core."""

import os
import signal
import subprocess
import sys
import time

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


# A server that ignores SIGTERM (as a worker stuck in a long turn does), started and stopped
# the way tools/serve.py's main() does it.
STUBBORN_RUN = """
import sys, time
from pathlib import Path
from tools import serve
port = int(sys.argv[1])
server = serve.Server(
    name="stubborn",
    command=[sys.executable, "-c", (
        "import runpy, signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"sys.argv = ['http.server', '--bind', '127.0.0.1', '{port}']; "
        "runpy.run_module('http.server', run_name='__main__')"
    )],
    ready_url=f"http://127.0.0.1:{port}/",
    stop_seconds=3,
    log_path=Path(sys.argv[2]),
)
serve.stop_on_signals()
try:
    server.start().wait_ready(30)
    print(server.process.pid, flush=True)
    while True:
        time.sleep(1)
except KeyboardInterrupt:
    pass
finally:
    serve.stop_all([server])
"""


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has stopped running; only its parent's wait would remove it.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def test_a_second_stop_signal_while_stopping_leaves_no_server_running(tmp_path):
    run = subprocess.Popen(
        [sys.executable, "-c", STUBBORN_RUN, str(serve.free_port()), str(tmp_path / "log")],
        cwd=serve.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    server_pid = int(run.stdout.readline())
    try:
        # What a service manager or `kill -- -PGID` on `make run` does: make passes the
        # signal on again while serve.py is still stopping the servers.
        os.killpg(run.pid, signal.SIGTERM)
        time.sleep(1)
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(30)
        deadline = time.monotonic() + 5
        while running(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running(server_pid), "a server was left running after stopping"
    finally:
        for pid in (server_pid, run.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_an_action_port_the_endpoints_file_does_not_name_is_refused_before_anything_starts(
    tmp_path, monkeypatch, capsys
):
    endpoints = serve.local_endpoints(tmp_path, 6155)
    assert serve.action_port_mismatch(endpoints, 6155) is None
    assert "6155" in serve.action_port_mismatch(endpoints, 5055)
    monkeypatch.setenv("EMBER_ACTION_PORT", "5055")
    monkeypatch.setattr(serve, "content_server", pytest.fail)  # nothing may start

    assert serve.main(["--endpoints", str(endpoints)]) == 2
    assert "EMBER_ACTION_PORT" in capsys.readouterr().err


def test_an_action_server_elsewhere_or_named_by_a_variable_is_left_to_the_file(monkeypatch):
    prod = serve.PROJECT_ROOT / "endpoints.prod.yml"
    monkeypatch.setenv("EMBER_ACTION_URL", "http://actions.internal:5055/webhook")
    assert serve.action_port_mismatch(prod, 6155) is None
    monkeypatch.setenv("EMBER_ACTION_URL", "http://127.0.0.1:5055/webhook")
    assert serve.action_port_mismatch(prod, 6155) is not None
