"""A standalone clean HTML file of a text (one language), with its own small stylesheet and
reservations as numbered footnotes; built with lxml so every text is escaped."""

from __future__ import annotations

from flask_babel import force_locale, gettext
from lxml import etree
from lxml.html import builder as E

from drafting.services.exports.revision_text import (
    ExportFile,
    RevisionText,
    filename,
    notes_by_paragraph,
    status_line,
    xml_safe,
)
from drafting.services.exports.tracked import DELETE, INSERT, Comparison
from drafting.text.lines import lines_of

STYLE = """
body { font-family: "Times New Roman", "DejaVu Serif", serif; font-size: 12pt; line-height: 1.45;
  max-width: 46em; margin: 2em auto; padding: 0 1.5em; color: #000; background: #fff; }
.symbol { text-align: right; font-size: 10pt; margin: 0; }
h1 { text-align: center; font-size: 14pt; margin: 1.2em 0 .4em; }
.status { text-align: center; font-size: 9pt; margin: 0 0 1.6em; }
.para { display: grid; grid-template-columns: 2.4em 1fr; margin: 0 0 .5em; }
.para .num { font-weight: normal; }
.depth-2 { margin-left: 2.4em; } .depth-3 { margin-left: 4.8em; } .depth-4 { margin-left: 7.2em; }
.preamble { display: block; font-style: italic; text-indent: 2.4em; }
.closing { display: block; margin-top: 1.2em; }
.text { white-space: pre-wrap; }
.numbered .text .line { display: block; position: relative; white-space: normal; }
.numbered .text .line::before { content: attr(data-line); position: absolute; left: -5em;
  width: 2.2em; text-align: right; font-size: 8pt; color: #555; }
sup.fn a { text-decoration: none; }
.notes { border-top: 1px solid #000; margin-top: 2em; font-size: 10pt; }
ins { color: #064; text-decoration: underline; } del { color: #a00; text-decoration: line-through; }
@media print { body { margin: 0; max-width: none; } }
"""


def _text(value: str, lines: bool) -> list:
    """The paragraph's text, as one string or as its numbered lines."""
    if not lines:
        return [xml_safe(value)]
    return [
        E.SPAN(xml_safe(line), **{"class": "line", "data-line": str(number)})
        for number, line in enumerate(lines_of(value), start=1)
    ]


def build(text: RevisionText, lang: str, *, lines: bool = False) -> etree._Element:
    document = text.document
    notes = notes_by_paragraph(document)
    footnotes: list[etree._Element] = []

    def note_marks(key: int | None) -> list[etree._Element]:
        marks = []
        for note in notes.get(key, []):
            number = len(footnotes) + 1
            marks.append(
                E.SUP(E.A(str(number), href=f"#fn{number}", id=f"fnref{number}"), **{"class": "fn"})
            )
            footnotes.append(
                E.LI(
                    E.EM(f"{note.heading(lang)}: "),
                    note.text,
                    " ",
                    E.A("↩", href=f"#fnref{number}"),
                    id=f"fn{number}",
                )
            )
        return marks

    body = E.BODY(**({"class": "numbered"} if lines else {}))
    if document.symbol:
        body.append(E.P(document.symbol, **{"class": "symbol"}))
    body.append(E.H1(document.title_in(lang), *note_marks(None)))
    line = status_line(document, text.label, lang)
    if line:
        body.append(E.P(line, **{"class": "status"}))
    for row in text.rows:
        content = E.SPAN(
            *_text(row.text.get(lang, ""), lines), *note_marks(row.id), **{"class": "text"}
        )
        if row.unnumbered:
            body.append(E.P(content, id=f"p{row.id}", **{"class": f"para {row.section}"}))
        else:
            body.append(
                E.DIV(
                    E.SPAN(row.label, **{"class": "num"}),
                    content,
                    id=f"p{row.id}",
                    **{"class": f"para depth-{row.depth}", "data-number": row.number},
                )
            )
    if footnotes:
        with force_locale(lang):
            heading = gettext("Reservations and explanations of position")
        body.append(E.SECTION(E.H2(heading), E.OL(*footnotes), **{"class": "notes"}))
    head = E.HEAD(
        E.META(charset="utf-8"),
        E.TITLE(f"{document.symbol} {document.title_in(lang)}".strip()),
        E.STYLE(STYLE),
    )
    return E.HTML(head, body, lang=lang)


def build_tracked(comparison: Comparison, heading: str) -> etree._Element:
    """The newer text with every insertion underlined (`ins`) and deletion struck (`del`),
    each titled with the delegation that made it; `heading` says which two texts."""
    document, lang = comparison.document, comparison.lang
    body = E.BODY()
    if document.symbol:
        body.append(E.P(document.symbol, **{"class": "symbol"}))
    body.append(E.H1(document.title))
    body.append(E.P(heading, **{"class": "status"}))
    for tracked in comparison.paragraphs:
        row = tracked.row
        runs = []
        for run in tracked.runs:
            piece = xml_safe(run.text)
            if run.op == INSERT:
                runs.append(E.INS(piece, title=run.author.display if run.author else ""))
            elif run.op == DELETE:
                runs.append(E.DEL(piece, title=run.author.display if run.author else ""))
            else:
                runs.append(piece)
        content = E.SPAN(*runs, **{"class": "text"})
        if row.unnumbered:
            body.append(E.P(content, **{"class": f"para {row.section}"}))
        else:
            label = "".join(r.text for r in tracked.label_runs if r.op != DELETE) or row.label
            number = E.SPAN(label, **{"class": "num"})
            body.append(E.DIV(number, content, **{"class": f"para depth-{row.depth}"}))
    head = E.HEAD(E.META(charset="utf-8"), E.TITLE(document.title), E.STYLE(STYLE))
    return E.HTML(head, body, lang=lang)


def export(text: RevisionText, lang: str, *, lines: bool = False) -> ExportFile:
    html = etree.tostring(
        build(text, lang, lines=lines), method="html", encoding="unicode", doctype="<!doctype html>"
    )
    return ExportFile(
        html.encode("utf-8"),
        "text/html; charset=utf-8",
        filename(text, lang, "html"),
    )
