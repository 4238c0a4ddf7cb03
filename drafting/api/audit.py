"""The audit log as JSON."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import document_for
from drafting.models import AuditEntry


def audit_json(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "action": entry.action,
        "user": entry.user.email if entry.user else None,
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
    document = document_for(document_id)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.document_id == document.id).order_by(AuditEntry.id)
    )
    return jsonify([audit_json(e) for e in entries])
