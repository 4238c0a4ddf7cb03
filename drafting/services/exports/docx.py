"""Word files of a text: clean, and with real tracked changes between two revisions.

Numbers are written as text ("6." tab text, hanging indent per depth) rather than as Word
list numbering, so the printed numbering is always exactly the one the application computes.
Every paragraph carries a bookmark `para<id>_v<version>` so that a delegation's marked-up
copy can be matched back to our paragraphs and the version it was read from.
"""

from __future__ import annotations

import re

from drafting.models import Document
from drafting.services.exports.revision_text import (
    ExportFile,
    Note,
    RevisionText,
    TextRow,
    filename,
    notes_by_paragraph,
    status_line,
)
from drafting.services.exports.tracked import (
    DELETE,
    INSERT,
    Comparison,
    TrackedParagraph,
    TrackedRun,
    compare,
    heading,
)
from drafting.services.exports.wordml import Change, WordDocument
from drafting.text.lines import lines_of

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BOOKMARK = re.compile(r"^para(?P<id>\d+)_v(?P<version>\d+)$")
IDENTIFIER = re.compile(r"^drafting:document=(?P<id>\d+);revision=(?P<revision>[^;]*);lang=(\w+)$")


def bookmark_name(row: TextRow, lang: str) -> str:
    version = row.versions.get(lang)
    return f"para{row.id}_v{version.seq if version else 0}"


def identifier(document: Document, label: str, lang: str) -> str:
    return f"drafting:document={document.id};revision={label};lang={lang}"


def _style(row: TextRow) -> str:
    if row.closing:
        return "Closing Paragraph"
    return "Preambular Paragraph" if row.preamble else f"Paragraph Level {min(row.depth, 4)}"


def _head(word: WordDocument, document: Document, label: str, lang: str, notes, line: str) -> None:
    """Symbol, title (with the whole-document reservations) and a status line."""
    if document.symbol:
        word.run(word.paragraph("Document Symbol"), document.symbol)
    title = word.paragraph("Document Title", keep_with_next=True)
    word.run(title, document.title_in(lang))
    for note in notes.get(None, []):
        word.footnote(title, note.heading(lang), note.text)
    if line:
        word.run(word.paragraph("Document Status"), line)


def _notes(word: WordDocument, p, row: TextRow, notes: dict, lang: str) -> None:
    for note in notes.get(row.id, []):
        word.footnote(p, note.heading(lang), note.text)


def _numbered_lines(word: WordDocument, p, value: str) -> None:
    """The text broken at the fixed line measure, each line led by its number in the
    "Line Number" character style (what the page and the print view number)."""
    for number, line in enumerate(lines_of(value), start=1):
        if number > 1:
            word.line_break(p)
        word.run(p, f"{number} ", style="Line Number")
        word.run(p, line)


def clean(text: RevisionText, lang: str, *, lines: bool = False) -> ExportFile:
    """The text as circulated: title, symbol, numbered paragraphs, reservations as footnotes;
    with `lines`, the lines of each paragraph numbered."""
    document = text.document
    word = WordDocument(lang)
    notes: dict[int | None, list[Note]] = notes_by_paragraph(document)
    _head(word, document, text.label, lang, notes, status_line(document, text.label, lang))
    for row in text.rows:
        p = word.paragraph(_style(row))
        if row.label and not row.unnumbered:
            word.run(p, row.label)
            word.tab(p)
        if lines:
            _numbered_lines(word, p, row.text.get(lang, ""))
        else:
            word.run(p, row.text.get(lang, ""))
        _notes(word, p, row, notes, lang)
        word.bookmark(p, bookmark_name(row, lang))
    word.page_footer(document.symbol)
    word.properties(
        title=document.title_in(lang),
        identifier=identifier(document, text.label, lang),
        language=lang,
        subject=text.label,
    )
    return ExportFile(word.save(), DOCX_TYPE, filename(text, lang, "docx"))


def _write_tracked(word: WordDocument, tracked: TrackedParagraph, lang: str, notes) -> None:
    row = tracked.row
    inserted = Change(tracked.author.display, tracked.author.at) if (
        tracked.kind == "inserted" and tracked.author
    ) else None  # fmt: skip
    deleted = Change(tracked.author.display, tracked.author.at) if (
        tracked.kind == "deleted" and tracked.author
    ) else None  # fmt: skip
    p = word.paragraph(_style(row), inserted=inserted, deleted=deleted)
    if not row.unnumbered:
        for run in tracked.label_runs:
            _write_run(word, p, run)
        if tracked.label_runs:
            if tracked.kind == "same":
                word.tab(p)
            else:
                first = tracked.label_runs[0]
                _write_run(word, p, TrackedRun(first.op, "\t", first.author))
    for run in tracked.runs:
        _write_run(word, p, run)
    if tracked.kind != "deleted":
        _notes(word, p, row, notes, lang)
        word.bookmark(p, bookmark_name(row, lang))


def _write_run(word: WordDocument, p, run) -> None:
    if not run.text:
        return
    if run.op == INSERT:
        word.inserted(p, run.text, Change(run.author.display, run.author.at))
    elif run.op == DELETE:
        word.deleted(p, run.text, Change(run.author.display, run.author.at))
    else:
        word.run(p, run.text)


def tracked_document(comparison: Comparison) -> bytes:
    document, lang = comparison.document, comparison.lang
    word = WordDocument(lang)
    notes = notes_by_paragraph(document)
    _head(word, document, comparison.newer.label, lang, notes, heading(comparison))
    for tracked in comparison.paragraphs:
        _write_tracked(word, tracked, lang, notes)
    word.page_footer(document.symbol)
    word.track_revisions()
    word.properties(
        title=document.title_in(lang),
        identifier=identifier(document, comparison.newer.label, lang),
        language=lang,
        subject=f"{comparison.older.label} -> {comparison.newer.label}",
    )
    return word.save()


def tracked(
    document: Document, from_label: str | None, to_label: str | None, lang: str
) -> ExportFile:
    """The changes from `from_label` (default: the latest revision that reads differently)
    to `to_label` (default: the current text) as Word tracked changes by delegation."""
    comparison = compare(document, from_label, to_label, lang)
    name = filename(
        comparison.newer,
        lang,
        "docx",
        suffix=f"_changes-since-{comparison.older.label}",
    )
    return ExportFile(tracked_document(comparison), DOCX_TYPE, name)
