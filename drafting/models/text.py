"""The text: documents, the paragraph tree, immutable versions, revisions and deadlines."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    ColumnElement,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow
from drafting.models.integrity import (
    COLUMNS,
    REVISION_PARAGRAPH_COLUMNS,
    Hashed,
    revision_hash,
    values_of,
)
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
    CLOSING = "closing"  # unnumbered text after the numbered paragraphs


class LabelStyle(enum.StrEnum):
    """How paragraph labels are shown: computed from the tree, or as the source printed them."""

    COMPUTED = "computed"
    SOURCE = "source"


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


FINAL = "Final"  # the label of the revision adoption seals


class Document(Hashed, db.Model):
    """A text under negotiation; its hash covers what it is (title, symbol, languages, kind,
    workflow...), fixed at creation, not its state."""

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind))
    title: Mapped[str] = mapped_column(String(500))
    # The title in Spanish, shown to Spanish readers and in Spanish exports when set.
    title_es: Mapped[str | None] = mapped_column(String(500))
    symbol: Mapped[str] = mapped_column(String(100), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    workflow: Mapped[str] = mapped_column(String(40), default="online_rounds")
    state: Mapped[str] = mapped_column(String(40), default="proposal")
    proposer_delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    allow_observer_comments: Mapped[bool] = mapped_column(default=False)
    label_style: Mapped[LabelStyle] = mapped_column(
        _enum(LabelStyle), default=LabelStyle.COMPUTED, server_default="computed"
    )
    sha256: Mapped[str | None] = mapped_column(String(64))
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The presidency (PPT delegation) in office when the document was adopted.
    adopted_by_delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # How many audit entries the document's chain holds and the hash of the last one, kept
    # by audit.record in the same transaction, so that entries cut off the end show.
    chain_length: Mapped[int] = mapped_column(default=0, server_default="0")
    chain_head: Mapped[str] = mapped_column(String(64), default="", server_default="")

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
    def sealed_final(self) -> Revision | None:
        """The Final revision with the SHA-256 adoption sealed, if the document is adopted."""
        return next((r for r in self.revisions if r.label == FINAL and r.sha256), None)

    @property
    def is_adopted(self) -> bool:
        """Adopted means a sealed Final revision exists, whatever the state column says: a
        state set back in the database does not make the adopted text writable again."""
        return self.sealed_final is not None

    @property
    def current_revision(self) -> Revision | None:
        return self.revisions[-1] if self.revisions else None

    def title_in(self, lang: str) -> str:
        """The title a reader of `lang` sees: the Spanish one if there is one, else the title."""
        return self.title_es if lang == "es" and self.title_es else self.title


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
    # The number as the imported file printed it ("1)", "(a)"), shown in LabelStyle.SOURCE.
    source_label: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[Document] = relationship(back_populates="paragraphs")
    parent: Mapped[Paragraph | None] = relationship(remote_side=[id])


class Version(Hashed, db.Model):
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
    # A translation's text records the source-language (first language) version it was
    # written against; it is in step while the source reads as that version did.
    translation_of_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))

    paragraph: Mapped[Paragraph] = relationship()
    author: Mapped[User | None] = relationship()
    delegation: Mapped[Delegation | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("paragraph_id", "lang", "seq"),
        Index("ix_version_paragraph_lang_seq", "paragraph_id", "lang", "seq"),
    )


class Revision(Hashed, db.Model):
    """A named snapshot of the whole document, created when a text is circulated; its hash
    covers where every paragraph stood and which version of each it holds."""

    hash_has_parts = True

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Set on the Final revision when the document is adopted: SHA-256 of its canonical text.
    sha256: Mapped[str | None] = mapped_column(String(64))
    # What produced it (services/provenance.py): the transition, the amendments decided and
    # the edits per delegation since the previous revision, the chair's note.
    produced_by: Mapped[dict | None] = mapped_column(JSON)

    document: Mapped[Document] = relationship(back_populates="revisions")
    created_by: Mapped[User | None] = relationship()
    paragraph_rows: Mapped[list[RevisionParagraph]] = relationship(viewonly=True)
    version_rows: Mapped[list[RevisionVersion]] = relationship(viewonly=True)

    __table_args__ = (UniqueConstraint("document_id", "label"),)

    def content_hash(self) -> str:
        return revision_hash(
            values_of(self, COLUMNS["revision"]),
            [values_of(p, REVISION_PARAGRAPH_COLUMNS) for p in self.paragraph_rows],
            [v.version_id for v in self.version_rows],
            self.produced_by,
        )


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


def sealed_final_exists() -> ColumnElement[bool]:
    """SQL for "the document is adopted" (see Document.is_adopted), to filter queries by."""
    return (
        select(Revision.id)
        .where(
            Revision.document_id == Document.id,
            Revision.label == FINAL,
            Revision.sha256.is_not(None),
        )
        .exists()
    )


class DeadlineKind(enum.StrEnum):
    ROUND = "round"
    SILENCE = "silence"


class Deadline(Hashed, db.Model):
    """A dated review window; handled exactly once (the claim is an atomic update). Its hash
    covers when it ends, as set, not whether it was handled."""

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
    # Reminders claimed like the deadline itself: one atomic UPDATE ... WHERE ... IS NULL.
    reminded_24h_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_2h_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    document: Mapped[Document] = relationship()
