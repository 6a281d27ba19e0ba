"""Summary periods: when a summary is due and which stretch of time it covers.

A summary is sent at the summary time in the user's zone: every day (daily), every Sunday
(weekly) or on the last day of the month (monthly). Each covers the time since the one before,
(previous moment, moment], so periods follow each other without a gap or an overlap.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FREQUENCIES = ("daily", "weekly", "monthly")
CHOICES = (*FREQUENCIES, "off")
# A summary whose moment passed while the bot was down is still sent within this time.
CATCH_UP = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Period:
    frequency: str
    start: datetime  # exclusive
    end: datetime  # inclusive: the moment the summary is due

    @property
    def key(self) -> str:
        return f"{self.frequency}:{self.end.date().isoformat()}"


def zone_named(name: str | None, default: ZoneInfo) -> ZoneInfo:
    """The time zone a user (or a guild's leader) chose, or the platform's default when they
    chose none or the name is no longer known."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return default


def _at(day: date, at: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _moment_on_or_before(day: date, frequency: str) -> date:
    if frequency == "daily":
        return day
    if frequency == "weekly":
        return day - timedelta(days=(day.weekday() + 1) % 7)  # back to Sunday
    if _last_day(day.year, day.month) == day:
        return day
    return day.replace(day=1) - timedelta(days=1)  # the last day of the month before


def _moment_before(day: date, frequency: str) -> date:
    if frequency == "daily":
        return day - timedelta(days=1)
    if frequency == "weekly":
        return day - timedelta(days=7)
    return day.replace(day=1) - timedelta(days=1)


def latest_period(now: datetime, frequency: str, at: time, zone: tzinfo) -> Period:
    """The latest period whose summary moment is at or before `now`."""
    if frequency not in FREQUENCIES:
        raise ValueError(frequency)
    local = now.astimezone(zone)
    day = _moment_on_or_before(local.date(), frequency)
    moment = _at(day, at, zone)
    if moment > now:
        day = _moment_before(day, frequency)
        moment = _at(day, at, zone)
    start = _at(_moment_before(day, frequency), at, zone)
    return Period(frequency, start, moment)


def earnings_starts(now: datetime, zone: tzinfo) -> list[tuple[str, datetime | None]]:
    """Where /earnings' periods begin in the reader's zone: today, this week (from Monday),
    this month, and all time (None)."""
    local = now.astimezone(zone)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - timedelta(days=day.weekday())
    month = day.replace(day=1)
    return [("today", day), ("week", week), ("month", month), ("all", None)]


def so_far(now: datetime, frequency: str, at: time, zone: tzinfo) -> Period:
    """The period running now, up to `now` (for a summary sent on demand)."""
    frequency = frequency if frequency in FREQUENCIES else "weekly"
    last = latest_period(now, frequency, at, zone)
    return Period(frequency, last.end, now)


def periods_back(period: Period, count: int, at: time, zone: tzinfo) -> list[Period]:
    """`period` and the `count - 1` periods of its frequency before it, oldest first (the
    bars of a summary's chart)."""
    found = [period]
    while len(found) < count:
        found.append(latest_period(found[-1].start, period.frequency, at, zone))
    return found[::-1]
