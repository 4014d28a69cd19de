"""Faults under load: Ember as `make run` starts it (supervised, a Rasa worker per core), with
20 people talking at once (each pausing 1-3 s between messages, as people do), crisis messages
among their words, while something breaks.

After each fault, checked from the tracker store: every message is stored exactly once and in
order, unless the person was told it could not be kept (or their request never got an answer
at all, when the worker holding it was killed); every crisis message got contacts; and the
service answers again. The figures are printed and written to results/faults.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
import requests
import yaml

from tests.e2e.conftest import carries_contacts, keep_figures
from tests.helpers import PROJECT_ROOT, Postgres, Redis, production_environment, unavailable
from tests.servers import TOKEN
from tools import serve
from tools.supervision import Supervisor

pytestmark = pytest.mark.e2e

USERS = 20
# People read the reply and type the next message: a pause between sending and sending.
THINK_SECONDS = (1.0, 3.0)
CRISIS = "i want to end my life"
SCRIPT = [
    "hi",
    "she blocked me everywhere last night",
    "i feel so empty",
    "can i have an affirmation",
    "/request_grounding",
    "thank you",
    CRISIS,
    "i just miss her",
    "give me a journal prompt",
    "bye",
]
# What Ember says when it could not keep a message (domain/conversation.yml).
NOT_SAVED = "couldn't save that last message"
NOT_TAKEN = "another very long message"


@dataclass
class Turn:
    text: str
    started: float
    seconds: float | None = None  # None: no answer at all (connection lost)
    status: int | None = None
    reply: str = ""

    @property
    def told_not_saved(self) -> bool:
        return NOT_SAVED in self.reply

    @property
    def must_be_stored(self) -> bool:
        return self.status == 200 and not self.told_not_saved


@dataclass
class Person:
    sender: str = field(default_factory=lambda: str(uuid.uuid4()))
    turns: list[Turn] = field(default_factory=list)


@dataclass
class RunningEmber:
    process: subprocess.Popen
    workdir: Path
    rasa_url: str
    supervisor: Supervisor

    def pid_of(self, program: str) -> int:
        return self.supervisor.pids()[program]

    def stored_texts(self, sender: str) -> list[str]:
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker",
            params={"token": TOKEN},
            timeout=30,
        )
        response.raise_for_status()
        return [e["text"] for e in response.json()["events"] if e.get("event") == "user"]


def start_running(workdir: Path, endpoints: Path, environment: dict[str, str]):
    """`python -m tools.serve`, as `make run` starts it, on the ports in `environment`."""
    output = open(workdir / "serve.log", "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.serve",
            "--endpoints",
            str(endpoints),
            "--supervisor-dir",
            str(workdir / "run"),
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, **environment, "EMBER_API_TOKEN": TOKEN},
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    supervisor = Supervisor([], folder=workdir / "run", project_root=PROJECT_ROOT)
    ember = RunningEmber(
        process, workdir, f"http://127.0.0.1:{environment['EMBER_RASA_PORT']}", supervisor
    )
    try:
        deadline = time.monotonic() + 400
        while "Ember is running" not in (workdir / "serve.log").read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Ember did not start:\n" + (workdir / "serve.log").read_text())
            time.sleep(1)
        yield ember
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        output.close()


def free_ports() -> dict[str, str]:
    variables = ("EMBER_RASA_PORT", "EMBER_ACTION_PORT", "EMBER_CONTENT_PORT", "EMBER_WEB_PORT")
    return {name: str(serve.free_port()) for name in variables}


@pytest.fixture(scope="module")
def running(tmp_path_factory) -> RunningEmber:
    """The default profile: SQLite tracker and lock stores."""
    workdir = tmp_path_factory.mktemp("faults")
    ports = free_ports()
    endpoints = serve.local_endpoints(workdir, int(ports["EMBER_ACTION_PORT"]))
    yield from start_running(workdir, endpoints, ports)


async def talk(session: aiohttp.ClientSession, url: str, person: Person, until: float) -> None:
    number = 0
    pauses = random.Random(person.sender)  # the same rhythm for the same person
    while time.monotonic() < until:
        if number:
            await asyncio.sleep(pauses.uniform(*THINK_SECONDS))
        text = SCRIPT[number % len(SCRIPT)]
        number += 1
        turn = Turn(text, time.monotonic())
        person.turns.append(turn)
        try:
            async with session.post(url, json={"sender": person.sender, "message": text}) as r:
                turn.status = r.status
                replies = await r.json(content_type=None)
                turn.reply = " ".join(m.get("text", "") for m in replies if isinstance(m, dict))
                turn.seconds = time.monotonic() - turn.started
        except (aiohttp.ClientError, asyncio.TimeoutError):
            await asyncio.sleep(0.5)  # as a page would, before the person tries again


async def load(ember: RunningEmber, seconds: float, fault=None, at: float = 0.0) -> list[Person]:
    """USERS people for `seconds`; `fault` runs in a thread `at` seconds in."""
    people = [Person() for _ in range(USERS)]
    url = f"{ember.rasa_url}/webhooks/rest/webhook"
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as s:
        until = time.monotonic() + seconds
        talking = [asyncio.create_task(talk(s, url, person, until)) for person in people]
        if fault:
            await asyncio.sleep(at)
            await asyncio.to_thread(fault)
        await asyncio.gather(*talking)
    return people


def stored_once_in_order(stored: list[str], turns: list[Turn]) -> tuple[list[Turn], int]:
    """(lost turns, duplicated or unexpected count) in the best alignment of the stored
    messages with those sent, in order: a message the person was told was not kept, or that
    got no answer, may be absent. (The same words recur in a conversation, so the alignment
    is found by dynamic programming, not greedily.)"""
    rows, columns = len(turns), len(stored)
    # cost[i][j]: fewest lost + unexpected for turns[i:] against stored[j:].
    cost = [[0] * (columns + 1) for _ in range(rows + 1)]
    for j in range(columns - 1, -1, -1):
        cost[rows][j] = cost[rows][j + 1] + 1
    for i in range(rows - 1, -1, -1):
        cost[i][columns] = cost[i + 1][columns] + turns[i].must_be_stored
        for j in range(columns - 1, -1, -1):
            best = min(cost[i + 1][j] + turns[i].must_be_stored, cost[i][j + 1] + 1)
            if turns[i].text == stored[j]:
                best = min(best, cost[i + 1][j + 1])
            cost[i][j] = best
    lost: list[Turn] = []
    extra = i = j = 0
    while i < rows or j < columns:
        if (
            i < rows
            and j < columns
            and turns[i].text == stored[j]
            and cost[i][j] == cost[i + 1][j + 1]
        ):
            i, j = i + 1, j + 1
        elif i < rows and cost[i][j] == cost[i + 1][j] + turns[i].must_be_stored:
            if turns[i].must_be_stored:
                lost.append(turns[i])
            i += 1
        else:
            extra, j = extra + 1, j + 1
    return lost, extra


def p95(values: list[float]) -> float | None:
    ordered = sorted(values)
    return round(ordered[int(0.95 * (len(ordered) - 1))] * 1000) if ordered else None


def figures(ember: RunningEmber, name: str, people: list[Person], since: float) -> dict:
    turns = [turn for person in people for turn in person.turns]
    lost: list[Turn] = []
    duplicated = 0
    for person in people:
        stored = ember.stored_texts(person.sender)
        person_lost, person_extra = stored_once_in_order(stored, person.turns)
        if person_lost and not lost:
            (ember.workdir / "lost.json").write_text(
                json.dumps(
                    {
                        "sent": [
                            (t.text, t.status, t.told_not_saved, round(t.started, 2))
                            for t in person.turns
                        ],
                        "stored": stored,
                    },
                    indent=1,
                )
            )
        lost += person_lost
        duplicated += person_extra
    answered = [t.seconds for t in turns if t.seconds is not None]
    return {
        "fault": name,
        "users": USERS,
        "messages": len(turns),
        "answered": len(answered),
        "not_answered": sum(t.seconds is None for t in turns),
        "told_not_saved": sum(t.told_not_saved for t in turns),
        "lost": len(lost),
        "lost_examples": [(t.text, t.status, t.reply[:100]) for t in lost[:3]],
        "duplicated": duplicated,
        "crisis_without_contacts": sum(
            t.text == CRISIS and t.status == 200 and not carries_contacts(t.reply) for t in turns
        ),
        "p50_ms": round(statistics.median(answered) * 1000) if answered else None,
        "p95_during_ms": p95([t.seconds for t in turns if t.seconds and t.started < since]),
        "p95_after_ms": p95([t.seconds for t in turns if t.seconds and t.started >= since]),
    }


def report(capsys, results: dict) -> None:
    keep_figures("faults.json", results["fault"], results)
    with capsys.disabled():
        print(
            f"\nfaults [{results['fault']}]: " + ", ".join(f"{k} {v}" for k, v in results.items())
        )


def assert_nothing_lost(results: dict) -> None:
    assert results["lost"] == 0, results
    assert results["duplicated"] == 0, results
    assert results["crisis_without_contacts"] == 0, results


def answers_again(ember: RunningEmber) -> None:
    """A new conversation after the fault: greeted, and a crisis answered with contacts."""
    url = f"{ember.rasa_url}/webhooks/rest/webhook"
    sender = str(uuid.uuid4())
    for text in ["hi", CRISIS]:
        response = requests.post(url, json={"sender": sender, "message": text}, timeout=60)
        assert response.status_code == 200, response.text
        reply = " ".join(message.get("text", "") for message in response.json())
        assert NOT_SAVED not in reply
    assert carries_contacts(reply)


def test_a_killed_rasa_worker_is_restarted_and_nobody_waits_for_it(running, capsys):
    killed_at = {}
    victim = running.pid_of("rasa-server-1")

    def kill_a_worker() -> None:
        killed_at["time"] = time.monotonic()
        os.kill(victim, signal.SIGKILL)

    people = asyncio.run(load(running, 30, kill_a_worker, at=8))
    results = figures(running, "rasa worker killed", people, since=killed_at["time"] + 5)
    report(capsys, results)
    assert_nothing_lost(results)
    # Each person's next message after the kill was answered, and soon: the other worker
    # took it, without waiting for the killed worker's lock tickets to expire.
    for person in people:
        after = [turn for turn in person.turns if turn.started > killed_at["time"] + 1]
        assert after and after[0].status == 200, person.turns[-3:]
        assert after[0].seconds < 5, f"{after[0].seconds:.1f} s for the first message after"
    deadline = time.monotonic() + 240
    while running.supervisor.states().get("rasa-server-1") != "RUNNING" or (
        running.pid_of("rasa-server-1") == victim
    ):
        assert time.monotonic() < deadline, "the supervisor did not restart the worker"
        time.sleep(2)
    answers_again(running)


def test_a_hung_action_server_ends_turns_kindly_and_resumes(running, capsys):
    actions = running.pid_of("action-server")
    resumed = {}

    def hang() -> None:
        os.kill(actions, signal.SIGSTOP)  # a hang, not a crash: connections stay open
        time.sleep(20)
        os.kill(actions, signal.SIGCONT)
        resumed["time"] = time.monotonic()

    people = asyncio.run(load(running, 40, hang, at=5))
    results = figures(running, "action server hung 20 s", people, since=resumed["time"])
    report(capsys, results)
    assert_nothing_lost(results)
    assert results["not_answered"] == 0, results
    answers_again(running)


def test_a_tracker_store_that_cannot_write_is_said_plainly_and_loses_nothing(running, capsys):
    endpoints = yaml.safe_load((running.workdir / "endpoints.yml").read_text())
    database = endpoints["tracker_store"]["db"]
    released = {}

    def hold_the_database() -> None:
        # Another process (a backup, a migration) holds the write lock: every save fails.
        blocker = sqlite3.connect(database, isolation_level=None, timeout=30)
        blocker.execute("BEGIN EXCLUSIVE")
        time.sleep(15)
        blocker.execute("ROLLBACK")
        blocker.close()
        released["time"] = time.monotonic()

    people = asyncio.run(load(running, 40, hold_the_database, at=5))
    results = figures(running, "tracker store unwritable 15 s", people, since=released["time"])
    report(capsys, results)
    assert_nothing_lost(results)
    assert results["told_not_saved"] > 0, "the fault never reached a save"
    assert results["not_answered"] == 0, results
    answers_again(running)


def test_huge_messages_do_not_stall_everyone_else(running, capsys):
    asyncio.run(load(running, 5))  # warm: a fresh worker's first turns are slower
    quiet = asyncio.run(load(running, 20))
    quiet_p95 = p95([t.seconds for p in quiet for t in p.turns if t.seconds])
    stop_flooding = threading.Event()
    refused, flood_replies = [], []

    def flood() -> None:
        url = f"{running.rasa_url}/webhooks/rest/webhook"
        sender = str(uuid.uuid4())
        megabyte = {"sender": sender, "message": "why did he leave " * 62_000}
        refused.append(requests.post(url, json=megabyte, timeout=60).status_code)
        while not stop_flooding.is_set():
            big = {"sender": sender, "message": "i keep writing to you " * 4_600}  # ~100 KB
            answer = requests.post(url, json=big, timeout=60)
            answer.raise_for_status()
            flood_replies.append(" ".join(m.get("text", "") for m in answer.json()))

    flooders = [threading.Thread(target=flood) for _ in range(2)]
    for flooder in flooders:
        flooder.start()
    try:
        people = asyncio.run(load(running, 20))
    finally:
        stop_flooding.set()
        for flooder in flooders:
            flooder.join(60)
    results = figures(running, "flood of 100 KB messages", people, since=float("inf"))
    results["p95_without_flood_ms"] = quiet_p95
    results["p95_ratio"] = round(results["p95_during_ms"] / quiet_p95, 2)
    results["flood_messages"] = len(flood_replies)
    # The rest were answered at once with "another very long message" (ember/core/pacing.py).
    results["flood_messages_taken"] = sum(NOT_TAKEN not in reply for reply in flood_replies)
    report(capsys, results)
    assert refused == [413, 413], "a 1 MB message is refused before it is read"
    assert all(flood_replies), "every flood message got an answer"
    assert 0 < results["flood_messages_taken"] < len(flood_replies), results
    assert_nothing_lost(results)
    assert results["not_answered"] == 0, results


# The production profile, on a PostgreSQL and a Redis of the test's own, which it can stop.


class PrivatePostgres:
    """A PostgreSQL cluster in a folder of the test's, on a free port (the machine's own
    server is shared and must not be stopped)."""

    def __init__(self) -> None:
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not binaries:
            unavailable("PostgreSQL's server programs (pg_ctl, initdb) are not installed")
        self.bin = binaries[-1].parent
        # Not under pytest's folders: those are private to root, and the server may run as
        # the postgres user.
        self.folder, self.port = Path(tempfile.mkdtemp(prefix="ember-postgres-")), serve.free_port()
        self.data = self.folder / "data"
        # PostgreSQL refuses to run as root: as root, run it as the postgres user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def settings(self) -> Postgres:
        return Postgres("127.0.0.1", self.port, "postgres", "", "postgres")


class PrivateRedis:
    def __init__(self) -> None:
        self.port = serve.free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(10)

    def settings(self) -> Redis:
        return Redis("127.0.0.1", self.port)


@pytest.fixture(scope="module")
def services():
    if not shutil.which("redis-server"):
        unavailable("redis-server is not installed")
    postgres = PrivatePostgres()
    redis_server = PrivateRedis()
    postgres.start()
    redis_server.start()
    try:
        yield postgres, redis_server
    finally:
        redis_server.stop()
        postgres.stop()
        postgres.remove()


@pytest.fixture(scope="module")
def running_prod(tmp_path_factory, services) -> RunningEmber:
    """The production profile: endpoints.prod.yml, PostgreSQL and Redis."""
    postgres, redis_server = services
    ports = free_ports()
    environment = production_environment(
        postgres.settings(),
        redis_server.settings(),
        "emberfaults",
        f"http://127.0.0.1:{ports['EMBER_ACTION_PORT']}/webhook",
    )
    yield from start_running(
        tmp_path_factory.mktemp("faults-prod"),
        PROJECT_ROOT / "endpoints.prod.yml",
        {**ports, **environment},
    )


def outage(stop, start, seconds: float):
    restarted = {}

    def fault() -> None:
        stop()
        time.sleep(seconds)
        start()
        restarted["time"] = time.monotonic()

    return fault, restarted


@pytest.mark.parametrize("service", ["PostgreSQL", "Redis"])
def test_a_database_or_lock_store_outage_is_said_plainly_and_loses_nothing(
    running_prod, services, service, capsys
):
    postgres, redis_server = services
    down = postgres if service == "PostgreSQL" else redis_server
    fault, restarted = outage(down.stop, down.start, 10)
    people = asyncio.run(load(running_prod, 35, fault, at=5))
    results = figures(running_prod, f"{service} stopped 10 s", people, since=restarted["time"])
    report(capsys, results)
    assert_nothing_lost(results)
    assert results["told_not_saved"] > 0, "the outage never reached a turn"
    assert results["not_answered"] == 0, results
    answers_again(running_prod)
