"""Tracked changes, a paragraph's version history and restoring an earlier text."""

from __future__ import annotations

from flask import jsonify, request

from drafting.api import bp
from drafting.handlers import record_for
from drafting.services import changes
from drafting.services.errors import BadInput


@bp.get("/documents/<int:document_id>/changes")
def tracked_changes(document_id: int):
    document = record_for(document_id)
    paragraph = request.args.get("paragraph")  # one paragraph only: a live view following it
    if paragraph is not None and not paragraph.isdigit():
        raise BadInput("paragraph must be a paragraph id")
    change_set = changes.change_set(
        document,
        request.args.get("from") or None,
        request.args.get("to") or None,
        request.args.get("lang") or None,
        paragraph_ids={int(paragraph)} if paragraph is not None else None,
    )
    return jsonify(change_set.as_json())
