"""Tagging a paragraph (GCM objectives, free tags) from the document page."""

from __future__ import annotations

from flask import flash, redirect, request
from flask_login import current_user, login_required

from drafting.extensions import db
from drafting.handlers import back_to_paragraph, flash_error, visible_or_404
from drafting.policy import Action, can
from drafting.reasons import render
from drafting.services import tags
from drafting.services.errors import ServiceError
from drafting.web import bp


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/tags")
@login_required
def tag_form(document_id: int, paragraph_id: int):
    document = visible_or_404(document_id)
    data = {
        "add": [t for t in request.form.getlist("add") if t.strip()],
        "remove": [t for t in request.form.getlist("remove") if t.strip()],
    }
    free = (request.form.get("free") or "").strip()
    if free:
        data["add"].append(f"free:{free}")
    decision = can(current_user, Action.TAG, document)
    try:
        if not decision.allowed:
            flash(render(decision.reasons[0]), "error")
        else:
            tags.change_tags(document, paragraph_id, current_user, data)
            db.session.commit()
    except ServiceError as error:
        flash_error(error)
    return redirect(back_to_paragraph(document_id, paragraph_id))
