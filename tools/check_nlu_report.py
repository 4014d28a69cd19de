"""Fails when the held-out intent macro-F1 in a Rasa intent report is below the bar."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tabulate import tabulate

NON_INTENT_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def weakest_intents(report: dict, count: int = 8) -> list:
    scores = [
        (name, values["f1-score"], values["support"])
        for name, values in report.items()
        if name not in NON_INTENT_KEYS and isinstance(values, dict)
    ]
    return sorted(scores, key=lambda row: row[1])[:count]


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report", type=Path, help="intent_report.json from `rasa test nlu`")
    parser.add_argument("--min-macro-f1", type=float, default=0.90)
    args = parser.parse_args(argv)

    report = json.loads(args.report.read_text())
    macro_f1 = report["macro avg"]["f1-score"]
    print(
        f"Held-out NLU: accuracy {report['accuracy']:.3f}, intent macro-F1 {macro_f1:.3f} "
        f"(bar {args.min_macro_f1:.2f}), {report['macro avg']['support']} examples"
    )
    print(
        tabulate(
            weakest_intents(report), headers=["weakest intents", "F1", "examples"], floatfmt=".3f"
        )
    )
    if macro_f1 < args.min_macro_f1:
        print(f"FAIL: intent macro-F1 {macro_f1:.3f} is below {args.min_macro_f1:.2f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
