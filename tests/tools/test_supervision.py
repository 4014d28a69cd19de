"""The supervisor `make run` uses: real supervisord, with small stand-in servers."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
import requests

from tools import serve
from tools.supervision import Supervisor, configuration, program_name


def http_server(name: str, port: int) -> serve.Server:
    return serve.Server(
        name=name,
        command=[sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        ready_url=f"http://127.0.0.1:{port}/",
        env={"SECRET": "100%-private"},
    )


@pytest.fixture
def supervisor(tmp_path: Path):
    said: list[str] = []
    running = Supervisor([], folder=tmp_path / "run", project_root=tmp_path, say=said.append)
    running.said = said  # type: ignore[attr-defined]
    yield running
    running.stop()


def test_programs_are_named_for_supervisord():
    assert program_name("Rasa server 2") == "rasa-server-2"
    assert program_name("web page") == "web-page"


def test_the_configuration_escapes_percent_signs_and_keeps_the_environment(tmp_path):
    text = configuration([http_server("web page", 8123)], tmp_path, tmp_path, {"web page": 7})
    assert "[program:web-page]" in text
    assert 'SECRET="100%%-private"' in text  # supervisord would expand a single %
    assert "startsecs=7" in text
    assert "killasgroup=true" in text


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_crashed_server_is_restarted_and_the_restart_is_told(supervisor):
    port = serve.free_port()
    server = http_server("web page", port)
    supervisor.servers = [server]
    supervisor.start()
    server.wait_ready(30, trouble=supervisor.check)
    assert wait_for(
        lambda: supervisor.check() is None and supervisor.states() == {"web-page": "RUNNING"}, 10
    )
    first = supervisor.pids()["web-page"]

    os.kill(first, signal.SIGKILL)

    assert wait_for(
        lambda: supervisor.check() is None and supervisor.pids().get("web-page", first) != first, 15
    )
    assert wait_for(
        lambda: supervisor.check() is None and supervisor.states()["web-page"] == "RUNNING", 15
    )
    assert requests.get(server.ready_url, timeout=5).ok
    assert any("web-page stopped unexpectedly" in line for line in supervisor.said)
    assert any("web-page is running again" in line for line in supervisor.said)


def test_a_server_that_keeps_failing_is_given_up_with_a_clear_reason(supervisor):
    failing = serve.Server(
        name="action server", command=[sys.executable, "-c", "raise SystemExit(3)"], ready_url=""
    )
    supervisor.servers = [failing]
    supervisor.start()
    started = time.monotonic()
    reason = supervisor.watch(interval=0.2)
    assert "action-server failed to start 5 times in a row" in reason
    # supervisord waited longer after each failure: 1 + 2 + 3 + 4 seconds at least.
    assert time.monotonic() - started >= 10


def test_stopping_stops_every_server(supervisor):
    port = serve.free_port()
    server = http_server("web page", port)
    supervisor.servers = [server]
    supervisor.start()
    server.wait_ready(30)
    assert wait_for(lambda: "web-page" in supervisor.pids(), 10)
    pid = supervisor.pids()["web-page"]
    supervisor.stop()
    supervisor.stop()  # again: nothing to do, no error
    assert wait_for(lambda: not Path(f"/proc/{pid}").exists(), 10)
