"""Tracked changes, a paragraph's version history and restoring an earlier text."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.api.helpers import body, document_for, integer, require, string
from drafting.extensions import db
from drafting.policy import Action
from drafting.services import changes, history


@bp.get("/documents/<int:document_id>/changes")
def tracked_changes(document_id: int):
    document = document_for(document_id)
    return jsonify(
        changes.changes(
            document,
            request.args.get("from") or None,
            request.args.get("to") or None,
            request.args.get("lang") or None,
        )
    )


@bp.get("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/versions")
def paragraph_history(document_id: int, paragraph_id: int):
    document = document_for(document_id)
    lang = request.args.get("lang") or document.languages[0]
    entries = history.history(document, paragraph_id, lang)
    return jsonify([entry.as_json() for entry in entries])


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/restore")
@login_required
def restore(document_id: int, paragraph_id: int):
    document = document_for(document_id)
    data = body()
    require(Action.EDIT_TEXT, document)
    version = history.restore(
        document,
        paragraph_id,
        current_user,
        string(data, "lang", required=False, default=document.languages[0]),
        integer(data, "version"),
    )
    db.session.commit()
    return jsonify(version=version.seq, source=version.source.value, text=version.text), 201
