"""`make bench`: Ember against the stock `rasa init` assistant, same Rasa, same machine, same run.

For each assistant: full training time, time from start to first answer, the memory of all
its server processes (proportional set size: a page shared by forked processes counts once),
and for 1, 10 and 50 concurrent simulated users over keep-alive REST connections: p50 and
p95 response time, messages per second and errors. Ember runs as `make run` runs it (one
single-worker Rasa process per worker on one port), and its people hold the typed
conversations of the conversation suite (tests/conversations); the baseline's hold a
conversation in its own intents. Each Ember worker's share of the work in every round comes
from its CPU time. One long conversation per assistant gives latency against turn number
(reports/latency-by-turn.png). One person's latency just before and just after the store
fills with 100,000 conversations (copied into its table, not made by the load) tells whether
a turn's cost grows with the store. Prints every run's figures, the medians and the ratio
Ember/baseline, and writes reports/bench.json and reports/bench.md.
This prints figures; it asserts nothing about them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import requests
import yaml
from tabulate import tabulate

from tools import serve
from tools.serve import free_port

PROJECT_ROOT = serve.PROJECT_ROOT
REPORTS = PROJECT_ROOT / "reports"
RASA = str(serve.VENV_BIN / "rasa")
QUIET = {"RASA_TELEMETRY_ENABLED": "false", "LOG_LEVEL": "WARNING"}

CONVERSATION_SUITE = PROJECT_ROOT / "tests" / "conversations"
# Timed only: the bench serves models/ember.tar.gz, the model `make train` made.
EMBER_TRAINING = [
    RASA,
    "train",
    "--force",
    "--domain",
    "domain",
    "--fixed-model-name",
    "bench",
    "--out",
]
# The stock assistant's own intents: greet, mood, affirm/deny, bot challenge, goodbye.
BASELINE_CONVERSATION = [
    "hello there",
    "i am very sad",
    "no",
    "are you a bot?",
    "i'm feeling great",
    "yes",
    "bye",
]


def suite_conversations(folder: Path = CONVERSATION_SUITE) -> list[list[str]]:
    """The user side of every conversation in the suite, as typed (or as a button sends it)."""
    conversations = []
    for path in sorted(folder.glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8")).get("stories") or []:
            texts = [
                str(step["user"]).strip()
                for step in story.get("steps") or []
                if isinstance(step, dict) and "user" in step
            ]
            if texts:
                conversations.append(texts)
    return conversations


def payload_share(conversations: list[list[str]]) -> float:
    """The share of turns sent as an intent payload (a button press), not typed."""
    turns = [text for conversation in conversations for text in conversation]
    return sum(text.startswith("/") for text in turns) / len(turns)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listens_on(pid: int, port: int) -> bool:
    """Whether the process holds a socket listening on the TCP port (Linux's /proc)."""
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port and inode in inodes:
                return True
    return False


def wait_until_listening(pids: list[int], port: int, timeout: float = 180) -> None:
    """Every worker on the shared port is taking connections: until then the first one up
    gets every keep-alive connection of a round, and keeps it."""
    deadline = time.monotonic() + timeout
    while not all(listens_on(pid, port) for pid in pids):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not every worker listens on port {port} after {timeout}s")
        time.sleep(0.2)


def shares(before: list[float], after: list[float]) -> list[float]:
    """Each worker's part of the CPU time all of them used between two readings."""
    used = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(used)
    return [round(part / total, 3) if total else float("nan") for part in used]


# Turn numbers (1-based) around which a long conversation's latency is read, and how many
# turns either side count.
TURN_MARKS = (10, 100, 200, 400)
TURN_WINDOW = 10


def latency_by_turn(latencies: list[float], marks=TURN_MARKS) -> dict[int, float]:
    """p50 latency (ms) over the first 20 turns (mark 10) and around each later mark."""
    figures = {}
    for mark in marks:
        if mark > len(latencies):
            continue
        window = latencies[max(0, mark - TURN_WINDOW) : mark + TURN_WINDOW]
        answered = [seconds for seconds in window if not math.isnan(seconds)]
        if answered:
            figures[mark] = statistics.median(answered) * 1000
    return figures


def timed(command: list[str], cwd: Path) -> float:
    started = time.monotonic()
    subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **QUIET},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def memory_mb(pids: list[int]) -> float:
    """Memory of the processes and all their descendants, in MB.

    Proportional set size: a page shared by n processes counts 1/n in each, so forked Rasa
    workers are not charged twice for the model and libraries they share.
    """
    total_kb, seen, queue = 0, set(), list(pids)
    while queue:
        pid = queue.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            total_kb += int(
                next(line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:"))
            )
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            queue += [int(child) for child in children]
        except (OSError, StopIteration):
            continue
    return total_kb / 1024


def first_answer_seconds(url: str, started: float, timeout: float = 300) -> float:
    """From the start of the servers to the first REST reply."""
    while time.monotonic() - started < timeout:
        try:
            response = requests.post(
                f"{url}/webhooks/rest/webhook",
                json={"sender": str(uuid.uuid4()), "message": "hi"},
                timeout=5,
            )
            if response.ok and response.json():
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"no answer from {url} in {timeout}s")


