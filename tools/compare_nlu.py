"""Trains each candidate NLU pipeline and prints one table to choose by (docs/nlu-comparison.md).

A candidate is a file in tools/nlu_candidates/ holding a `pipeline:`; the rest of the
configuration (recipe, language, policies) comes from config.yml, so that every candidate is
trained and timed as the whole assistant. For each candidate, one after the other (never two
trainings at once on the project's 2 cores):

- training: wall-clock seconds of `python -m ember.server train --domain domain`, with an
  empty Rasa cache so that nothing is reused from an earlier run;
- macro-F1: `rasa test nlu` on the held-out tests/nlu/test_nlu.yml, from intent_report.json;
- conversation turns: intent accuracy on the user turns of tests/conversations
  (tools/conversation_intents.py), parsed in-process through `Agent.parse_message`;
- latency: p50 and p95 of `Agent.parse_message` in-process, after a warm-up, over the held-out
  texts (the median of a few rounds);
- memory: resident set size of a fresh process right after `Agent.load`;
- safety: on the crisis sets that `make evaluate` reads (tests/safety), the share of crisis
  phrasings whose intent brings the crisis contacts (`make test` requires all of them), and
  the share of non-crisis distress read as a crisis or an unclear risk. The safety net's
  thresholds read the classifier's confidences, so a classifier that reads intents better
  can still be worse here.

The measuring runs in a fresh process per candidate (`--measure`), so that one candidate's
libraries and models do not count against the next. Training is seeded (the classifiers'
random_state, PYTHONHASHSEED), so the quality figures repeat; the times depend on how busy
the machine is, and the load average is printed beside them.

    python -m tools.compare_nlu [CANDIDATE ...] [--out reports/nlu-comparison]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from tabulate import tabulate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = PROJECT_ROOT / "tools" / "nlu_candidates"
HELD_OUT = PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"
DEFAULT_OUT = PROJECT_ROOT / "reports" / "nlu-comparison"
SEED = "0"
WARM_UP = 20
PARSES = 300
# The machine is shared: latency is measured in rounds, and the median round is reported,
# so that one burst of someone else's work does not decide it.
ROUNDS = 3


def environment(cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONHASHSEED": SEED,
        "RASA_CACHE_DIRECTORY": str(cache),
        "LOG_LEVEL": "WARNING",
        # Nothing may come from the hub: the embedding model ships in a package.
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


def config_for(candidate: Path, out: Path) -> Path:
    """config.yml with the candidate's pipeline in place of its own."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    config["pipeline"] = yaml.safe_load(candidate.read_text(encoding="utf-8"))["pipeline"]
    path = out / f"{candidate.stem}.config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def run(command: list[str], env: dict[str, str], log: Path) -> float:
    """Runs a command from the project root; its output goes to `log`. Wall-clock seconds."""
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as output:
        completed = subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed, see {log}")
    return time.monotonic() - started


