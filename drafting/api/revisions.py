"""Revisions over JSON: each circulated text with what produced it (SPEC §12)."""

from __future__ import annotations

from flask import jsonify

from drafting.api import bp
from drafting.handlers import record_for
from drafting.services import provenance


@bp.get("/documents/<int:document_id>/revisions")
def list_revisions(document_id: int):
    return jsonify(provenance.listing(record_for(document_id)))
