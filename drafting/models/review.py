"""Decisions on single tracked changes: a change accepted (kept, no longer pending) or
rejected (taken out by a new version of the paragraph)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow
from drafting.models.people import Delegation, User


class ChangeReview(db.Model):
    """Who accepted or rejected which change (``change_id`` as the changes answer names it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id"), index=True)
    lang: Mapped[str] = mapped_column(String(5))
    change_id: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(10))  # "accepted" | "rejected"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"))
    # the version a rejection wrote (None for an acceptance)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    delegation: Mapped[Delegation] = relationship(lazy="joined")
