"""Exports (Word, Akoma Ntoso, HTML), and a delegation's marked-up Word file turned into
amendments."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import (
    chosen_indexes,
    document_for,
    download,
    flag,
    previewing,
    uploaded_file,
    viewer,
)
from drafting.policy import Action, require
from drafting.services import exports
from drafting.services.errors import Unavailable
from drafting.services.exports import markup


def _query(name: str) -> str | None:
    value = request.args.get(name)
    return value.strip() if value and value.strip() else None


def _browser_asks() -> bool:
    """A person followed a download link (the browser prefers HTML to JSON)."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


@bp.get("/documents/<int:document_id>/export")
def export(document_id: int):
    document = document_for(document_id, Action.VIEW)
    fmt = _query("format") or "docx"
    try:
        exported = exports.export(
            document,
            fmt,
            revision=_query("revision"),
            lang=_query("lang"),
            from_label=_query("from"),
            to_label=_query("to"),
            lines=flag(request.args.get("lines")),
        )
    except Unavailable as error:
        if not _browser_asks():
            raise
        page = render_template("export_unavailable.html", document=document)
        return page, error.status
    return download(exported.data, exported.content_type, exported.filename)


@bp.post("/documents/<int:document_id>/amendments/import")
@login_required
def import_amendments(document_id: int):
    """A delegation's marked-up Word file: `?preview=1` lists what it would file; otherwise
    it files those `choose`n (every one by default) that were not filed before."""
    document = document_for(document_id)
    require(viewer(), Action.PROPOSE_AMENDMENT, document)
    filename, data = uploaded_file()
    lang = request.form.get("lang") or None
    if previewing():
        planned = markup.plan_markup(document, current_user, data, filename=filename, lang=lang)
        return jsonify(amendments=[entry.as_json() for entry in planned])
    filed, skipped = markup.import_markup(
        document, current_user, data, filename=filename, lang=lang, chosen=chosen_indexes()
    )
    db.session.commit()
    return jsonify(
        amendments=[f.amendment.id for f in filed],
        filed=[
            {"id": f.amendment.id, "kind": f.amendment.kind.value, "paragraph": f.number}
            for f in filed
        ],
        already_filed=[entry.as_json() for entry in skipped],
    ), (201 if filed else 200)
