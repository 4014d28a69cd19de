"""`rasa data validate --fail-on-warning`, with no warning left unexplained.

Rasa's validator warns that a response "is not used in any story or rule" when only a
form (its `utter_ask_<form>_<slot>` prompts) or a custom action uses it; it does not
fail on that warning, so a real unused response would slip by just the same. It also
fails on an intent with no NLU examples, which is by design for an intent that a pipeline
component imposes (ember.server.nlu.message_guard) or the web page sends by itself
(ember.core.visits). This wrapper accounts for those kinds of use and fails on every other
warning, on story conflicts and on errors.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from ember.core.project import load_domain
from ember.core.visits import REOPENED_INTENT
from ember.server.nlu.message_guard import TOO_LONG_INTENT

# Intents a pipeline component sets by rule, or the web page sends by itself; a classifier
# never learns them from examples.
IMPOSED_INTENTS = frozenset({TOO_LONG_INTENT, REOPENED_INTENT})

PROJECT_ROOT = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '(?P<name>[^']+)' is not used in any story or rule\.")
WITHOUT_EXAMPLES = re.compile(
    r"The intent '(?P<name>[^']+)' is listed in the domain file, "
    r"but is not found in the NLU training data\."
)
WARNING = re.compile(r"UserWarning: (?P<message>.*)")
# Story conflicts and errors are logged, not raised as Python warnings.
LOGGED_PROBLEM = re.compile(r"\s(?:WARNING|ERROR)\s+rasa\.(?P<message>.*)")
FAILED = "Project validation completed with errors."
# Any quoted response name in the actions' source: `response="utter_x"` or a lookup table.
ACTION_RESPONSE = re.compile(r"""["'](?P<name>utter_[a-z0-9_]+)["']""")


def form_prompts(domain: dict) -> set[str]:
    return {
        f"utter_ask_{form}_{slot}"
        for form, spec in (domain.get("forms") or {}).items()
        for slot in (spec or {}).get("required_slots", [])
    }


def responses_used_by_actions(sources: Iterable[Path]) -> set[str]:
    return {
        match["name"]
        for source in sources
        for match in ACTION_RESPONSE.finditer(source.read_text(encoding="utf-8"))
    }


def unexplained_warnings(
    output: str, accounted_for: set[str], imposed_intents: frozenset[str] = IMPOSED_INTENTS
) -> list:
    problems = []
    for line in output.splitlines():
        logged = LOGGED_PROBLEM.search(line)
        if logged:
            problems.append(logged["message"])
            continue
        warning = WARNING.search(line)
        if not warning:
            continue
        unused = UNUSED.search(warning["message"])
        if unused and unused["name"] in accounted_for:
            continue
        without_examples = WITHOUT_EXAMPLES.search(warning["message"])
        if without_examples and without_examples["name"] in imposed_intents:
            continue
        problems.append(warning["message"])
    return problems


def failed_for_unexplained_reasons(returncode: int, output: str, problems: list) -> bool:
    """Rasa exits 1 for the explained warnings too; only its own failure line is allowed."""
    if problems:
        return True
    last_line = (output.rstrip().splitlines() or [""])[-1]
    return returncode != 0 and FAILED not in last_line


# `rasa data validate` takes about 25 s alone and over a minute beside running servers;
# past this it is taken as failed (the studio undoes the save) rather than waited on forever.
VALIDATE_TIMEOUT_SECONDS = 300


def validate(project: Path = PROJECT_ROOT) -> tuple[bool, list[str]]:
    """Runs the validator on `project`: whether it passed, and what to print about it."""
    domain = load_domain(project / "domain")
    # The actions send responses, and so do the Rasa server's channels when Rasa could not.
    accounted_for = form_prompts(domain) | responses_used_by_actions(
        [
            *(project / "actions").glob("*.py"),
            *(project / "ember" / "server" / "channels").glob("*.py"),
        ]
    )
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "ember.server",
                "data",
                "validate",
                "--domain",
                "domain",
                "--fail-on-warning",
            ],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=VALIDATE_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return False, [f"FAIL: rasa data validate did not finish in {VALIDATE_TIMEOUT_SECONDS} s."]
    output = result.stdout + result.stderr
    problems = unexplained_warnings(output, accounted_for)
    lines = [f"warning: {problem}" for problem in problems]
    if failed_for_unexplained_reasons(result.returncode, output, problems):
        if result.returncode != 0:
            lines.append(output[-3000:])
        lines.append(
            f"FAIL: rasa data validate exited {result.returncode} with "
            f"{len(problems)} unexplained warning(s)."
        )
        return False, lines
    lines.append(
        f"rasa data validate: no errors, no unexplained warnings "
        f"({len(accounted_for)} responses used by forms or actions)."
    )
    return True, lines


def main() -> int:
    passed, lines = validate()
    for line in lines:
        print(line)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