async def said(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> bool:
    """Sends one message; whether it was answered."""
    try:
        async with session.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        ) as reply:
            await reply.read()
            return reply.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False


async def long_conversation(url: str, texts: list[str], turns: int) -> list[float]:
    """One person, one conversation of `turns` messages one at a time: each one's latency
    (NaN when it failed)."""
    latencies = []
    sender = str(uuid.uuid4())
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for turn in range(turns):
            started = time.monotonic()
            answered = await said(session, url, sender, texts[turn % len(texts)])
            latencies.append(time.monotonic() - started if answered else float("nan"))
    return latencies


async def load(url: str, conversations: list[list[str]], users: int, seconds: float) -> dict:
    """`users` simulated people, each holding whole conversations back to back (the next one
    of `conversations` each time, every person starting at a different one), each over a
    keep-alive connection of its own as a browser or a proxy holds it."""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def person(number: int) -> None:
        held = number
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while time.monotonic() < deadline:
                await converse(session, conversations[held % len(conversations)])
                held += users

    async def converse(session: aiohttp.ClientSession, conversation: list[str]) -> None:
        nonlocal errors
        sender = str(uuid.uuid4())  # as the web page makes them
        for text in conversation:
            if time.monotonic() >= deadline:
                return
            started = time.monotonic()
            if await said(session, url, sender, text):
                latencies.append(time.monotonic() - started)
            else:
                errors += 1

    timeout = aiohttp.ClientTimeout(total=30)
    await asyncio.gather(*(person(number) for number in range(users)))
    latencies.sort()

    def quantile(q: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "p50_ms": quantile(0.5) * 1000,
        "p95_ms": quantile(0.95) * 1000,
        "throughput_msg_s": len(latencies) / seconds,
        "errors": errors,
    }


def baseline_servers(bot: Path, port: int) -> list[serve.Server]:
    model = sorted((bot / "models").glob("*.tar.gz"))[-1]
    return [
        serve.Server(
            "baseline Rasa server",
            [RASA, "run", "-m", str(model), "-p", str(port), "-i", "127.0.0.1"],
            ready_url=f"http://127.0.0.1:{port}/",
            env=QUIET,
            # In its own folder, with its own endpoints and credentials as `rasa init` made
            # them: from Ember's folder it would load Ember's store, channels and patches.
            cwd=bot,
        )
    ]


def ember_servers(workdir: Path, port: int) -> list[serve.Server]:
    """As `make run` starts them: a single-worker Rasa process per worker, all on one port."""
    content_port, action_port = free_port(), free_port()
    endpoints = serve.local_endpoints(workdir, action_port)
    rasa = serve.rasa_server(port, endpoints=endpoints, token="bench")
    servers = [
        serve.content_server(content_port),
        serve.action_server(action_port, content_url=f"http://127.0.0.1:{content_port}"),
        *serve.supervised_rasa_workers(rasa, serve.rasa_workers()),
    ]
    for server in servers:
        server.env.update(QUIET)
    return servers


# Conversations the store holds for the store-size round: months of use (issue #20).
STORED_CONVERSATIONS = 100_000
# A conversation longer than this in the store is the long one, not a model for others.
LONGEST_MODEL_CONVERSATION = 200


STORED_AGE_SECONDS = 60 * 24 * 3600


