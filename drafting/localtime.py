"""Times as a reader reads them: in their own time zone (their preference, else the
process's), always with the offset shown, because delegations work from many capitals."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from drafting import clock

FALLBACK = "UTC"


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone this machine knows, sorted, for the time-zone preference."""
    return tuple(sorted(available_timezones()))


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(zone_names())


def is_zone(name: str | None) -> bool:
    if not name or name not in _known():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_name_for(user, process_timezone: str | None = None) -> str:
    """The zone a person reads times in: their own choice, else the given process's zone,
    else the zone of the first process they take part in, else UTC."""
    if user is not None and getattr(user, "timezone", None) and is_zone(user.timezone):
        return user.timezone
    if process_timezone and is_zone(process_timezone):
        return process_timezone
    memberships = getattr(user, "memberships", None) or []
    for membership in memberships:
        if is_zone(membership.process.timezone):
            return membership.process.timezone
    return FALLBACK


def offset_label(moment: datetime) -> str:
    """`UTC-06:00`, `UTC+05:30`, `UTC+00:00` for an aware time."""
    raw = moment.strftime("%z") or "+0000"
    return f"UTC{raw[:3]}:{raw[3:]}"


def in_zone(moment: datetime, zone: str) -> datetime:
    return clock.as_utc(moment).astimezone(ZoneInfo(zone))


def format_time(moment: datetime | None, zone: str) -> str:
    """`2026-11-30 17:00 America/Mexico_City (UTC-06:00)`; empty for no time."""
    if moment is None:
        return ""
    local = in_zone(moment, zone)
    return f"{local.strftime('%Y-%m-%d %H:%M')} {zone} ({offset_label(local)})"
