"""The map of positions: paragraphs × member delegations, and the form a delegation marks
its own position with."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from drafting.extensions import db
from drafting.handlers import back_to, flash_error, record_or_403, viewer, visible_or_404
from drafting.policy import Action, can, require
from drafting.services import positions
from drafting.services.errors import ServiceError
from drafting.services.paragraphs import paragraph_of
from drafting.web import bp
from drafting.web.pages import delegation_colours


@bp.get("/documents/<int:document_id>/positions")
def position_map(document_id: int):
    document = record_or_403(document_id)
    user = viewer()
    return render_template(
        "positions.html",
        document=document,
        map=positions.position_map(document),
        can_mark=can(user, Action.MARK_POSITION, document).allowed,
        mine=user.delegation.code if user else None,
        colours=delegation_colours(document),
    )


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/position")
@login_required
def mark_position(document_id: int, paragraph_id: int):
    """Mark (or, with no position chosen, clear) the delegation's position."""
    document = visible_or_404(document_id)
    try:
        require(viewer(), Action.MARK_POSITION, document)
        paragraph = paragraph_of(document, paragraph_id)
        if request.form.get("position"):
            marking = positions.parse(
                {"position": request.form["position"], "note": request.form.get("note", "")}
            )
            positions.mark(document, paragraph, current_user, marking)
        else:
            positions.clear(document, paragraph, current_user)
        db.session.commit()
        flash(_("Your delegation's position is saved."), "ok")
    except ServiceError as error:
        flash_error(error)
    return back_to(document.id, f"pos-{paragraph_id}")