def older(type_name: str, timestamp: float | None, intent: str, action: str, data: str) -> tuple:
    """A stored event's row, STORED_AGE_SECONDS earlier."""
    event = json.loads(data)
    if event.get("timestamp"):
        event["timestamp"] -= STORED_AGE_SECONDS
    return type_name, (timestamp or 0) - STORED_AGE_SECONDS, intent, action, json.dumps(event)


def fill_store(db: Path, conversations: int) -> int:
    """Adds `conversations` finished conversations to an Ember SQLite store, written straight
    into its table: copies of the suite's conversations that the load left there, each under
    a new id and STORED_AGE_SECONDS older. Returns how many events were added."""
    connection = sqlite3.connect(db, timeout=60)
    try:
        rows = connection.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events ORDER BY id"
        ).fetchall()
        by_sender: dict[str, list[tuple]] = {}
        for row in rows:
            by_sender.setdefault(row[0], []).append(row[1:])
        models = [
            [older(*event) for event in events]
            for events in by_sender.values()
            if len(events) <= LONGEST_MODEL_CONVERSATION
        ]
        if not models:
            raise RuntimeError(f"{db} holds no conversation to copy")

        def copies():
            for number in range(conversations):
                sender = f"stored-{number}-{uuid.uuid4()}"
                for event in models[number % len(models)]:
                    yield sender, *event

        with connection:
            cursor = connection.executemany(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name,"
                " data) VALUES (?, ?, ?, ?, ?, ?)",
                copies(),
            )
        return cursor.rowcount
    finally:
        connection.close()


@dataclass
class Assistant:
    name: str
    make_servers: Callable[[int], list[serve.Server]]
    conversations: list[list[str]]
    # The servers whose CPU time tells each worker's share (none: a single worker).
    workers: Callable[[list[serve.Server]], list[serve.Server]] = lambda servers: []
    # Its SQLite store, for the store-size round (none: not measured).
    store: Path | None = None


def rasa_workers_of(servers: list[serve.Server]) -> list[serve.Server]:
    return [server for server in servers if server.name.startswith("Rasa server")]


def measure(
    assistant: Assistant,
    users: list[int],
    seconds: float,
    logs: Path,
    long_turns: int,
    stored_conversations: int = 0,
) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    servers = assistant.make_servers(port)
    name = assistant.name
    for number, server in enumerate(servers):
        server.log_path = logs / f"{name.lower()}-{number}.log"
    started = time.monotonic()
    try:
        for server in servers:
            server.start()
        first = first_answer_seconds(url, started)
        figures: dict = {"first_answer_s": first}
        workers = [server.process.pid for server in assistant.workers(servers)]
        wait_until_listening(workers, port)
        for count in users:
            before = [cpu_seconds(pid) for pid in workers]
            figures[f"users_{count}"] = asyncio.run(
                load(url, assistant.conversations, count, seconds)
            )
            if workers:
                after = [cpu_seconds(pid) for pid in workers]
                figures[f"users_{count}"]["worker_shares"] = shares(before, after)
        figures["memory_mb"] = memory_mb([server.process.pid for server in servers])
        if long_turns:
            texts = [text for conversation in assistant.conversations for text in conversation]
            figures["long_conversation_s"] = asyncio.run(long_conversation(url, texts, long_turns))
        if assistant.store and stored_conversations:
            # The same servers, one person, just before and just after the store fills up.
            conversations = assistant.conversations
            figures["store_before"] = asyncio.run(load(url, conversations, 1, seconds))
            added = fill_store(assistant.store, stored_conversations)
            figures["store_after"] = asyncio.run(load(url, conversations, 1, seconds))
            figures["store_after"]["events_added"] = added
        print(f"  {name}: " + summary(figures), flush=True)
        return figures
    finally:
        for server in reversed(servers):
            server.stop()


def summary(figures: dict) -> str:
    parts = [f"first answer {figures['first_answer_s']:.1f}s", f"{figures['memory_mb']:.0f} MB"]
    for key, level in figures.items():
        if key.startswith("users_"):
            part = f"{key} {level['throughput_msg_s']:.1f} msg/s p95 {level['p95_ms']:.0f} ms"
            if "worker_shares" in level:
                part += " shares " + "/".join(f"{share:.0%}" for share in level["worker_shares"])
            parts.append(part)
    by_turn = latency_by_turn(figures.get("long_conversation_s") or [])
    if by_turn:
        parts.append("p50 by turn " + ", ".join(f"{t}: {ms:.0f} ms" for t, ms in by_turn.items()))
    return ", ".join(parts)


