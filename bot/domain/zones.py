"""Time zones as people read them: a UTC offset, or in Chinese the local name of the zones a
Chinese reader knows by name (北京时间 rather than an ambiguous "CST")."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from bot.domain.errors import N_, Msg, Shown

# The zones /settings offers as buttons: (IANA name, the place people call it by).
COMMON_ZONES: tuple[tuple[str, Msg], ...] = (
    ("Asia/Shanghai", N_("Beijing")), ("Asia/Hong_Kong", N_("Hong Kong")),
    ("Asia/Singapore", N_("Singapore")), ("Asia/Jakarta", N_("Jakarta")),
    ("Asia/Kuala_Lumpur", N_("Kuala Lumpur")), ("Asia/Manila", N_("Manila")),
    ("Asia/Bangkok", N_("Bangkok")), ("Asia/Dhaka", N_("Dhaka")),
    ("Asia/Karachi", N_("Karachi")), ("Asia/Kathmandu", N_("Kathmandu")), ("UTC", N_("UTC")),
)
# What a Chinese reader calls the time of these zones.
LOCAL_TIME: dict[str, Msg] = {
    "Asia/Shanghai": N_("Beijing time"), "Asia/Hong_Kong": N_("Hong Kong time"),
    "Asia/Singapore": N_("Singapore time"), "Asia/Kuala_Lumpur": N_("Kuala Lumpur time"),
    "Asia/Taipei": N_("Taipei time"), "Asia/Tokyo": N_("Tokyo time"),
}


def utc_offset(zone: tzinfo, moment: datetime) -> str:
    """'UTC+8', 'UTC+5:45', 'UTC-3:30', 'UTC' for the zone's offset at that moment."""
    offset = zone.utcoffset(moment.replace(tzinfo=None)) or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_key(zone: tzinfo) -> str:
    return str(getattr(zone, "key", zone))


def zone_label(_: Any, zone: tzinfo, moment: datetime) -> str:
    """北京时间 for a Chinese reader where the zone has such a name; else its UTC offset."""
    name = LOCAL_TIME.get(zone_key(zone))
    if name is not None and _.language.startswith("zh"):
        return str(_(name))
    return utc_offset(zone, moment)


def format_moment(_: Any, moment: datetime, zone: tzinfo) -> str:
    """'2026-12-20 18:00 北京时间' / '2026-12-20 18:00 UTC+8'."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {zone_label(_, zone, local)}"


class Moment(Shown):
    """A moment to show in a refusal, in the reader's zone label."""

    __slots__ = ("epoch", "zone")

    def __init__(self, epoch: int, zone: tzinfo) -> None:
        self.epoch, self.zone = epoch, zone

    def render_for(self, _: Any) -> str:
        return format_moment(_, datetime.fromtimestamp(self.epoch, UTC), self.zone)


def in_quiet(moment: datetime, quiet: tuple[time, time] | None, zone: tzinfo) -> bool:
    """Whether the moment falls in the quiet hours [start, end) of the zone's local time (a
    span across midnight, 23:00–08:00, wraps)."""
    if quiet is None:
        return False
    start, end = quiet
    local = moment.astimezone(zone).time().replace(tzinfo=None)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def _next_at(moment: datetime, at: time, zone: tzinfo) -> datetime:
    """The next moment after `moment` when the zone's clock shows `at`."""
    local = moment.astimezone(zone)
    found = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if found <= local:
        found += timedelta(days=1)
    return found.astimezone(UTC)


def awake_deadline(start: datetime, hours: float, quiet: tuple[time, time] | None,
                   zone: tzinfo) -> datetime:
    """`hours` from `start` counting only time outside the quiet hours in the zone: an offer
    made at 17:00 with 12 hours to answer, quiet 23:00–08:00, is due at 14:00 the next day,
    never at 5 a.m."""
    left = timedelta(hours=hours)
    moment = start.astimezone(UTC)
    if quiet is None or quiet[0] == quiet[1]:
        return moment + left
    while left > timedelta(0):
        if in_quiet(moment, quiet, zone):
            moment = _next_at(moment, quiet[1], zone)  # the quiet hours' end
            continue
        step = min(left, _next_at(moment, quiet[0], zone) - moment)
        moment += step
        left -= step
    return moment
