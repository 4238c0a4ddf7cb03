"""The append-only audit log; each entry carries the hash of the one before (a hash chain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow
from drafting.models.integrity import ENTRY_COLUMNS, entry_hash, entry_payload, values_of
from drafting.models.people import Delegation, User


class AuditEntry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    process_id: Mapped[int | None] = mapped_column(ForeignKey("process.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User | None] = relationship()
    delegation: Mapped[Delegation | None] = relationship(lazy="joined")

    def canonical(self) -> bytes:
        """The bytes the chain hashes: every field that records what happened."""
        return entry_payload(values_of(self, ENTRY_COLUMNS))

    def compute_hash(self) -> str:
        return entry_hash(values_of(self, ENTRY_COLUMNS))
