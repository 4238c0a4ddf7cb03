"""Writing a paragraph: new versions, the negotiation status, confirming a translation."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import body, document_for, integer, string, viewer
from drafting.policy import Action, require
from drafting.services import ad_referendum, paragraphs
from drafting.services.documents import pending_in
from drafting.services.paragraphs import latest_by_lang


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/versions")
@login_required
def new_version(document_id: int, paragraph_id: int):
    document = document_for(document_id)
    data = body()
    require(viewer(), Action.EDIT_TEXT, document)
    saved = paragraphs.save_text(
        document,
        paragraph_id,
        current_user,
        string(data, "lang"),
        data.get("text"),
        integer(data, "base_version"),
    )
    db.session.commit()
    return jsonify(version=saved.version.seq, status=saved.version.paragraph.status.value), 201


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/status")
@login_required
def paragraph_status(document_id: int, paragraph_id: int):
    document = document_for(document_id)
    data = body()
    require(viewer(), Action.SET_STATUS, document)
    paragraph = paragraphs.set_status(
        document,
        paragraph_id,
        viewer(),
        data.get("status"),
        delegation=data.get("delegation"),
        until=data.get("until"),
    )
    db.session.commit()
    return jsonify(status=paragraph.status.value)


@bp.post("/ad-ref/<int:ad_ref_id>/confirm")
@login_required
def confirm_ad_ref(ad_ref_id: int):
    body()
    paragraph = ad_referendum.confirm(ad_ref_id, viewer())
    db.session.commit()
    return jsonify(status=paragraph.status.value, paragraph_id=paragraph.id)


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/confirm-translation")
@login_required
def confirm_translation(document_id: int, paragraph_id: int):
    document = document_for(document_id)
    data = body()
    require(viewer(), Action.EDIT_TEXT, document)
    version = paragraphs.confirm_unchanged(document, paragraph_id, current_user, data.get("lang"))
    db.session.commit()
    pending = pending_in(document.languages, latest_by_lang(version.paragraph_id))
    return jsonify(version=version.seq, lang=version.lang, translation_pending=pending), 201
