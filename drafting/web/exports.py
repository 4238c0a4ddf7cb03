"""The printable text (print or save as PDF), reservations as footnotes."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import get_locale

from drafting.handlers import flag, query_revision, visible_or_404
from drafting.models import Document
from drafting.services.errors import BadInput, NotFound
from drafting.services.exports.revision_text import (
    notes_by_paragraph,
    status_line,
    text_at,
)
from drafting.web import bp


def _language_arg(document: Document) -> str:
    lang = request.args.get("text")
    if lang in document.languages:
        return lang
    locale = str(get_locale())
    return locale if locale in document.languages else document.languages[0]


@bp.get("/documents/<int:document_id>/print")
def print_view(document_id: int):
    """A clean page of the text for printing or saving as PDF, reservations as footnotes."""
    document = visible_or_404(document_id)
    lang = _language_arg(document)
    try:
        text = text_at(document, query_revision())
        flag(request.args.get("lines"))
    except NotFound:
        abort(404)
    except BadInput:
        abort(400)
    notes = notes_by_paragraph(document)
    numbered: list[tuple[int, str, str]] = []  # (number, heading, text)
    marks: dict[int | None, list[int]] = {}
    for key in [None, *(row.id for row in text.rows)]:
        for note in notes.get(key, []):
            numbered.append((len(numbered) + 1, note.heading(lang), note.text))
            marks.setdefault(key, []).append(len(numbered))
    return render_template(
        "print.html",
        document=document,
        text=text,
        lang=lang,
        status=status_line(document, text.label, lang),
        footnotes=numbered,
        marks=marks,
        revisions=[r.label for r in document.revisions],
        lines=flag(request.args.get("lines")),
    )
