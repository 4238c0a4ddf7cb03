"""Comments on paragraphs and reservations / explanations of position."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow
from drafting.models.integrity import Hashed
from drafting.models.people import Delegation, User


class Comment(Hashed, db.Model):
    """A threaded comment, optionally anchored to a character range of one version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraph.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"))
    body: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(5))
    anchor_start: Mapped[int | None]
    anchor_end: Mapped[int | None]
    anchor_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship()
    delegation: Mapped[Delegation] = relationship(lazy="joined")


class ReservationKind(enum.StrEnum):
    RESERVATION = "reservation"
    EXPLANATION = "explanation"


class Reservation(Hashed, db.Model):
    """A reservation or explanation of position, printed as a footnote in the adopted text."""

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraph.id"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[ReservationKind] = mapped_column(
        Enum(
            ReservationKind,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    delegation: Mapped[Delegation] = relationship(lazy="joined")
