"""Shared column helpers and the errors the model layer raises to protect its invariants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from drafting import clock


def utcnow() -> datetime:
    return clock.now()


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else clock.as_utc(value)

    def process_result_value(self, value, dialect):
        return None if value is None else clock.as_utc(value)


class FrozenDocument(Exception):
    """A write touched an adopted document; adopted text can never change."""

    def __init__(self, document_id: int | None = None) -> None:
        super().__init__("the document is adopted and can no longer change")
        self.document_id = document_id


class ImmutableRow(Exception):
    """An append-only row (version, audit entry) was about to be updated or deleted."""


MAX_ID = 2**63 - 1  # the largest row id (signed 64 bits); larger ids are refused unread
