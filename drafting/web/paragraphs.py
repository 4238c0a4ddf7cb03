"""Bilingual work on paragraphs: the parallel view and confirming an unchanged translation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from drafting.extensions import db
from drafting.handlers import back_to_paragraph, flash_error, query_revision, viewer, visible_or_404
from drafting.policy import Action, can
from drafting.reasons import render
from drafting.services import ad_referendum, paragraphs
from drafting.services.documents import tree
from drafting.services.errors import NotFound, ServiceError
from drafting.services.exports.revision_text import (
    text_at,
)
from drafting.web import bp
from drafting.web.workflow import deadline_from


@bp.get("/documents/<int:document_id>/parallel")
def parallel_view(document_id: int):
    """English and Spanish side by side, pending translations flagged."""
    document = visible_or_404(document_id)
    try:
        text = text_at(document, query_revision())
    except NotFound:
        abort(404)
    pending = {p.id: p.translation_pending for p in tree(document)} if text.is_current else {}
    user = viewer()
    return render_template(
        "parallel.html",
        document=document,
        text=text,
        pending=pending,
        can_confirm=bool(user)
        and text.is_current
        and can(user, Action.EDIT_TEXT, document).allowed,
        revisions=[r.label for r in document.revisions],
    )


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/confirm-translation")
@login_required
def confirm_translation_form(document_id: int, paragraph_id: int):
    document = visible_or_404(document_id)
    decision = can(current_user, Action.EDIT_TEXT, document)
    try:
        if not decision.allowed:
            flash(render(decision.reasons[0]), "error")
        else:
            paragraphs.confirm_unchanged(
                document, paragraph_id, current_user, request.form.get("lang")
            )
            db.session.commit()
            flash(_("Translation confirmed as unchanged."), "ok")
    except ServiceError as error:
        flash_error(error)
    return redirect(back_to_paragraph(document_id, paragraph_id))


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/ad-ref")
@login_required
def ad_ref_form(document_id: int, paragraph_id: int):
    """The PPT marks the paragraph agreed ad referendum by a delegation until a date, read
    in the process's time zone."""
    document = visible_or_404(document_id)
    decision = can(current_user, Action.SET_STATUS, document)
    try:
        if not decision.allowed:
            flash(render(decision.reasons[0]), "error")
        else:
            until = deadline_from(request.form.get("until"), document.process.timezone)
            paragraphs.set_status(
                document,
                paragraph_id,
                current_user,
                "agreed_ad_ref",
                delegation=request.form.get("delegation"),
                until=until or "",
            )
            db.session.commit()
            flash(_("Marked agreed ad referendum."), "ok")
    except ServiceError as error:
        flash_error(error)
    return redirect(back_to_paragraph(document_id, paragraph_id))


@bp.post("/documents/<int:document_id>/ad-ref/<int:ad_ref_id>/confirm")
@login_required
def confirm_ad_ref_form(document_id: int, ad_ref_id: int):
    visible_or_404(document_id)  # an outsider learns nothing of the document
    paragraph_id = None
    try:
        paragraph = ad_referendum.confirm(ad_ref_id, current_user)
        paragraph_id = paragraph.id
        db.session.commit()
        flash(_("Agreement confirmed."), "ok")
    except ServiceError as error:
        flash_error(error)
    return redirect(back_to_paragraph(document_id, paragraph_id))
