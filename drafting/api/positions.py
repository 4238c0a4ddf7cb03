"""Indicative positions per paragraph over JSON (SPEC §12 style): mark, clear, the map."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import body, document_for, record_for
from drafting.policy import Action
from drafting.services import positions
from drafting.services.paragraphs import paragraph_of


@bp.put("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/position")
@login_required
def mark_position(document_id: int, paragraph_id: int):
    document = document_for(document_id, Action.MARK_POSITION)
    paragraph = paragraph_of(document, paragraph_id)
    marking = positions.parse(body())
    position = positions.mark(document, paragraph, current_user, marking)
    db.session.commit()
    return jsonify(positions.as_json(position))


@bp.delete("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/position")
@login_required
def clear_position(document_id: int, paragraph_id: int):
    document = document_for(document_id, Action.MARK_POSITION)
    positions.clear(document, paragraph_of(document, paragraph_id), current_user)
    db.session.commit()
    return "", 204


@bp.get("/documents/<int:document_id>/positions")
def position_map(document_id: int):
    return jsonify(positions.position_map(record_for(document_id)).as_json())
