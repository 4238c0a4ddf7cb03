"""The audit log page."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from drafting.extensions import db
from drafting.handlers import record_or_403
from drafting.models import AuditEntry
from drafting.web import bp


@bp.get("/documents/<int:document_id>/audit")
def audit(document_id: int):
    document = record_or_403(document_id)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.document_id == document.id).order_by(AuditEntry.id)
    ).all()
    return render_template("audit.html", document=document, entries=entries)
