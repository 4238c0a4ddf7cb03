"""A paragraph's history with restore buttons."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from drafting.extensions import db
from drafting.handlers import flash_error, query_language, viewer, visible_or_404
from drafting.policy import Action, can, require
from drafting.services import history
from drafting.services.documents import numbers
from drafting.services.errors import ServiceError
from drafting.services.paragraphs import paragraph_of
from drafting.web import bp
from drafting.web.pages import delegation_colours


@bp.get("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/history")
def paragraph_history(document_id: int, paragraph_id: int):
    document = visible_or_404(document_id)
    lang = query_language(document)
    try:
        paragraph = paragraph_of(document, paragraph_id)
    except ServiceError:
        abort(404)
    # Live typing stores many small versions; they are shown as edit sessions.
    sessions = history.sessions(paragraph, lang)
    user = viewer()
    number = numbers(document).get(paragraph.id)
    return render_template(
        "history.html",
        document=document,
        paragraph=paragraph,
        number=number.number if number else None,
        sessions=list(reversed(sessions)),
        ops={s.last.seq: s.ops() for s in sessions},
        texts={v.seq: v.text for s in sessions for v in s.versions},
        lang=lang,
        can_restore=bool(user) and can(user, Action.EDIT_TEXT, document).allowed,
        colours=delegation_colours(document),
        current_seq=sessions[-1].last.seq if sessions else 0,
        gap_minutes=int(history.SESSION_GAP.total_seconds() // 60),
    )


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/restore")
@login_required
def restore(document_id: int, paragraph_id: int):
    document = visible_or_404(document_id)
    lang = request.form.get("lang") or document.languages[0]
    try:
        require(viewer(), Action.EDIT_TEXT, document)
        version = history.restore(
            document, paragraph_id, current_user, lang, request.form.get("version", type=int)
        )
        db.session.commit()
        flash(_("Restored as version %(seq)s.", seq=version.seq), "ok")
    except ServiceError as error:
        flash_error(error)
    return redirect(
        url_for(
            "web.paragraph_history", document_id=document.id, paragraph_id=paragraph_id, lang=lang
        )
    )
