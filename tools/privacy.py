"""Operator privacy commands: forget one conversation, or prune old ones.

    python -m tools.privacy forget <sender id>        (make forget SENDER=<id>)
    python -m tools.privacy prune <days>              (make prune DAYS=<n>)

The tracker store is the one the endpoints file names (endpoints.yml by default; the
production profile's `${VAR}`s are read from the environment as the Rasa server does).
Only counts are printed, never anything a person wrote.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DAY = 24 * 60 * 60


def open_store(endpoints: Path):
    """The erasable tracker store configured in `endpoints`; exits with a reason otherwise."""
    if not endpoints.is_file():
        sys.exit(f"No endpoints file at {endpoints}.")
    # Rasa is imported here so that `--help` answers at once. Its libraries' deprecation
    # warnings (SQLAlchemy 2.0, pkg_resources) mean nothing to an operator: recording them
    # keeps them off the screen, whatever filters those imports install.
    with warnings.catch_warnings(record=True):
        from rasa.core.tracker_store import TrackerStore
        from rasa.exceptions import RasaException
        from rasa.utils.endpoints import read_endpoint_config

        from ember.server.stores.tracker import ErasesOnRequest

        try:
            config = read_endpoint_config(str(endpoints), "tracker_store")
            store = TrackerStore.create(config) if config else None
        except (RasaException, OSError) as error:
            sys.exit(f"Cannot open the tracker store of {endpoints}: {error}")
    if not isinstance(store, ErasesOnRequest):
        found = config.type if config else "none (conversations are only kept in memory)"
        sys.exit(
            f"The tracker store in {endpoints} cannot erase conversations: its type is {found}. "
            "Use ember.server.stores.tracker.EmberSQLTrackerStore or EmberRedisTrackerStore."
        )
    return store


def open_lock_store(endpoints: Path):
    """The lock store the Rasa server uses for this endpoints file (or Rasa's in-memory
    one, when the file names none: then no other process could hold a turn anyway)."""
    with warnings.catch_warnings(record=True):
        from rasa.core.lock_store import LockStore
        from rasa.utils.endpoints import read_endpoint_config

        return LockStore.create(read_endpoint_config(str(endpoints), "lock_store"))


async def forget_between_turns(store, lock_store, sender: str):
    """Erases a conversation while holding its lock, as a turn does: a turn in progress
    ends first, so its end-of-turn save cannot write the conversation back."""
    async with lock_store.lock(sender):
        return store.erase(sender)


def positive_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(f"DAYS must be a whole number, 1 or more: {value!r}")
    return days


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.privacy",
        description="Delete conversations from Ember's tracker store. Prints counts only.",
    )
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=PROJECT_ROOT / "endpoints.yml",
        help="endpoints file naming the tracker store (default: endpoints.yml)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    forget = commands.add_parser("forget", help="delete every stored event of one conversation")
    forget.add_argument("sender", help="the conversation id (the channel's sender id)")
    prune = commands.add_parser(
        "prune", help="delete whole conversations whose last event is older than DAYS days"
    )
    prune.add_argument("days", type=positive_days)
    args = parser.parse_args(argv)

    if args.command == "forget" and not args.sender.strip():
        parser.error("the sender id is empty")
    store = open_store(args.endpoints)
    import redis
    import sqlalchemy.exc
    from rasa.core.lock_store import LockError

    try:
        if args.command == "forget":
            lock_store = open_lock_store(args.endpoints)
            erased = asyncio.run(forget_between_turns(store, lock_store, args.sender))
            print(f"Deleted {erased}." if erased.events else "No stored conversation has that id.")
        else:
            erased = store.prune(older_than=time.time() - args.days * DAY)
            print(f"Deleted {erased} whose last message is older than {args.days} days.")
    except (sqlalchemy.exc.SQLAlchemyError, redis.RedisError, LockError) as error:
        print(
            f"The tracker store of {args.endpoints} failed; nothing was deleted: {error}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
