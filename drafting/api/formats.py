"""Exports (Word, Akoma Ntoso, HTML), marked-up Word imports, tags, confirming
translations and the interface language."""

from __future__ import annotations

import io

from flask import current_app, jsonify, request, send_file, session
from flask_babel import get_locale
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.api.helpers import body, document_for, require, string
from drafting.extensions import db
from drafting.policy import Action
from drafting.services import exports, paragraphs, tags
from drafting.services.documents import pending_translations, tree
from drafting.services.errors import BadInput
from drafting.services.exports import markup
from drafting.services.paragraphs import latest_by_lang


def _query(name: str) -> str | None:
    value = request.args.get(name)
    return value.strip() if value and value.strip() else None


@bp.get("/documents/<int:document_id>/export")
def export(document_id: int):
    document = document_for(document_id, Action.VIEW)
    fmt = _query("format") or "docx"
    exported = exports.export(
        document,
        fmt,
        revision=_query("revision"),
        lang=_query("lang"),
        from_label=_query("from"),
        to_label=_query("to"),
    )
    response = send_file(
        io.BytesIO(exported.data),
        mimetype=exported.content_type,
        as_attachment=True,
        download_name=exported.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/documents/<int:document_id>/amendments/import")
@login_required
def import_amendments(document_id: int):
    document = document_for(document_id)
    require(Action.PROPOSE_AMENDMENT, document)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput("a file is required (multipart field 'file')")
    data = upload.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    filed = markup.import_markup(
        document,
        current_user,
        data,
        filename=upload.filename,
        lang=request.form.get("lang") or None,
    )
    db.session.commit()
    return jsonify(
        amendments=[f.amendment.id for f in filed],
        filed=[
            {"id": f.amendment.id, "kind": f.amendment.kind.value, "paragraph": f.number}
            for f in filed
        ],
    ), 201


@bp.get("/documents/<int:document_id>/tags")
def document_tags(document_id: int):
    document = document_for(document_id)
    locale = str(get_locale())
    by_paragraph = tags.tags_by_paragraph(document)
    views = tree(document)
    return jsonify(
        paragraphs=[
            {
                "id": v.id,
                "number": v.number,
                "tags": [tags.tag_json(t, locale) for t in by_paragraph.get(v.id, [])],
            }
            for v in views
        ],
        coverage=[
            {"code": o.code, "title": o.title, "count": o.count, "paragraphs": list(o.numbers)}
            for o in tags.coverage(document, locale, {v.id: v.number for v in views})
        ],
    )


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/tags")
@login_required
def paragraph_tags(document_id: int, paragraph_id: int):
    document = document_for(document_id)
    data = body()
    require(Action.TAG, document)
    result = tags.change_tags(document, paragraph_id, current_user, data)
    db.session.commit()
    locale = str(get_locale())
    return jsonify(paragraph_id=paragraph_id, tags=[tags.tag_json(t, locale) for t in result])


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/confirm-translation")
@login_required
def confirm_translation(document_id: int, paragraph_id: int):
    document = document_for(document_id)
    data = body()
    require(Action.EDIT_TEXT, document)
    version = paragraphs.confirm_unchanged(document, paragraph_id, current_user, data.get("lang"))
    db.session.commit()
    pending = pending_translations(document.languages, latest_by_lang(version.paragraph_id))
    return jsonify(version=version.seq, lang=version.lang, translation_pending=pending), 201


@bp.post("/me/locale")
@login_required
def set_locale():
    locale = string(body(), "locale")
    if locale not in current_app.config["LANGUAGES"]:
        raise BadInput(f"locale must be one of {', '.join(current_app.config['LANGUAGES'])}")
    current_user.locale = locale
    session["lang"] = locale
    db.session.commit()
    return jsonify(locale=locale)
