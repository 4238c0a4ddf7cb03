"""Tags and GCM coverage."""

from __future__ import annotations

from flask import jsonify
from flask_babel import get_locale
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import body, document_for, viewer
from drafting.policy import Action, require
from drafting.services import tags
from drafting.services.documents import tree


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
    require(viewer(), Action.TAG, document)
    result = tags.change_tags(document, paragraph_id, current_user, data)
    db.session.commit()
    locale = str(get_locale())
    return jsonify(paragraph_id=paragraph_id, tags=[tags.tag_json(t, locale) for t in result])