def median_of(runs: list[dict]) -> dict:
    merged = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            # The long conversation and the store-size round happen in the first run only.
            merged[key] = median_of([run[key] for run in runs if key in run])
        elif isinstance(value, (int, float)):
            merged[key] = statistics.median(run[key] for run in runs if key in run)
    return merged


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def goals(ember: dict, base: dict, users: list[int]) -> list[tuple[str, float, bool]]:
    """Issue #20's targets for one run: (what, the figure, met)."""
    checks = []
    if 1 in users:
        value = ratio(ember["users_1"]["p50_ms"], base["users_1"]["p50_ms"])
        checks.append(("1 user: p50 at most 0.7x", value, value <= 0.7))
    if 10 in users:
        e, b = ember["users_10"], base["users_10"]
        value = ratio(e["throughput_msg_s"], b["throughput_msg_s"])
        checks.append(("10 users: throughput at least 2.5x", value, value >= 2.5))
        value = ratio(e["p95_ms"], b["p95_ms"])
        checks.append(("10 users: p95 at most 0.4x", value, value <= 0.4))
    if 50 in users:
        e, b = ember["users_50"], base["users_50"]
        value = ratio(e["throughput_msg_s"], b["throughput_msg_s"])
        checks.append(("50 users: throughput at least 2x", value, value >= 2.0))
        checks.append(("50 users: errors (zero)", e["errors"], e["errors"] == 0))
    for count in (count for count in users if count >= 10):  # one person: one connection
        lowest = min(ember[f"users_{count}"].get("worker_shares") or [float("nan")])
        checks.append(
            (f"{count} users: smallest worker share at least 35%", lowest, lowest >= 0.35)
        )
    value = ratio(ember["memory_mb"], base["memory_mb"])
    checks.append(("memory (PSS) at most 0.7x", value, value <= 0.7))
    if "store_after" in ember:
        value = ratio(ember["store_after"]["p50_ms"], ember["store_before"]["p50_ms"])
        checks.append(
            ("1 user: p50 with the store filled at most 1.2x before", value, value <= 1.2)
        )
    by_turn = latency_by_turn(ember.get("long_conversation_s") or [])
    if len(by_turn) > 1:
        last = max(by_turn)
        value = ratio(by_turn[last], by_turn[TURN_MARKS[0]])
        checks.append(
            (f"p50 around turn {last} at most 1.5x the first 20 turns'", value, value <= 1.5)
        )
    return checks


def table(results: dict, users: list[int]) -> list[list]:
    ember, base = results["ember"], results["baseline"]

    def row(label, a, b, fmt="{:.1f}"):
        return [label, fmt.format(a), fmt.format(b), f"{ratio(a, b):.2f}"]

    rows = [
        row("training (s)", ember["training_s"], base["training_s"]),
        row("start to first answer (s)", ember["first_answer_s"], base["first_answer_s"]),
        row("memory, PSS (MB)", ember["memory_mb"], base["memory_mb"], "{:.0f}"),
    ]
    for count in users:
        e, b = ember[f"users_{count}"], base[f"users_{count}"]
        rows += [
            row(f"{count} users: p50 (ms)", e["p50_ms"], b["p50_ms"], "{:.0f}"),
            row(f"{count} users: p95 (ms)", e["p95_ms"], b["p95_ms"], "{:.0f}"),
            row(f"{count} users: throughput (msg/s)", e["throughput_msg_s"], b["throughput_msg_s"]),
            row(f"{count} users: errors", e["errors"], b["errors"], "{:.0f}"),
        ]
    return rows


def goal_rows(results: dict, users: list[int]) -> list[list]:
    """Every goal in every run: a figure holds only if it holds in each of them."""
    rows = []
    for number, (ember, base) in enumerate(
        zip(results["ember"], results["baseline"], strict=True), 1
    ):
        for what, value, met in goals(ember, base, users):
            rows.append([number, what, f"{value:.2f}", "met" if met else "NOT met"])
    return rows


