"""Workflow steps and the audit log over JSON."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required
from sqlalchemy import select

from drafting.api import bp
from drafting.api.helpers import body, document_for
from drafting.extensions import db
from drafting.models import AuditEntry
from drafting.services import workflow


@bp.get("/documents/<int:document_id>/transitions")
@login_required
def transitions(document_id: int):
    document = document_for(document_id)
    return jsonify(workflow.options(current_user, document))


@bp.post("/documents/<int:document_id>/transitions/<name>")
@login_required
def take_transition(document_id: int, name: str):
    document = document_for(document_id)
    data = body()
    state = workflow.transition(
        current_user,
        document,
        name,
        reason=_text(data.get("reason")),
        deadline=data.get("deadline"),
    )
    db.session.commit()
    return jsonify(state=state)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


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
