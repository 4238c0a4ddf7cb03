"""The text: documents, the paragraph tree, immutable versions, revisions and deadlines."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow
from drafting.models.people import Delegation, Process, User


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class DocumentKind(enum.StrEnum):
    DECLARATION = "declaration"
    CONCLUSIONS = "conclusions"
    COMMUNIQUE = "communique"
    GUIDELINES = "guidelines"
    LINES_OF_ACTION = "lines_of_action"


class Section(enum.StrEnum):
    PREAMBLE = "preamble"
    OPERATIVE = "operative"


class ParagraphStatus(enum.StrEnum):
    OPEN = "open"
    BRACKETED = "bracketed"
    AGREED_AD_REF = "agreed_ad_ref"
    AGREED = "agreed"
    DELETED = "deleted"


class VersionSource(enum.StrEnum):
    IMPORT = "import"
    EDIT = "edit"
    AMENDMENT = "amendment"
    REVERT = "revert"


class Document(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind))
    title: Mapped[str] = mapped_column(String(500))
    symbol: Mapped[str] = mapped_column(String(100), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    workflow: Mapped[str] = mapped_column(String(40), default="online_rounds")
    state: Mapped[str] = mapped_column(String(40), default="proposal")
    proposer_delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    allow_observer_comments: Mapped[bool] = mapped_column(default=False)
    sha256: Mapped[str | None] = mapped_column(String(64))
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The presidency (PPT delegation) in office when the document was adopted.
    adopted_by_delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    process: Mapped[Process] = relationship()
    proposer: Mapped[Delegation | None] = relationship(foreign_keys=[proposer_delegation_id])
    adopted_by: Mapped[Delegation | None] = relationship(foreign_keys=[adopted_by_delegation_id])
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="document", order_by="Paragraph.id"
    )
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="document", order_by="Revision.id"
    )

    @property
    def is_adopted(self) -> bool:
        return self.state == "adopted"

    @property
    def current_revision(self) -> Revision | None:
        return self.revisions[-1] if self.revisions else None


class Paragraph(db.Model):
    """A node of the text tree; its id is stable and its number is computed, never stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("paragraph.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    section: Mapped[Section] = mapped_column(_enum(Section), default=Section.OPERATIVE)
    status: Mapped[ParagraphStatus] = mapped_column(
        _enum(ParagraphStatus), default=ParagraphStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[Document] = relationship(back_populates="paragraphs")
    parent: Mapped[Paragraph | None] = relationship(remote_side=[id])


class Version(db.Model):
    """One immutable text of one paragraph in one language; current text = highest seq."""

    id: Mapped[int] = mapped_column(primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id"))
    lang: Mapped[str] = mapped_column(String(5))
    seq: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[VersionSource] = mapped_column(_enum(VersionSource))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"))
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    # Set when this text brings a pending translation back in step with that version.
    translation_of_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))

    paragraph: Mapped[Paragraph] = relationship()
    author: Mapped[User | None] = relationship()
    delegation: Mapped[Delegation | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("paragraph_id", "lang", "seq"),
        Index("ix_version_paragraph_lang_seq", "paragraph_id", "lang", "seq"),
    )


class Revision(db.Model):
    """A named snapshot of the whole document, created when a text is circulated."""

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    document: Mapped[Document] = relationship(back_populates="revisions")
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("document_id", "label"),)


class RevisionParagraph(db.Model):
    """Where a paragraph stood in the tree when the revision was taken."""

    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id"), primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("paragraph.id"))
    position: Mapped[int]
    section: Mapped[Section] = mapped_column(_enum(Section))
    status: Mapped[ParagraphStatus] = mapped_column(_enum(ParagraphStatus))


class RevisionVersion(db.Model):
    """Which version of each paragraph and language the revision holds."""

    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), primary_key=True)


class DeadlineKind(enum.StrEnum):
    ROUND = "round"
    SILENCE = "silence"


class Deadline(db.Model):
    """A dated review window; handled exactly once (the claim is an atomic update)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    kind: Mapped[DeadlineKind] = mapped_column(_enum(DeadlineKind))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    utc_offset: Mapped[str] = mapped_column(String(6), default="+00:00")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(40))

    document: Mapped[Document] = relationship()
