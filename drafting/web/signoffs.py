"""The head of delegation's sign-off from the document page."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from drafting.extensions import db
from drafting.handlers import flash_error, visible_or_404
from drafting.services import signoff
from drafting.services.errors import ServiceError
from drafting.web import bp


def held_message() -> str:
    return _("Sent to your head of delegation: it counts once they sign it off.")


@bp.post("/documents/<int:document_id>/signoffs/<int:filing_id>")
@login_required
def sign_off_form(document_id: int, filing_id: int):
    visible_or_404(document_id)  # an outsider learns nothing of the document
    try:
        signoff.sign_off(filing_id, current_user)
        db.session.commit()
        flash(_("Signed off: it is filed in your delegation's name."), "ok")
    except ServiceError as error:
        flash_error(error)
    return redirect(url_for("web.document", document_id=document_id, _anchor="signoffs"))
