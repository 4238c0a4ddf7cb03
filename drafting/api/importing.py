"""Importing a text: a new document from a file (with a preview that stores nothing) and
a second language for an existing document (SPEC §9)."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import document_for, previewing, uploaded_file
from drafting.models import Process
from drafting.policy import Action, can_import, require
from drafting.services import importing
from drafting.services.errors import BadInput, Forbidden, NotFound


def importing_process() -> Process:
    """The process named by `process_id` (or the caller's only one), if the caller may
    import into it; a process the caller does not take part in is not there."""
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
    require_import(process.id)
    return process


def require_import(process_id: int) -> None:
    decision = can_import(current_user, process_id)
    if not decision.allowed:
        if decision.reasons[0].code == "not_participant":
            raise NotFound("process not found")
        raise Forbidden(decision.reasons)


@bp.post("/documents/import")
@login_required
def import_document():
    process = importing_process()
    filename, data = uploaded_file()
    forest = importing.parse_upload(filename, data)
    label_style = request.form.get("label_style") or "computed"
    if previewing():
        return jsonify(importing.preview(forest, label_style))
    languages = [
        code.strip() for code in request.form.get("languages", "en").split(",") if code.strip()
    ]
    document = importing.create_document(
        process,
        current_user,
        forest,
        title=request.form.get("title") or filename.rsplit(".", 1)[0],
        title_es=request.form.get("title_es", ""),
        kind=request.form.get("kind", "conclusions"),
        workflow=request.form.get("workflow", "online_rounds"),
        languages=languages or ["en"],
        symbol=request.form.get("symbol", ""),
        label_style=label_style,
        proposer=importing.proposer_named(process, request.form.get("proposer")),
    )
    db.session.commit()
    return jsonify(id=document.id, state=document.state), 201


@bp.post("/documents/<int:document_id>/translation")
@login_required
def import_translation(document_id: int):
    document = document_for(document_id)
    require_import(document.process_id)
    filename, data = uploaded_file()
    alignment = importing.align_translation(
        document, importing.parse_upload(filename, data), request.form.get("lang", "")
    )
    if previewing():
        return jsonify(alignment.as_json())
    require(current_user, Action.EDIT_TEXT, document)  # storing is editing the text
    written = importing.store_translation(document, current_user, alignment)
    db.session.commit()
    return jsonify(**alignment.as_json(), written=written)
