"""Tracked changes, a paragraph's version history and restoring an earlier text."""

from __future__ import annotations

from flask import jsonify, request

from drafting.api import bp
from drafting.handlers import record_for
from drafting.services import changes


@bp.get("/documents/<int:document_id>/changes")
def tracked_changes(document_id: int):
    document = record_for(document_id)
    return jsonify(
        changes.changes(
            document,
            request.args.get("from") or None,
            request.args.get("to") or None,
            request.args.get("lang") or None,
        )
    )
