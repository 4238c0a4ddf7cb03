"""Named snapshots of a whole document (Draft, Rev.1, ..., Final)."""

from __future__ import annotations

from sqlalchemy import select

from drafting import clock
from drafting.extensions import db
from drafting.models import Document, Revision, RevisionParagraph, RevisionVersion, User, Version
from drafting.services.documents import current_versions, paragraphs_of
from drafting.services.errors import NotFound


def snapshot(document: Document, label: str, user: User | None) -> Revision:
    """Record which version of every paragraph the document holds now, and where each
    paragraph stands in the tree; the revision's hash covers all of it."""
    revision = Revision(
        document=document,
        label=label,
        state=document.state,
        created_at=clock.now(),
        created_by_id=user.id if user else None,
    )
    db.session.add(revision)
    db.session.flush()
    for paragraph in paragraphs_of(document):
        db.session.add(
            RevisionParagraph(
                revision_id=revision.id,
                paragraph_id=paragraph.id,
                parent_id=paragraph.parent_id,
                position=paragraph.position,
                section=paragraph.section,
                status=paragraph.status,
            )
        )
    for version in current_versions(document.id).values():
        db.session.add(RevisionVersion(revision_id=revision.id, version_id=version.id))
    db.session.flush()
    revision.hash = revision.content_hash()
    return revision


def seal(revision: Revision, sha256: str) -> None:
    """Store the SHA-256 of the adopted text on the Final revision. From the flush that
    writes it the document is adopted and frozen, so it must be the document's last change
    in the transaction (the audit entry recording it follows)."""
    revision.sha256 = sha256
    revision.hash = revision.content_hash()


def next_round_label(document: Document) -> str:
    count = sum(1 for r in document.revisions if r.label.startswith("Rev."))
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
