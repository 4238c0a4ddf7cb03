"""What produced each revision: the workflow step, the amendments decided and the edits per
delegation since the previous revision, and the chair's note; and whether anything changed
at all (a text circulated again unchanged keeps its symbol: no new Rev.N)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Amendment, Delegation, Document, Paragraph, Revision, Version
from drafting.models.amendments import AmendmentStatus
from drafting.models.integrity import REVISION_PARAGRAPH_COLUMNS, layout_hash, values_of
from drafting.models.text import RevisionVersion, VersionSource
from drafting.services.audit import current_layout
from drafting.services.documents import newest_versions, numbers

ACCEPTED = (AmendmentStatus.ACCEPTED, AmendmentStatus.MERGED)
EDITS = (VersionSource.EDIT, VersionSource.REVERT)


def unchanged_since(document: Document, revision: Revision) -> bool:
    """The document holds exactly the versions and the paragraph tree (places, statuses)
    the revision recorded."""
    held = set(
        db.session.scalars(
            select(RevisionVersion.version_id).where(RevisionVersion.revision_id == revision.id)
        )
    )
    now = set(db.session.scalars(newest_versions(document.id).with_only_columns(Version.id)))
    if held != now:
        return False
    then = (
        {"id": row.paragraph_id, **values_of(row, REVISION_PARAGRAPH_COLUMNS)}
        for row in revision.paragraph_rows
    )
    return layout_hash(then) == current_layout(document)


def since(
    document: Document,
    previous: Revision | None,
    transition: str | None,
    note: str | None,
) -> dict[str, Any]:
    """The provenance of a revision taken now, counted from `previous` (or from the start)."""
    after: datetime | None = previous.created_at if previous else None
    decided = select(Amendment.id, Amendment.status).where(
        Amendment.document_id == document.id, Amendment.decided_at.is_not(None)
    )
    if after is not None:
        decided = decided.where(Amendment.decided_at > after)
    outcomes: dict[str, list[int]] = {"accepted": [], "rejected": [], "superseded": []}
    for amendment_id, status in db.session.execute(decided.order_by(Amendment.id)):
        if status in ACCEPTED:
            outcomes["accepted"].append(amendment_id)
        elif status in (AmendmentStatus.REJECTED, AmendmentStatus.SUPERSEDED):
            outcomes[status.value].append(amendment_id)
    return {
        "transition": transition,
        "amendments_accepted": outcomes["accepted"],
        "amendments_rejected": outcomes["rejected"],
        "amendments_superseded": outcomes["superseded"],
        "edits_by": edits_by(document, after),
        "note": note,
    }


def imported() -> dict[str, Any]:
    """The provenance of the Draft: the text as it was imported, nothing decided yet."""
    return {
        "transition": "import",
        "amendments_accepted": [],
        "amendments_rejected": [],
        "amendments_superseded": [],
        "edits_by": {},
        "note": None,
    }


def edits_by(document: Document, after: datetime | None) -> dict[str, dict[str, Any]]:
    """Per delegation code: how many versions it typed or restored since `after`, and in
    which paragraphs (their numbers now). Amendments accepted are counted as amendments."""
    query = (
        select(Delegation.code, Version.paragraph_id)
        .join(Paragraph, Paragraph.id == Version.paragraph_id)
        .join(Delegation, Delegation.id == Version.delegation_id)
        .where(Paragraph.document_id == document.id, Version.source.in_(EDITS))
        .order_by(Version.id)
    )
    if after is not None:
        query = query.where(Version.created_at > after)
    numbered = numbers(document)
    out: dict[str, dict[str, Any]] = {}
    for code, paragraph_id in db.session.execute(query):
        entry = out.setdefault(code, {"versions": 0, "paragraphs": []})
        entry["versions"] += 1
        number = numbered.get(paragraph_id)
        label = number.number if number else None
        if label and label not in entry["paragraphs"]:
            entry["paragraphs"].append(label)
    return out


def as_json(revision: Revision) -> dict[str, Any]:
    """A revision as `GET /api/documents/<id>/revisions` lists it (SPEC §12)."""
    recorded = dict(revision.produced_by or {})
    sha256 = revision.sha256 or recorded.pop("sha256", None)
    recorded.pop("sha256", None)
    produced_by = {
        "transition": recorded.get("transition"),
        "amendments_accepted": recorded.get("amendments_accepted", []),
        "amendments_rejected": recorded.get("amendments_rejected", []),
        "amendments_superseded": recorded.get("amendments_superseded", []),
        "edits_by": recorded.get("edits_by", {}),
        "note": recorded.get("note"),
    }
    by = revision.created_by
    return {
        "label": revision.label,
        "created_at": revision.created_at.isoformat(),
        "by": by.delegation.code if by else None,
        "by_name": by.name if by else None,
        "state": revision.state,
        "produced_by": produced_by,
        "sha256": sha256,
    }


def listing(document: Document) -> list[dict[str, Any]]:
    """Every revision of the document, oldest first, with what produced it."""
    return [as_json(r) for r in document.revisions]


def in_range(
    document: Document, from_label: str, to_label: str
) -> list[tuple[str | None, dict[str, Any]]]:
    """ "What changed since `from_label` and why": the provenance of every revision after it
    up to `to_label`, oldest first; with `to_label` "current", what has happened since the
    latest revision comes last, under the label None (not circulated yet)."""
    labels = [r.label for r in document.revisions]
    if from_label not in labels:
        return []
    start = labels.index(from_label) + 1
    end = len(labels) if to_label == "current" else labels.index(to_label) + 1
    story: list[tuple[str | None, dict[str, Any]]] = [
        (r.label, as_json(r)) for r in document.revisions[start:end]
    ]
    if to_label == "current":
        latest = document.revisions[-1]
        pending = since(document, latest, None, None)
        if any(pending[key] for key in ("amendments_accepted", "amendments_rejected", "edits_by")):
            story.append((None, {"label": None, "produced_by": pending}))
    return story


def amendments_named(story: list[tuple[str | None, dict[str, Any]]]) -> dict[int, Amendment]:
    """The amendments a story names, to show who proposed them."""
    ids = {
        amendment_id
        for _, entry in story
        for key in ("amendments_accepted", "amendments_rejected", "amendments_superseded")
        for amendment_id in entry["produced_by"].get(key, [])
    }
    if not ids:
        return {}
    return {a.id: a for a in db.session.scalars(select(Amendment).where(Amendment.id.in_(ids)))}
