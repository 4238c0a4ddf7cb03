"""Exports: the registry of formats.

Each renderer reads one `RevisionText` (revision_text.py) and returns an `ExportFile`; no
renderer imports this registry, so the formats form no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drafting.models import Document
from drafting.services.errors import BadInput
from drafting.services.exports import akn, docx, html, pdf
from drafting.services.exports.revision_text import ExportFile, text_at
from drafting.services.exports.tracked import compare


@dataclass(frozen=True)
class ExportRequest:
    """What `GET /api/documents/<id>/export` asks for, checked against the document."""

    document: Document
    lang: str
    revision: str | None = None
    from_label: str | None = None
    to_label: str | None = None
    lines: bool = False  # number the lines (drafting.text.lines)


def _docx(request: ExportRequest) -> ExportFile:
    return docx.clean(
        text_at(request.document, request.revision), request.lang, lines=request.lines
    )


def _docx_tracked(request: ExportRequest) -> ExportFile:
    return docx.tracked(request.document, request.from_label, request.to_label, request.lang)


def _akn(request: ExportRequest) -> ExportFile:
    return akn.export(text_at(request.document, request.revision), request.lang)


def _html(request: ExportRequest) -> ExportFile:
    return html.export(
        text_at(request.document, request.revision), request.lang, lines=request.lines
    )


def _pdf(request: ExportRequest) -> ExportFile:
    return pdf.clean(text_at(request.document, request.revision), request.lang)


def _pdf_tracked(request: ExportRequest) -> ExportFile:
    document = request.document
    return pdf.tracked(compare(document, request.from_label, request.to_label, request.lang))


RENDERERS: dict[str, Callable[[ExportRequest], ExportFile]] = {
    "docx": _docx,
    "docx-tracked": _docx_tracked,
    "akn": _akn,
    "html": _html,
    "pdf": _pdf,
    "pdf-tracked": _pdf_tracked,
}
FORMATS = tuple(RENDERERS)


def export_language(document: Document, lang: str | None) -> str:
    """The language asked for, or the document's first; another one is a 400."""
    if not lang:
        return document.languages[0]
    if lang not in document.languages:
        raise BadInput(
            f"language {lang!r} is not one of this document's ({', '.join(document.languages)})"
        )
    return lang


def export(
    document: Document,
    fmt: str,
    *,
    revision: str | None = None,
    lang: str | None = None,
    from_label: str | None = None,
    to_label: str | None = None,
    lines: bool = False,
) -> ExportFile:
    """The file for `GET /api/documents/<id>/export`; `lines` numbers the lines of the clean
    Word and HTML texts."""
    lang = export_language(document, lang)
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise BadInput(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return renderer(ExportRequest(document, lang, revision, from_label, to_label, lines))