def evaluate(candidate: Path, out: Path) -> dict[str, Any]:
    rasa = [sys.executable, "-m", "ember.server"]
    name = candidate.stem
    with tempfile.TemporaryDirectory(prefix="rasa-cache-") as cache:
        env = environment(Path(cache))
        load = os.getloadavg()[0]
        print(f"{name}: training (load average {load:.1f})", flush=True)
        training = run(
            [
                *rasa,
                "train",
                "--domain",
                "domain",
                "--config",
                str(config_for(candidate, out)),
                "--fixed-model-name",
                name,
                "--out",
                str(out / "models"),
            ],
            env,
            out / f"{name}.train.log",
        )
        model = out / "models" / f"{name}.tar.gz"
        print(f"{name}: trained in {training:.0f} s; testing", flush=True)
        results = out / name
        run(
            [*rasa, "test", "nlu", "--nlu", str(HELD_OUT), "-m", str(model)]
            + ["--out", str(results), "--no-plot"],
            env,
            out / f"{name}.test.log",
        )
        report = json.loads((results / "intent_report.json").read_text())
        measured = subprocess.run(
            [sys.executable, "-m", "tools.compare_nlu", "--measure", str(model)],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if measured.returncode != 0:
            raise SystemExit(f"measuring {model} failed:\n{measured.stderr[-3000:]}")
        figures = json.loads(measured.stdout.strip().splitlines()[-1])
    return {
        "candidate": name,
        "macro_f1": report["macro avg"]["f1-score"],
        "accuracy": report["accuracy"],
        **figures,
        "training_s": training,
        "load_average": load,
    }


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return (
        int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
        / 1024
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(model: Path) -> dict[str, Any]:
    """Runs in a fresh process: memory after loading, conversation turns, latency."""
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.utils.log_utils import configure_structlog

    import ember.server  # noqa: F401 - Ember's patches, as in the server
    from tools import conversation_intents
    from tools.evaluate import ALARM_INTENTS, CONTACT_INTENTS, CRISIS_SETS

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    memory = rss_mb()

    cases = conversation_intents.turns()
    texts = [example.get("text") for example in load_data(str(HELD_OUT)).training_examples]
    sets = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in CRISIS_SETS]
    crisis = [text for one in sets for group in one["crisis"].values() for text in group]
    not_crisis = [text for one in sets for group in one["not_crisis"].values() for text in group]

    async def figures() -> dict[str, Any]:
        predicted = await conversation_intents.predicted_intents(agent, [c.text for c in cases])
        crisis_intents = await conversation_intents.predicted_intents(agent, crisis)
        other_intents = await conversation_intents.predicted_intents(agent, not_crisis)
        for text in texts[:WARM_UP]:
            await agent.parse_message(text)
        rounds = []
        for _ in range(ROUNDS):
            timings = []
            for index in range(PARSES):
                started = time.perf_counter()
                await agent.parse_message(texts[index % len(texts)])
                timings.append((time.perf_counter() - started) * 1000)
            rounds.append((statistics.median(timings), percentile(timings, 0.95)))
        return {
            "conversation_accuracy": conversation_intents.accuracy(
                [case.intent for case in cases], predicted
            ),
            "conversation_turns": len(cases),
            "crisis_recall": sum(i in CONTACT_INTENTS for i in crisis_intents) / len(crisis),
            "false_alarms": sum(i in ALARM_INTENTS for i in other_intents) / len(not_crisis),
            "p50_ms": statistics.median(p50 for p50, _ in rounds),
            "p95_ms": statistics.median(p95 for _, p95 in rounds),
            "measuring_load_average": os.getloadavg()[0],
        }

    return {**asyncio.run(figures()), "rss_mb": memory}


def table(rows: list[dict[str, Any]]) -> str:
    return tabulate(
        [
            [
                row["candidate"],
                row["macro_f1"],
                row["accuracy"],
                row["conversation_accuracy"],
                row["crisis_recall"],
                row["false_alarms"],
                row["p50_ms"],
                row["p95_ms"],
                row["training_s"],
                row["rss_mb"],
                f"{row['load_average']:.1f} / {row['measuring_load_average']:.1f}",
            ]
            for row in rows
        ],
        headers=[
            "candidate",
            "held-out macro-F1",
            "held-out accuracy",
            f"conversation turns ({rows[0]['conversation_turns']})" if rows else "turns",
            "crisis recall",
            "false alarms",
            "NLU p50 ms",
            "NLU p95 ms",
            "training s",
            "RSS MB",
            "load avg (training / timing)",
        ],
        floatfmt=("", ".3f", ".3f", ".3f", ".3f", ".3f", ".1f", ".1f", ".0f", ".0f", ""),
        tablefmt="github",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "candidates", nargs="*", type=Path, help="default: every tools/nlu_candidates/*.yml"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the fresh process
    args = parser.parse_args(argv)

    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0

    candidates = args.candidates or sorted(CANDIDATES.glob("*.yml"))
    args.out.mkdir(parents=True, exist_ok=True)
    rows = [evaluate(candidate.resolve(), args.out.resolve()) for candidate in candidates]
    (args.out / "comparison.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
