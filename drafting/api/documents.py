"""Processes and documents: reading them (importing is in api/importing.py)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required
from sqlalchemy import select

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import document_for
from drafting.models import Membership, Process
from drafting.policy import visible_documents
from drafting.services.documents import tree


def document_summary(document) -> dict:
    revision = document.current_revision
    return {
        "id": document.id,
        "process_id": document.process_id,
        "title": document.title,
        "title_es": document.title_es,
        "kind": document.kind.value,
        "state": document.state,
        "revision": revision.label if revision else None,
        "workflow": document.workflow,
    }


@bp.get("/processes")
@login_required
def processes():
    rows = db.session.execute(
        select(Process, Membership.role)
        .join(Membership, Membership.process_id == Process.id)
        .where(Membership.user_id == current_user.id)
        .order_by(Process.id)
    )
    return jsonify([{"id": p.id, "name": p.name, "role": role.value} for p, role in rows])


@bp.get("/documents")
@login_required
def documents():
    return jsonify([document_summary(d) for d in visible_documents(current_user)])


@bp.get("/documents/<int:document_id>")
def document(document_id: int):
    document = document_for(document_id)
    return jsonify(
        {
            **document_summary(document),
            "symbol": document.symbol,
            "languages": document.languages,
            "paragraphs": [p.as_json() for p in tree(document)],
            "sha256": document.sha256 if document.is_adopted else None,
            "adopted_at": document.adopted_at.isoformat() if document.adopted_at else None,
            "adopted_by": document.adopted_by.code if document.adopted_by else None,
        }
    )
