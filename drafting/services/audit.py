"""The audit log and tamper evidence: every step recorded and chained by SHA-256, the
canonical text whose SHA-256 seals an adopted document, and the check that recomputes both."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select

from drafting import clock
from drafting.database import lock_row
from drafting.extensions import db
from drafting.models import AuditEntry, Document, Process, User
from drafting.services.documents import tree


def record(
    action: str,
    *,
    document: Document | None = None,
    process: Process | None = None,
    user: User | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    **details: Any,
) -> AuditEntry:
    """Add one entry; the caller's transaction commits it together with the change it
    describes, so the log never claims what did not happen. A step of a whole process
    (the presidency handed over) names the `process` and joins the chain of entries without
    a document."""
    document_id = document.id if document else None
    if document_id is not None:
        lock_row(Document, document_id)  # one writer extends a document's chain at a time
    previous = db.session.scalar(
        select(AuditEntry.hash)
        .where(
            AuditEntry.document_id == document_id
            if document_id
            else AuditEntry.document_id.is_(None)
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    entry = AuditEntry(
        document_id=document_id,
        process_id=document.process_id if document else (process.id if process else None),
        at=clock.now(),
        user_id=user.id if user else None,
        delegation_id=user.delegation_id if user else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        details=details,
        prev_hash=previous or "",
    )
    entry.hash = entry.compute_hash()
    db.session.add(entry)
    db.session.flush()
    return entry


def verify_chain(document_id: int | None) -> list[str]:
    """Problems found when recomputing the chain (empty when intact)."""
    problems = []
    previous = ""
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.document_id == document_id).order_by(AuditEntry.id)
    )
    for entry in entries:
        if entry.prev_hash != previous:
            problems.append(f"entry {entry.id}: previous hash does not match entry before it")
        if entry.compute_hash() != entry.hash:
            problems.append(f"entry {entry.id}: content does not match its hash")
        previous = entry.hash
    return problems


def canonical_text(document: Document) -> bytes:
    """Title, symbol and every paragraph's number, section and texts, in reading order,
    as compact sorted JSON in UTF-8: the same text always gives the same bytes."""
    payload = {
        "title": document.title,
        "symbol": document.symbol,
        "languages": list(document.languages),
        "paragraphs": [
            {"number": p.number, "section": p.section, "text": dict(sorted(p.text.items()))}
            for p in tree(document)
        ],
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sha256_of(document: Document) -> str:
    return hashlib.sha256(canonical_text(document)).hexdigest()


def verify(document: Document) -> list[str]:
    problems = verify_chain(document.id)
    if document.is_adopted:
        actual = sha256_of(document)
        if actual != document.sha256:
            problems.append(f"adopted text SHA-256 is {actual}, recorded {document.sha256}")
    return problems
