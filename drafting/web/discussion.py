"""Comments and reservations posted from the document page."""

from __future__ import annotations

from typing import Any

from flask import (
    flash,
    request,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from drafting.extensions import db
from drafting.handlers import back_to, flash_error, viewer, visible_or_404
from drafting.policy import Action, require
from drafting.services import discussion, signoff
from drafting.services.errors import ServiceError
from drafting.web import bp
from drafting.web.signoffs import held_message


@bp.post("/documents/<int:document_id>/comments")
@login_required
def add_comment(document_id: int):
    document = visible_or_404(document_id)
    form = request.form
    data: dict[str, Any] = {
        "body": form.get("body"),
        "paragraph_id": form.get("paragraph_id", type=int),
        "parent_id": form.get("parent_id", type=int),
        "lang": form.get("lang") or None,
        "anchor_start": form.get("anchor_start", type=int),
        "anchor_end": form.get("anchor_end", type=int),
    }
    try:
        require(viewer(), Action.COMMENT, document)
        comment = discussion.add_comment(document, current_user, data)
        db.session.commit()
        flash(_("Comment posted."), "ok")
        anchor = f"c-{comment.id}"
    except ServiceError as error:
        flash_error(error)
        anchor = f"p-{data['paragraph_id']}" if data["paragraph_id"] else None
    return back_to(document.id, anchor)


@bp.post("/documents/<int:document_id>/reservations")
@login_required
def file_reservation(document_id: int):
    document = visible_or_404(document_id)
    form = request.form
    data: dict[str, Any] = {
        "kind": form.get("kind"),
        "text": form.get("text"),
        "paragraph_id": form.get("paragraph_id", type=int),
        "lang": form.get("lang") or None,
    }
    try:
        require(viewer(), Action.FILE_RESERVATION, document)
        if signoff.required(current_user, document):
            signoff.hold(document, current_user, "reservation", data)
            db.session.commit()
            flash(held_message(), "ok")
        else:
            discussion.file_reservation(document, current_user, data)
            db.session.commit()
            flash(_("Filed; it will print as a footnote."), "ok")
    except ServiceError as error:
        flash_error(error)
    return back_to(document.id, f"p-{data['paragraph_id']}" if data["paragraph_id"] else None)
