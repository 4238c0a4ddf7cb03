"""Amendments proposed by delegations, their texts and co-sponsors."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow
from drafting.models.integrity import (
    AMENDMENT_TEXT_COLUMNS,
    COLUMNS,
    DECISION_COLUMNS,
    Hashed,
    amendment_hash,
    decision_hash,
    values_of,
)
from drafting.models.people import Delegation, User


class AmendmentKind(enum.StrEnum):
    MODIFY = "modify"
    INSERT = "insert"
    DELETE = "delete"


class AmendmentStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    MERGED = "merged"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"


class Recommendation(enum.StrEnum):
    """What the drafting committee advises before the decision (its "proposed procedure")."""

    ACCEPT = "accept"
    ACCEPT_WITH_CHANGES = "accept_with_changes"
    REJECT = "reject"
    COMPROMISE = "compromise"


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class Amendment(Hashed, db.Model):
    """A proposed change; its hash covers what was filed (texts included), and its decision,
    which is updated in place, is hashed on its own by every audited decision."""

    hash_has_parts = True

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    kind: Mapped[AmendmentKind] = mapped_column(_enum(AmendmentKind))
    # modify/delete: the paragraph changed; insert: the paragraph the new one follows
    # (or, with as_child, the parent it goes under).
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id"), index=True)
    as_child: Mapped[bool] = mapped_column(default=False)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    rationale: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AmendmentStatus] = mapped_column(
        _enum(AmendmentStatus), default=AmendmentStatus.SUBMITTED
    )
    # Another amendment to the same paragraph was accepted after this one was written.
    needs_review: Mapped[bool] = mapped_column(default=False)
    # Typed into the text as a suggestion (a pending tracked change) rather than filed.
    suggestion: Mapped[bool] = mapped_column(default=False)
    revision_label: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraph.id"))
    # A compromise: the rival amendments on the same paragraph it replaces; accepting it
    # marks them superseded. Fixed at filing (the filing's audit entry records it).
    replaces: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")
    # The committee's advice before the decision, changed in place (each change is audited).
    recommendation: Mapped[Recommendation | None] = mapped_column(
        _enum(Recommendation, length=30), nullable=True
    )
    recommendation_note: Mapped[str | None] = mapped_column(Text)
    recommendation_text: Mapped[str | None] = mapped_column(Text)  # accept_with_changes wording
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recommended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    delegation: Mapped[Delegation] = relationship(lazy="joined")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    recommended_by: Mapped[User | None] = relationship(foreign_keys=[recommended_by_id])
    texts: Mapped[list[AmendmentText]] = relationship(
        back_populates="amendment", order_by="AmendmentText.lang"
    )
    co_sponsors: Mapped[list[CoSponsor]] = relationship(
        back_populates="amendment", order_by="CoSponsor.id"
    )

    @property
    def is_pending(self) -> bool:
        return self.status == AmendmentStatus.SUBMITTED

    def content_hash(self) -> str:
        texts = sorted(self.texts, key=lambda t: t.id)
        return amendment_hash(
            values_of(self, COLUMNS["amendment"]),
            [values_of(t, AMENDMENT_TEXT_COLUMNS) for t in texts],
        )

    def decision_hash(self) -> str:
        """The hash of the decision as it stands (status, by whom, when, note)."""
        return decision_hash(values_of(self, DECISION_COLUMNS))


class AmendmentText(db.Model):
    """The proposed wording in one language, with the version it was written against."""

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendment.id"), index=True)
    lang: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))

    amendment: Mapped[Amendment] = relationship(back_populates="texts")

    __table_args__ = (UniqueConstraint("amendment_id", "lang"),)


class CoSponsor(Hashed, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendment.id"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    amendment: Mapped[Amendment] = relationship(back_populates="co_sponsors")
    delegation: Mapped[Delegation] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("amendment_id", "delegation_id"),)
