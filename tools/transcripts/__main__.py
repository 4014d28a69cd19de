"""`python -m tools.transcripts` (`make stories FROM=...`): transcripts to training data."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from tools.transcripts.label import DEFAULT_THRESHOLD
from tools.transcripts.match import FUZZY_THRESHOLD, ResponseMatcher
from tools.transcripts.parsers import TranscriptError, parse_date, read_source, source_name
from tools.transcripts.scrub import Scrubber, known_words
from tools.transcripts.write import Existing, plan, render_report, write

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Above this many conversations a progress bar is shown even when stderr is not a terminal.
PROGRESS_ABOVE = 50

DESCRIPTION = """\
Turn conversation transcripts into training stories and NLU examples for review.

FROM is one of:
  a plain-text transcript (.txt): one message a line, 'user: …' or 'bot: …' (also
      'User:', 'Bot:', 'me:', 'Ember:', with '>' quote marks or a timestamp such as
      '[12:03]' or '2026-01-31 12:03:11' in front); a blank line or '---' between
      conversations; lines starting with '#' are comments
  a tracker as JSON (GET /conversations/{id}/tracker), or a list of them
  a folder of such .txt/.json files
  a tracker store: its SQLite file, or an SQLAlchemy URL (sqlite:///…, postgresql://…)
  nothing: the tracker store endpoints.yml configures (var/ember.db)

Writes, under --project: data/stories/imported/<source>.yml (one story per conversation
that needed no guess), data/nlu/imported.yml (new examples), and
reports/imported/<source>.md (what to review). Running it again on the same input adds
nothing. Personal data is replaced before anything is written.
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.transcripts",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", nargs="?", metavar="FROM", help="what to read (see above)")
    parser.add_argument(
        "--project",
        type=Path,
        default=PROJECT_ROOT,
        help="project root to read the domain and data from and write to "
        "(default: this repository)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        help="trained model that labels plain text (default: <project>/models/ember.tar.gz)",
    )
    parser.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="tracker store only: conversations active since this date (UTC)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="intent confidence below which a user turn is flagged for review "
        f"instead of guessed (default {DEFAULT_THRESHOLD})",
    )
    parser.add_argument(
        "--include-sensitive",
        action="store_true",
        help="also import conversations with a crisis or abuse turn "
        "(by default they are only counted in the report)",
    )
    parser.add_argument(
        "--name",
        help="name for the output files (default: from FROM, e.g. 'chats' "
        "for chats.txt, 'tracker-store' for a database)",
    )
    args = parser.parse_args(argv)
    if not 0.0 <= args.threshold <= 1.0:
        parser.error("--threshold must be between 0 and 1")
    return args


def progress(items: list, show: bool):
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, file=sys.stderr, unit="conversation", desc="Converting")


def run(args: argparse.Namespace) -> int:
    # Rasa (and TensorFlow under it) load in seconds: not needed for --help or a usage error.
    from rasa.shared.core.domain import Domain

    from tools.transcripts.conflicts import hold_back_conflicts
    from tools.transcripts.convert import Converter

    project = args.project.resolve()
    if not (project / "domain").is_dir():
        raise TranscriptError(f"{project}: no domain/ folder (is --project the project root?)")
    since = parse_date(args.since) if args.since else None
    conversations = read_source(args.source, project, since)
    source = args.name or (source_name(args.source) if args.source else "tracker-store")

    domain = Domain.load(str(project / "domain"))
    raw_domain = domain.as_dict()
    scrub = Scrubber(known_words(project))
    model = args.model or project / "models" / "ember.tar.gz"

    def labeller():
        from tools.transcripts.label import Labeller

        return Labeller(model)

    converter = Converter(
        domain,
        scrub,
        ResponseMatcher(raw_domain.get("responses") or {}, FUZZY_THRESHOLD),
        labeller,
        args.threshold,
    )
    show = sys.stderr.isatty() or len(conversations) > PROGRESS_ABOVE
    outcomes = [o for c in progress(conversations, show) for o in converter.convert(c)]
    result = plan(source, outcomes, Existing.load(project), args.include_sensitive)
    hold_back_conflicts(project, result, domain)
    report = render_report(result, len(conversations), args.threshold, args.include_sensitive)
    written = write(project, result, report)

    print(
        f"{len(conversations)} conversation(s): {len(result.stories)} new stor"
        f"{'y' if len(result.stories) == 1 else 'ies'}, "
        f"{len(result.known_stories)} already there, {len(result.review)} left out for review, "
        f"{len(result.sensitive)} skipped (crisis or abuse); "
        f"{len(result.examples)} new NLU example(s)."
    )
    for kind, path in written.items():
        print(f"  {kind}: {path.relative_to(project)}")
    if result.stories or result.examples:
        print("Next: read the report, edit what is wrong, then `make validate` and `make train`.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # TensorFlow is chatty on import; the summary and the report are the output.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)
        return run(args)
    except TranscriptError as error:
        print(f"error: {error}", file=sys.stderr)
        print("Nothing was written.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
