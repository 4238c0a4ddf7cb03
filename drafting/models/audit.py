"""The append-only audit log; each entry carries the hash of the one before (a hash chain)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow
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
        payload = {
            "document_id": self.document_id,
            "process_id": self.process_id,
            "at": self.at.isoformat(timespec="microseconds") if self.at else None,
            "user_id": self.user_id,
            "delegation_id": self.delegation_id,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "reason": self.reason,
            "details": self.details or {},
            "prev_hash": self.prev_hash,
        }
        return json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()
