"""The compilation of amendments as a Word file: per paragraph its current text and every
amendment with proposer, co-sponsors, proposed change, rationale, the committee's
recommendation, rivals and compromises, status and decision note (as the page shows it).

Written with python-docx (a table, runs underlined for insertions and struck through for
deletions: a compilation shows proposals, it is not a tracked-changes file)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from flask_babel import force_locale, gettext, ngettext

from drafting.labels import amendment_label
from drafting.models import Document
from drafting.services.amendments import AmendmentView
from drafting.services.documents import ParagraphView
from drafting.services.exports.docx import DOCX_TYPE
from drafting.services.exports.revision_text import ExportFile, slug
from drafting.text import textdiff

Row = tuple[ParagraphView, Sequence[AmendmentView]]


def rival_group(views: Sequence[AmendmentView]) -> list[int]:
    """The pending amendments of one paragraph that compete with each other, in id order."""
    return sorted({v.amendment.id for v in views if v.data["rivals"]})


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(f"#{i}" for i in ids)


def _proposal(cell, ops: list[tuple[int, str]]) -> None:
    p = cell.add_paragraph()
    for op, text in ops:
        run = p.add_run(text)
        if op == textdiff.INSERT:
            run.font.underline = True
            run.font.bold = True
        elif op == textdiff.DELETE:
            run.font.strike = True


def _line(cell, label: str, text: str, *, italic_label: bool = True) -> None:
    p = cell.add_paragraph()
    head = p.add_run(f"{label}: ")
    head.italic = italic_label
    p.add_run(text)


def _amendment(cell, view: AmendmentView) -> None:
    d: dict[str, Any] = view.data
    p = cell.add_paragraph()
    p.add_run(d["delegation_name"]).bold = True
    line = f" ({d['delegation']})"
    if d["co_sponsors"]:
        line += ", " + gettext("co-sponsored by") + " " + ", ".join(d["co_sponsors"])
    line += f" — {amendment_label(d['kind'])} — {amendment_label(d['status'])} #{d['id']}"
    p.add_run(line)
    _proposal(cell, view.ops)
    for code, text in sorted(d["texts"].items()):
        if code != d["lang"] and len(d["texts"]) > 1:
            _line(cell, code.upper(), text)
    if d["rationale"]:
        _line(cell, gettext("Rationale"), d["rationale"])
    if d["replaces"]:
        _line(cell, gettext("Compromise"), gettext("replaces %(list)s", list=_ids(d["replaces"])))
    if d["replaced_by"]:
        _line(cell, gettext("Compromise"), _ids([d["replaced_by"]]))
    if d["recommendation"]:
        advice = amendment_label(d["recommendation"])
        if d["recommended_by"]:
            advice += f" ({d['recommended_by']})"
        _line(cell, gettext("The committee recommends"), advice)
        if d["recommendation_text"]:
            _line(cell, gettext("Recommended wording"), d["recommendation_text"])
        if d["recommendation_note"]:
            _line(cell, gettext("Note"), d["recommendation_note"])
    if d["note"]:
        _line(cell, gettext("Decision"), d["note"])


def export(
    document: Document,
    rows: Sequence[Row],
    lang: str,
    notes: dict[int | None, list],
    counts: dict[str, int],
    total: int,
    generated: datetime,
    only_amended: bool = False,
) -> ExportFile:
    """The compilation in `lang` (its words too), landscape A4, one table row a paragraph."""
    word = docx.Document()
    section = word.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    word.styles["Normal"].font.name = "Times New Roman"
    word.styles["Normal"].font.size = Pt(10)
    with force_locale(lang):
        if document.symbol:
            word.add_paragraph(document.symbol).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        word.add_heading(gettext("Compilation of amendments"), level=1)
        word.add_paragraph(document.title).runs[0].bold = True
        meta = []
        if document.current_revision:
            meta.append(f"{gettext('Revision')} {document.current_revision.label}")
        meta.append(f"{gettext('Language')}: {lang.upper()}")
        meta.append(ngettext("%(num)s amendment", "%(num)s amendments", total))
        meta += [f"{amendment_label(status)}: {n}" for status, n in sorted(counts.items())]
        meta.append(gettext("as of %(when)s", when=generated.strftime("%Y-%m-%d %H:%M UTC")))
        if only_amended:
            meta.append(gettext("only amended paragraphs"))
        word.add_paragraph(" · ".join(meta))
        table = word.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, title in zip(
            table.rows[0].cells,
            (gettext("Para."), gettext("Current text"), gettext("Amendments")),
            strict=True,
        ):
            cell.paragraphs[0].add_run(title).bold = True
        for paragraph, views in rows:
            number, text, amendments = table.add_row().cells
            number.paragraphs[0].add_run(paragraph.number or gettext("deleted"))
            current = text.paragraphs[0].add_run(paragraph.text.get(lang, ""))
            current.font.strike = paragraph.status == "deleted"
            for note in notes.get(paragraph.id, []):
                text.paragraphs[0].add_run(str(note.number)).font.superscript = True
            group = rival_group(views)
            if group:
                _line(amendments, gettext("Competing amendments"), _ids(group))
            for view in views:
                _amendment(amendments, view)
            if not views:
                amendments.paragraphs[0].add_run("—")
        for row in table.rows:
            for cell, width in zip(row.cells, (Cm(1.6), Cm(10), Cm(14.5)), strict=True):
                cell.width = width
        all_notes = [n for items in notes.values() for n in items]
        if all_notes:
            word.add_heading(gettext("Reservations and explanations of position"), level=2)
            for n in all_notes:
                where = (
                    gettext("Paragraph %(n)s", n=n.paragraph_number) + ": "
                    if n.paragraph_number
                    else ""
                )
                word.add_paragraph(f"{n.number}. {where}{n.delegation_name} — {n.text}")
    word.core_properties.title = document.title[:255]
    word.core_properties.author = "Drafting"
    out = io.BytesIO()
    word.save(out)
    name = f"compilation-{slug(document.symbol or document.title)}-{lang}.docx"
    return ExportFile(out.getvalue(), DOCX_TYPE, name)
