"""A paragraph's versions and restoring an earlier one."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import body, document_for, integer, string, viewer
from drafting.policy import Action, require
from drafting.services import history
from drafting.services.errors import BadInput


@bp.get("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/versions")
def paragraph_history(document_id: int, paragraph_id: int):
    """Every version; with ``group=session``, the edit sessions they form instead."""
    document = document_for(document_id)
    lang = request.args.get("lang") or document.languages[0]
    entries = history.history(document, paragraph_id, lang)
    group = request.args.get("group")
    if group is None:
        return jsonify([entry.as_json() for entry in entries])
    if group != "session":
        raise BadInput("group must be 'session'")
    return jsonify([s.as_json() for s in history.sessions(int(paragraph_id), lang)])


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/restore")
@login_required
def restore(document_id: int, paragraph_id: int):
    document = document_for(document_id)
    data = body()
    require(viewer(), Action.EDIT_TEXT, document)
    version = history.restore(
        document,
        paragraph_id,
        current_user,
        string(data, "lang", required=False, default=document.languages[0]),
        integer(data, "version"),
    )
    db.session.commit()
    return jsonify(version=version.seq, source=version.source.value, text=version.text), 201
