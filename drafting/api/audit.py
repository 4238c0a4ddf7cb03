"""The audit log as JSON."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import record_for, viewer
from drafting.models import AuditEntry
from drafting.policy import can_see_emails


def audit_json(entry: AuditEntry, *, emails: bool) -> dict:
    """One entry; `user` is the e-mail for the process's staff, the person's name otherwise."""
    person = None
    if entry.user is not None:
        person = entry.user.email if emails else entry.user.name
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "action": entry.action,
        "user": person,
        "delegation": entry.delegation.code if entry.delegation else None,
        "from": entry.from_state,
        "to": entry.to_state,
        "reason": entry.reason,
        "details": entry.details,
        "hash": entry.hash,
        "prev_hash": entry.prev_hash,
    }


@bp.get("/documents/<int:document_id>/audit")
def audit_log(document_id: int):
    document = record_for(document_id)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.document_id == document.id).order_by(AuditEntry.id)
    )
    emails = can_see_emails(viewer(), document.process_id)
    return jsonify([audit_json(e, emails=emails) for e in entries])