def chart(results: dict, path: Path) -> None:
    """Latency against turn number in one long conversation, both assistants."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, 4.5))
    for name, label in (("ember", "Ember"), ("baseline", "stock rasa init")):
        latencies = results[name][0].get("long_conversation_s") or []
        axes.plot(range(1, len(latencies) + 1), [s * 1000 for s in latencies], label=label, lw=0.8)
    axes.set_xlabel("turn number in one conversation")
    axes.set_ylabel("response time (ms)")
    axes.set_title("Latency as one conversation grows (1 user, messages one at a time)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one short round (1 run, 1 and 10 users, 3 s each, a 40-turn conversation, "
        "2,000 stored conversations, training not timed)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--turns", type=int, default=max(TURN_MARKS) + TURN_WINDOW)
    parser.add_argument("--stored", type=int, default=STORED_CONVERSATIONS)
    args = parser.parse_args(argv)
    runs, seconds, users, turns, stored = (
        (1, 3.0, [1, 10], 40, 2_000)
        if args.quick
        else (args.runs, args.seconds, [1, 10, 50], args.turns, args.stored)
    )
    conversations = suite_conversations()
    print(
        f"Ember's load: {len(conversations)} conversations of the suite, "
        f"{payload_share(conversations):.0%} of turns sent as button payloads",
        flush=True,
    )
    REPORTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ember-bench-") as tmp:
        tmp = Path(tmp)
        bot = tmp / "baseline"
        bot.mkdir()
        print("Creating the stock `rasa init` assistant…", flush=True)
        subprocess.run(
            [RASA, "init", "--no-prompt", "--init-dir", str(bot)],
            cwd=tmp,
            env={**os.environ, **QUIET},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        baseline = Assistant(
            "baseline", lambda port: baseline_servers(bot, port), [BASELINE_CONVERSATION]
        )
        results: dict = {"baseline": [], "ember": []}
        for run in range(runs):
            print(f"Run {run + 1} of {runs}", flush=True)
            # The long conversation and the store-size round once, in the first run: they take
            # minutes at 400 turns and 100,000 conversations.
            long_turns = turns if run == 0 else 0
            # A quick round checks the bench runs: it serves the models already trained (the
            # baseline's by `rasa init`, Ember's by `make train`) instead of timing training.
            base_training = math.nan if args.quick else timed([RASA, "train", "--force"], bot)
            ember_training = (
                math.nan
                if args.quick
                else timed(EMBER_TRAINING + [str(tmp / "ember-models")], PROJECT_ROOT)
            )
            base = measure(baseline, users, seconds, tmp, long_turns)
            workdir = tmp / f"ember-{run}"
            workdir.mkdir()
            ember = Assistant(
                "Ember",
                lambda port, folder=workdir: ember_servers(folder, port),
                conversations,
                rasa_workers_of,
                store=workdir / "ember.db",
            )
            results["baseline"].append({"training_s": base_training, **base})
            results["ember"].append(
                {
                    "training_s": ember_training,
                    **measure(
                        ember, users, seconds, workdir, long_turns, stored if run == 0 else 0
                    ),
                }
            )
    medians = {name: median_of(figures) for name, figures in results.items()}
    rows = table(medians, users)
    headers = [
        f"figure (median of {runs} run{'' if runs == 1 else 's'})",
        "Ember",
        "stock rasa init",
        "Ember/baseline",
    ]
    goal_headers = ["run", "goal (issue #20)", "figure", ""]
    targets = goal_rows(results, users)
    print(tabulate(rows, headers=headers))
    print(tabulate(targets, headers=goal_headers))
    chart(results, REPORTS / "latency-by-turn.png")
    report = {
        "runs": runs,
        "seconds_per_load": seconds,
        "users": users,
        "payload_share": payload_share(conversations),
        "median": medians,
        "all_runs": results,
    }
    (REPORTS / "bench.json").write_text(json.dumps(report, indent=2))
    (REPORTS / "bench.md").write_text(
        f"# Ember vs stock `rasa init` (same machine, same run)\n\n"
        f"{tabulate(rows, headers=headers, tablefmt='github')}\n\n"
        f"## Every goal in every run\n\n"
        f"{tabulate(targets, headers=goal_headers, tablefmt='github')}\n\n"
        f"![Latency against turn number](latency-by-turn.png)\n"
    )
    print(f"Wrote {REPORTS / 'bench.json'}, {REPORTS / 'bench.md'} and latency-by-turn.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
