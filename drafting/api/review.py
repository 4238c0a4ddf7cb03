"""Accepting and rejecting single tracked changes, and suggestions typed into the text
(SPEC §11)."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import body, document_for, viewer
from drafting.policy import Action, require
from drafting.services import review


def _from_label() -> str | None:
    return request.args.get("from") or None


@bp.post("/documents/<int:document_id>/changes/<change_id>/accept")
@login_required
def accept_change(document_id: int, change_id: str):
    document = document_for(document_id)
    require(viewer(), Action.REVIEW_CHANGE, document)
    answer = review.accept(document, viewer(), change_id, _from_label())
    db.session.commit()
    return jsonify(answer), 200


@bp.post("/documents/<int:document_id>/changes/<change_id>/reject")
@login_required
def reject_change(document_id: int, change_id: str):
    document = document_for(document_id)
    require(viewer(), Action.REVIEW_CHANGE, document)
    answer = review.reject(document, viewer(), change_id, _from_label())
    db.session.commit()
    return jsonify(answer), 201


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/suggestions")
@login_required
def suggest(document_id: int, paragraph_id: int):
    document = document_for(document_id)
    suggestion = review.parse_suggestion(document, paragraph_id, body())
    require(viewer(), Action.SUGGEST, document)
    amendment_id = review.suggest(document, viewer(), suggestion)
    db.session.commit()
    return jsonify(id=amendment_id, change_id=f"s{amendment_id}"), 201
