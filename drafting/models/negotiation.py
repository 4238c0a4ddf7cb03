"""The negotiation as the delegations live it: who opened the text in a round, and the
agreements a delegation gives ad referendum (subject to its capital's confirmation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow
from drafting.models.people import Delegation, User
from drafting.models.text import Paragraph


class RoundOpening(db.Model):
    """The first time someone of a delegation opened the text during a round (the round is
    its deadline row); one row per delegation and round, never updated."""

    __tablename__ = "round_opening"

    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadline.id"), primary_key=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AdReferendum(db.Model):
    """A delegation's agreement to a paragraph ad referendum until `until`. Settled exactly
    once (confirmed by its head, expired, or superseded by a later status): the claim is an
    atomic UPDATE ... WHERE settled_at IS NULL, as for deadlines."""

    __tablename__ = "ad_referendum"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"))
    until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    utc_offset: Mapped[str] = mapped_column(String(6), default="+00:00")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))  # confirmed | expired | superseded
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    delegation: Mapped[Delegation] = relationship()
    paragraph: Mapped[Paragraph] = relationship()


class PendingFiling(db.Model):
    """An amendment, reservation or break of silence filed by a member of a delegation whose
    process wants its head's sign-off: held, as sent, until the head signs it off; it is
    then filed (and counts, for deadlines too) at the time of signing. Signed once: the
    claim is an atomic UPDATE ... WHERE signed_at IS NULL."""

    __tablename__ = "pending_filing"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(20))  # amendment | reservation | break_silence
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    result_id: Mapped[int | None]  # the amendment or reservation it became

    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
