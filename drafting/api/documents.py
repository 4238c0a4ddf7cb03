"""Processes, documents, paragraphs: reading, importing and writing text."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy import select

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import document_for
from drafting.models import Membership, Process
from drafting.policy import can_import, visible_documents
from drafting.services import importing
from drafting.services.documents import tree
from drafting.services.errors import BadInput, Forbidden, NotFound


def document_summary(document) -> dict:
    revision = document.current_revision
    return {
        "id": document.id,
        "process_id": document.process_id,
        "title": document.title,
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


@bp.post("/documents/import")
@login_required
def import_document():
    if request.form.get("process_id", "").strip() and not request.form["process_id"].isdigit():
        raise BadInput("process_id must be an integer")
    process_id = request.form.get("process_id", type=int)
    if process_id is None:
        memberships = [m.process_id for m in current_user.memberships]
        if len(memberships) != 1:
            raise BadInput("process_id is required")
        process_id = memberships[0]
    process = db.session.get(Process, process_id)
    if process is None:
        raise NotFound("process not found")
    decision = can_import(current_user, process_id)
    if not decision.allowed:
        if "do not take part" in decision.reasons[0]:
            raise NotFound("process not found")
        raise Forbidden(decision.reasons)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput("a file is required (multipart field 'file')")
    data = upload.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    forest = importing.parse_upload(upload.filename, data)
    languages = [
        code.strip() for code in request.form.get("languages", "en").split(",") if code.strip()
    ]
    document = importing.create_document(
        process,
        current_user,
        forest,
        title=request.form.get("title") or upload.filename.rsplit(".", 1)[0],
        kind=request.form.get("kind", "conclusions"),
        workflow=request.form.get("workflow", "online_rounds"),
        languages=languages or ["en"],
        symbol=request.form.get("symbol", ""),
    )
    db.session.commit()
    return jsonify(id=document.id, state=document.state), 201
