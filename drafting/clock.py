"""The one source of "now", so deadlines can be tested without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime

_offset_seconds = 0.0


def now() -> datetime:
    """Current time in UTC (aware), shifted by the test offset if one is set."""
    from datetime import timedelta

    return datetime.now(UTC) + timedelta(seconds=_offset_seconds)


def shift(seconds: float) -> None:
    """Move the clock forward (tests, the demo); never used by production code paths."""
    global _offset_seconds
    _offset_seconds += seconds


def reset() -> None:
    global _offset_seconds
    _offset_seconds = 0.0


def as_utc(value: datetime) -> datetime:
    """Aware UTC datetime, treating naive values (SQLite) as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
