"""Comments and reservations / explanations of position over JSON."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.api.signoffs import held
from drafting.extensions import db
from drafting.handlers import body, document_for, record_for, viewer
from drafting.policy import Action, require
from drafting.services import discussion, signoff
from drafting.services.errors import BadInput


@bp.get("/documents/<int:document_id>/comments")
def list_comments(document_id: int):
    document = record_for(document_id)
    paragraph = request.args.get("paragraph_id")
    if paragraph is not None and not paragraph.isdigit():
        raise BadInput("paragraph_id must be an integer")
    threads = discussion.threads(document, int(paragraph) if paragraph else None)
    return jsonify([thread.as_json() for group in threads.values() for thread in group])


@bp.post("/documents/<int:document_id>/comments")
@login_required
def add_comment(document_id: int):
    document = document_for(document_id)
    data = body()
    require(viewer(), Action.COMMENT, document)
    comment = discussion.add_comment(document, current_user, data)
    db.session.commit()
    return jsonify(discussion.comment_json(comment)), 201


@bp.get("/documents/<int:document_id>/reservations")
def list_reservations(document_id: int):
    document = document_for(document_id)
    return jsonify([discussion.reservation_json(r) for r in discussion.reservations(document)])


@bp.post("/documents/<int:document_id>/reservations")
@login_required
def file_reservation(document_id: int):
    document = document_for(document_id)
    data = body()
    require(viewer(), Action.FILE_RESERVATION, document)
    if signoff.required(current_user, document):
        return held(signoff.hold(document, current_user, "reservation", data))
    reservation = discussion.file_reservation(document, current_user, data)
    db.session.commit()
    return jsonify(discussion.reservation_json(reservation)), 201


@bp.get("/documents/<int:document_id>/footnotes")
def footnotes(document_id: int):
    document = document_for(document_id)
    notes = discussion.footnotes(document)
    return jsonify([note.as_json() for group in notes.values() for note in group])
