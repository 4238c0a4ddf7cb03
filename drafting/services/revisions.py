"""Named snapshots of a whole document (Draft, Rev.1, ..., Final)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, literal, select

from drafting import clock
from drafting.extensions import db
from drafting.models import (
    Document,
    Paragraph,
    Revision,
    RevisionParagraph,
    RevisionVersion,
    User,
    Version,
)
from drafting.services.documents import newest_versions
from drafting.services.errors import NotFound


def snapshot(
    document: Document,
    label: str,
    user: User | None,
    produced_by: dict[str, Any] | None = None,
) -> Revision:
    """Record which version of every paragraph the document holds now, where each paragraph
    stands in the tree and what produced it (services/provenance.py); the revision's hash
    covers all of it."""
    revision = Revision(
        document=document,
        label=label,
        state=document.state,
        created_at=clock.now(),
        created_by_id=user.id if user else None,
        produced_by=produced_by,
    )
    db.session.add(revision)
    db.session.flush()
    # INSERT ... SELECT inside the database: a 20,000-paragraph document is copied at once.
    here = literal(revision.id)
    tree = select(
        here, Paragraph.id, Paragraph.parent_id, Paragraph.position, Paragraph.section,
        Paragraph.status,
    ).where(Paragraph.document_id == document.id)  # fmt: skip
    db.session.execute(
        insert(RevisionParagraph).from_select(
            ["revision_id", "paragraph_id", "parent_id", "position", "section", "status"], tree
        )
    )
    texts = newest_versions(document.id).with_only_columns(here, Version.id)
    db.session.execute(insert(RevisionVersion).from_select(["revision_id", "version_id"], texts))
    db.session.expire(revision, ["paragraph_rows", "version_rows"])
    revision.hash = revision.content_hash()
    return revision


def seal(revision: Revision, sha256: str) -> None:
    """Store the SHA-256 of the adopted text on the Final revision. From the flush that
    writes it the document is adopted and frozen, so it must be the document's last change
    in the transaction (the audit entry recording it follows)."""
    revision.sha256 = sha256
    revision.hash = revision.content_hash()


def is_round_revision(revision: Revision) -> bool:
    return revision.label.startswith("Rev.")


def next_round_label(document: Document) -> str:
    count = sum(1 for r in document.revisions if is_round_revision(r))
    return f"Rev.{count + 1}"


def find(document: Document, label: str) -> Revision:
    revision = db.session.scalar(
        select(Revision).where(Revision.document_id == document.id, Revision.label == label)
    )
    if revision is None:
        raise NotFound(f"no revision {label!r}")
    return revision


def latest_circulated(document: Document) -> Revision | None:
    return document.revisions[-1] if document.revisions else None


def versions_in(revision: Revision) -> dict[tuple[int, str], Version]:
    rows = db.session.scalars(
        select(Version)
        .join(RevisionVersion, RevisionVersion.version_id == Version.id)
        .where(RevisionVersion.revision_id == revision.id)
    )
    return {(v.paragraph_id, v.lang): v for v in rows}
