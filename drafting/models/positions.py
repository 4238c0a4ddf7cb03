"""Indicative positions of member delegations on paragraphs (a tool of the chair, not a
vote): one current position per delegation and paragraph; each change is audited."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow
from drafting.models.people import Delegation, User


class Stance(enum.StrEnum):
    CAN_ACCEPT = "can_accept"
    CAN_LIVE_WITH = "can_live_with"
    CANNOT_ACCEPT = "cannot_accept"


class ParagraphPosition(db.Model):
    """Where one delegation stands on one paragraph now; the audit log keeps every change."""

    __tablename__ = "paragraph_position"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    stance: Mapped[Stance] = mapped_column(
        Enum(Stance, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    delegation: Mapped[Delegation] = relationship(lazy="joined")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("paragraph_id", "delegation_id"),)
