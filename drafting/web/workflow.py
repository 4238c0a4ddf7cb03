"""The workflow buttons of the document page."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from drafting.extensions import db
from drafting.handlers import flash_error, visible_or_404
from drafting.labels import transition_label
from drafting.services import workflow
from drafting.services.errors import ServiceError
from drafting.web import bp


@bp.post("/documents/<int:document_id>/transitions/<name>")
@login_required
def take_transition(document_id: int, name: str):
    document = visible_or_404(document_id)
    deadline = request.form.get("deadline") or None
    if deadline and request.form.get("utc_offset"):
        deadline = f"{deadline}:00{request.form['utc_offset']}" if len(deadline) == 16 else deadline
    try:
        workflow.transition(
            current_user, document, name, reason=request.form.get("reason"), deadline=deadline
        )
        db.session.commit()
        flash(_("%(step)s: done.", step=transition_label(name)), "ok")
    except ServiceError as error:
        flash_error(error)
    return redirect(url_for("web.document", document_id=document_id))
