from datetime import date, datetime, timedelta, timezone

import pytest

from ember.core.clock import day_number, local_date, sent_at, zone, zone_name


def test_the_injected_time_is_used_only_in_test_mode():
    metadata = {"test_now": "2026-03-29T08:00:00Z"}
    assert sent_at(metadata, 0.0, test_clock=True) == datetime(2026, 3, 29, 8, tzinfo=timezone.utc)
    assert sent_at(metadata, 0.0, test_clock=False) == datetime(1970, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", ["yesterday", "", 42, None, "2026-13-40T00:00:00"])
def test_an_unreadable_injected_time_falls_back_to_the_event_time(value):
    assert sent_at({"test_now": value}, 86400.0, test_clock=True).date() == date(1970, 1, 2)


def test_a_time_without_offset_is_read_as_utc():
    assert sent_at({"test_now": "2026-01-01T10:00:00"}, None, True).hour == 10


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus", "../../etc/passwd", 7, "x" * 100])
def test_an_unknown_or_unsafe_time_zone_is_utc(name):
    assert zone(name).key == "UTC"
    assert zone_name({"timezone": name}) == "UTC"


def test_the_browser_time_zone_decides_the_local_date():
    late = datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)
    assert local_date(late, "UTC") == date(2026, 12, 1)
    assert local_date(late, "Europe/Paris") == date(2026, 12, 2)
    assert local_date(late, "America/New_York") == date(2026, 12, 1)


def test_a_boundary_set_just_before_midnight_is_on_day_two_after_midnight():
    start = local_date(datetime(2026, 6, 10, 21, 50, tzinfo=timezone.utc), "Europe/Paris")
    after_midnight = local_date(datetime(2026, 6, 10, 22, 10, tzinfo=timezone.utc), "Europe/Paris")
    assert (start, after_midnight) == (date(2026, 6, 10), date(2026, 6, 11))
    assert day_number(start, after_midnight) == 2


@pytest.mark.parametrize(
    "zone_key, start",
    [
        # Clocks go forward (Paris, 29 March 2026) and back (New York, 1 November 2026).
        ("Europe/Paris", datetime(2026, 3, 28, 23, 30)),
        ("America/New_York", datetime(2026, 10, 31, 23, 30)),
    ],
)
def test_days_across_a_daylight_saving_change_are_calendar_days(zone_key, start):
    def at(local: datetime) -> datetime:
        return local.replace(tzinfo=zone(zone_key)).astimezone(timezone.utc)

    first = local_date(at(start), zone_key)
    # The same late local hour on each of the next days: 23 or 25 hours apart across the
    # change, so counting 24-hour spans would skip or repeat a day.
    for days in range(1, 4):
        later = at(start + timedelta(days=days))
        assert day_number(first, local_date(later, zone_key)) == days + 1
    # Ten past midnight after the change is already the next day.
    just_after_midnight = at(start.replace(hour=0, minute=10) + timedelta(days=1))
    assert day_number(first, local_date(just_after_midnight, zone_key)) == 2


def test_a_clock_set_back_never_gives_day_zero():
    assert day_number(date(2026, 5, 2), date(2026, 5, 1)) == 1
    assert day_number(date(2026, 5, 2), date(2026, 5, 2)) == 1
    assert day_number(date(2026, 5, 2), date(2026, 5, 13)) == 12
