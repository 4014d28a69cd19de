"""The Rasa server's workers: one per core (at most two), taking turns on each conversation."""

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from ember.core.without_tensorflow import runs_without_tensorflow
from tools.serve import DEFAULT_MODEL, rasa_workers

pytestmark = pytest.mark.e2e

AT_ONCE, ROUNDS = 8, 3


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_every_worker_loaded_its_model(pid: int, timeout: float = 120) -> None:
    """The server answers as soon as one worker is up; a worker still loading takes no message.

    A loading worker is busy on its core, so: wait until none of them is.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = {worker: cpu_seconds(worker) for worker in children(pid)}
        time.sleep(0.5)
        if all(cpu_seconds(worker) - spent < 0.1 for worker, spent in before.items()):
            return
    pytest.fail(f"the Rasa workers were still busy after {timeout:.0f}s")


def test_the_server_runs_a_worker_per_core(ember):
    assert len(children(ember.rasa.process.pid)) == rasa_workers()


def test_the_trained_model_is_served_without_tensorflow(ember):
    """About 510 MB less per worker (ember/core/without_tensorflow.py); every other e2e test
    checks that the server still answers without it."""
    assert runs_without_tensorflow(DEFAULT_MODEL)
    for pid in [ember.rasa.process.pid, *children(ember.rasa.process.pid)]:
        assert "libtensorflow" not in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_messages_of_one_conversation_sent_at_once_are_handled_one_after_the_other(
    ember, round_number
):
    """Separate connections, so the workers share them; each turn must finish before the next.

    Workers that each kept their own queues lost one to four of the eight messages a round.
    """
    wait_until_every_worker_loaded_its_model(ember.rasa.process.pid)
    sender = str(uuid.uuid4())
    ember.say(sender, "hi")
    messages = [f"i miss him, message {number}" for number in range(AT_ONCE)]

    def send(text: str) -> int:
        with requests.Session() as connection:  # a new connection each: any worker may take it
            return connection.post(
                f"{ember.base_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text},
                timeout=60,
            ).status_code

    with ThreadPoolExecutor(AT_ONCE) as pool:
        assert list(pool.map(send, messages)) == [200] * AT_ONCE

    events = ember.tracker(sender)["events"]
    said = [event["text"] for event in events if event["event"] == "user"]
    assert sorted(said[1:]) == sorted(messages)  # each exactly once, none lost
    # A turn runs from its message to the action_listen that ends it; interleaved turns
    # would put a second message inside one.
    turn_open = False
    for event in events:
        if event["event"] == "user":
            assert not turn_open, "two messages of one conversation were handled at once"
            turn_open = True
        elif event["event"] == "action" and event["name"] == "action_listen":
            turn_open = False
