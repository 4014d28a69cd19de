"""When a message was sent, and which day it was for the person who sent it.

Days are counted in the person's own time zone, which the browser sends as message metadata
(`timezone`, an IANA name such as "Europe/Paris"); without one, UTC. Counting local calendar
dates, not 24-hour spans, keeps a day a day across daylight-saving changes, and makes a
boundary set at 23:50 reach its second day at midnight, as a person counts it.

Tests over REST simulate days without waiting: when the action server runs with
EMBER_TEST_CLOCK=1, a message's `test_now` metadata (ISO 8601) is taken as the time it was
sent. Outside test mode that metadata is ignored, so no client can move a person's clock.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TEST_CLOCK_VARIABLE = "EMBER_TEST_CLOCK"
TEST_NOW_KEY = "test_now"
TIMEZONE_KEY = "timezone"
MAX_ZONE_NAME = 64


def test_clock_enabled() -> bool:
    return os.environ.get(TEST_CLOCK_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def sent_at(
    metadata: Mapping[str, Any] | None, timestamp: float | None, test_clock: bool = False
) -> datetime:
    """The time a message was sent (aware, UTC): its event timestamp, or in test mode its
    `test_now` metadata when that is a valid time."""
    if test_clock and metadata:
        injected = _parse_time(metadata.get(TEST_NOW_KEY))
        if injected is not None:
            return injected
    return datetime.fromtimestamp(timestamp or 0.0, tz=timezone.utc)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def zone(name: Any) -> ZoneInfo:
    """The person's time zone from its IANA name; UTC for a missing or unknown one."""
    if isinstance(name, str) and 0 < len(name) <= MAX_ZONE_NAME and ".." not in name:
        try:
            return ZoneInfo(name.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def zone_name(metadata: Mapping[str, Any] | None) -> str:
    """The valid IANA name in a message's metadata, else "UTC"."""
    return zone((metadata or {}).get(TIMEZONE_KEY)).key


def local_date(moment: datetime, zone_key: str) -> date:
    return moment.astimezone(zone(zone_key)).date()


def day_number(start: date, today: date) -> int:
    """Day 1 is the start date itself; a date before the start (a clock set back) is day 1."""
    return max(1, (today - start).days + 1)


def hours_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def from_iso(value: str) -> datetime | None:
    return _parse_time(value)
