"""References a paragraph carries: GCM objectives (1-23), SDG targets, free tags."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db


class Tag(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[str] = mapped_column(String(20))  # "gcm", "sdg" or "free"
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(300))
    label_es: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("scheme", "code"),)


class ParagraphTag(db.Model):
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id"), primary_key=True)

    tag: Mapped[Tag] = relationship(lazy="joined")
