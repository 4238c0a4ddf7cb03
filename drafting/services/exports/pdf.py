"""PDF files of a text, clean or with tracked changes, rendered by WeasyPrint from the HTML
export; every page's footer carries the symbol, the revision and the text's SHA-256, so a
printed page can be checked against the text it came from.

WeasyPrint (and the pango library it loads) is imported only when a PDF is asked for: a
server without it answers 503 for PDFs and serves everything else.
"""

from __future__ import annotations

from flask_babel import force_locale, gettext
from lxml import etree
from lxml.html import builder as E

from drafting.services.errors import Unavailable
from drafting.services.exports import html
from drafting.services.exports.revision_text import (
    ExportFile,
    RevisionText,
    filename,
    revision_name,
    sha256,
)
from drafting.services.exports.tracked import Comparison, heading

PDF_TYPE = "application/pdf"


def _css_string(text: str) -> str:
    """A CSS string literal: quotes and backslashes escaped, no line breaks."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _page_style(text: RevisionText, lang: str) -> str:
    """A4 pages whose bottom margin boxes print 'symbol · revision', the SHA-256 and
    'page n of N' (CSS Paged Media margin boxes)."""
    document = text.document
    with force_locale(lang):
        where = " · ".join(
            part
            for part in (document.symbol, revision_name(text) or gettext("the current text"))
            if part
        )
        digest = gettext("SHA-256 %(hash)s", hash=sha256(text))
        page = gettext("Page")
        of = gettext("of")
    return f"""
@page {{
  size: A4; margin: 2.2cm 2cm 2.6cm;
  @bottom-left {{ content: {_css_string(where)} "\\A" {_css_string(digest)}; white-space: pre;
    width: 80%; font: 7.5pt "DejaVu Sans Mono", monospace; vertical-align: top; }}
  @bottom-right {{ content: {_css_string(page + " ")} counter(page) {_css_string(" " + of + " ")}
    counter(pages); font-size: 8pt; }}
}}
body {{ margin: 0; max-width: none; padding: 0; }}
"""


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: pango or its fonts cannot be loaded
        raise Unavailable(
            "PDF export is not available on this server (WeasyPrint and pango are not "
            "installed); the Word, HTML and printable versions are."
        ) from error
    return weasyprint


def _render(page: etree._Element, style: str) -> bytes:
    weasyprint = _weasyprint()
    page.find("head").append(E.STYLE(style))
    markup = etree.tostring(page, method="html", encoding="unicode", doctype="<!doctype html>")
    return weasyprint.HTML(string=markup).write_pdf()


def clean(text: RevisionText, lang: str) -> ExportFile:
    """The text as circulated (or adopted), as the HTML export lays it out."""
    data = _render(html.build(text, lang), _page_style(text, lang))
    return ExportFile(data, PDF_TYPE, filename(text, lang, "pdf"))


def tracked(comparison: Comparison) -> ExportFile:
    """The changes between two texts, insertions underlined and deletions struck."""
    lang = comparison.lang
    page = html.build_tracked(comparison, heading(comparison))
    data = _render(page, _page_style(comparison.newer, lang))
    name = filename(
        comparison.newer, lang, "pdf", suffix=f"_changes-since-{comparison.older.label}"
    )
    return ExportFile(data, PDF_TYPE, name)
