"""`make bench`: Ember against the stock `rasa init` assistant, same Rasa, same machine, same run.

For each assistant: full training time, time from start to first answer, the memory of all
its server processes (proportional set size: Rasa's workers are forked and share pages),
and for 1, 10 and 50 concurrent simulated users holding realistic conversations over the
REST channel: p50 and p95 response time, messages per second and errors. Each figure is the
median of --runs runs. Prints a side-by-side table with the ratio Ember/baseline and writes
reports/bench.json and reports/bench.md.
This prints figures; it asserts nothing about them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
import requests
from tabulate import tabulate

from tools import serve
from tools.serve import free_port

PROJECT_ROOT = serve.PROJECT_ROOT
REPORTS = PROJECT_ROOT / "reports"
RASA = str(serve.VENV_BIN / "rasa")
QUIET = {"RASA_TELEMETRY_ENABLED": "false", "LOG_LEVEL": "WARNING"}

# A night with Ember: greeting, what happened, a whole boundary reflection, content, a feeling.
EMBER_CONVERSATION = [
    "hi",
    "he stopped replying to me three weeks ago",
    "/request_boundaries",
    "rereading our old chats at night",
    "mute him and archive the chat",
    "30 days",
    "go for a walk and text my sister",
    "give me a journal prompt",
    "i feel so alone tonight",
    "/request_grounding",
    "thank you",
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


async def load(url: str, conversation: list[str], users: int, seconds: float) -> dict:
    """`users` simulated people, each holding whole conversations back to back."""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def person(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            sender = str(uuid.uuid4())  # as the web page makes them
            for text in conversation:
                if time.monotonic() >= deadline:
                    return
                started = time.monotonic()
                try:
                    async with session.post(
                        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
                    ) as reply:
                        await reply.read()
                        if reply.status != 200:
                            errors += 1
                            continue
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    errors += 1
                    continue
                latencies.append(time.monotonic() - started)

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(person(session) for _ in range(users)))
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
        )
    ]


def ember_servers(workdir: Path, port: int) -> list[serve.Server]:
    content_port, action_port = free_port(), free_port()
    endpoints = serve.local_endpoints(workdir, action_port)
    servers = [
        serve.content_server(content_port),
        serve.action_server(action_port, content_url=f"http://127.0.0.1:{content_port}"),
        serve.rasa_server(port, endpoints=endpoints, token="bench"),
    ]
    for server in servers:
        server.env.update(QUIET)
    return servers


def measure(
    name: str,
    make_servers: Callable[[int], list[serve.Server]],
    conversation: list[str],
    users: list[int],
    seconds: float,
    logs: Path,
) -> dict:
    port = free_port()
    servers = make_servers(port)
    for number, server in enumerate(servers):
        server.log_path = logs / f"{name.lower()}-{number}.log"
    started = time.monotonic()
    try:
        for server in servers:
            server.start()
        first = first_answer_seconds(f"http://127.0.0.1:{port}", started)
        figures = {"first_answer_s": first}
        for count in users:
            figures[f"users_{count}"] = asyncio.run(
                load(f"http://127.0.0.1:{port}", conversation, count, seconds)
            )
        figures["memory_mb"] = memory_mb([server.process.pid for server in servers])
        print(
            f"  {name}: first answer {first:.1f}s, "
            + ", ".join(
                f"{k} {v['throughput_msg_s']:.1f} msg/s"
                for k, v in figures.items()
                if k.startswith("users_")
            ),
            flush=True,
        )
        return figures
    finally:
        for server in reversed(servers):
            server.stop()


def median_of(runs: list[dict]) -> dict:
    merged = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            merged[key] = median_of([run[key] for run in runs])
        else:
            merged[key] = statistics.median(run[key] for run in runs)
    return merged


def table(results: dict, users: list[int]) -> list[list]:
    ember, base = results["ember"], results["baseline"]

    def row(label, a, b, fmt="{:.1f}"):
        ratio = a / b if b else float("nan")
        return [label, fmt.format(a), fmt.format(b), f"{ratio:.2f}"]

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="one short round (1 run, 1 and 10 users, 3 s each)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    runs, seconds, users = (
        (1, 3.0, [1, 10]) if args.quick else (args.runs, args.seconds, [1, 10, 50])
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
        results: dict = {"baseline": [], "ember": []}
        for run in range(runs):
            print(f"Run {run + 1} of {runs}", flush=True)
            base_training = timed([RASA, "train", "--force"], bot)
            ember_training = timed(
                [
                    RASA,
                    "train",
                    "--force",
                    "--domain",
                    "domain",
                    "--fixed-model-name",
                    "bench",
                    "--out",
                    str(tmp / "ember-models"),
                ],
                PROJECT_ROOT,
            )
            base = measure(
                "baseline",
                lambda port: baseline_servers(bot, port),
                BASELINE_CONVERSATION,
                users,
                seconds,
                tmp,
            )
            workdir = tmp / f"ember-{run}"
            workdir.mkdir()
            ember = measure(
                "Ember",
                lambda port, folder=workdir: ember_servers(folder, port),
                EMBER_CONVERSATION,
                users,
                seconds,
                workdir,
            )
            results["baseline"].append({"training_s": base_training, **base})
            results["ember"].append({"training_s": ember_training, **ember})
    medians = {name: median_of(figures) for name, figures in results.items()}
    rows = table(medians, users)
    headers = [
        f"figure (median of {runs} run{'' if runs == 1 else 's'})",
        "Ember",
        "stock rasa init",
        "Ember/baseline",
    ]
    print(tabulate(rows, headers=headers))
    report = {
        "runs": runs,
        "seconds_per_load": seconds,
        "users": users,
        "median": medians,
        "all_runs": results,
    }
    (REPORTS / "bench.json").write_text(json.dumps(report, indent=2))
    (REPORTS / "bench.md").write_text(
        f"# Ember vs stock `rasa init` (same machine, same run)\n\n"
        f"{tabulate(rows, headers=headers, tablefmt='github')}\n"
    )
    print(f"Wrote {REPORTS / 'bench.json'} and {REPORTS / 'bench.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
