"""The text of a revision (or the current text) as every export reads it.

Exports never read the live tables twice: one `RevisionText` is built per request from the
revision's snapshot rows (or from the current tree), so a file is always one consistent text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale, gettext

from drafting import clock
from drafting.models import Document, Version
from drafting.services import revisions
from drafting.services.documents import (
    ParagraphView,
    display_label,
    revision_placement,
    source_labels,
    tree,
)
from drafting.services.errors import BadInput
from drafting.text.numbering import number_tree, reading_order

CURRENT = "current"
# Characters XML 1.0 cannot carry; never part of a real text, dropped on the way out.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


@dataclass
class TextRow:
    """One numbered paragraph of a text as it stood at some moment."""

    id: int
    number: str
    label: str
    depth: int
    section: str
    status: str
    text: dict[str, str] = field(default_factory=dict)
    versions: dict[str, Version] = field(default_factory=dict)

    @property
    def preamble(self) -> bool:
        return self.section == "preamble"

    @property
    def closing(self) -> bool:
        return self.section == "closing"

    @property
    def unnumbered(self) -> bool:
        """Preamble and closing paragraphs are printed without a number."""
        return self.section in ("preamble", "closing")


@dataclass
class RevisionText:
    """A whole text: the document, which revision ("current" for the live text), when it was
    taken and its paragraphs in reading order."""

    document: Document
    label: str
    taken_at: datetime
    rows: list[TextRow]

    @property
    def is_current(self) -> bool:
        return self.label == CURRENT

    def by_id(self) -> dict[int, TextRow]:
        return {row.id: row for row in self.rows}


@dataclass(frozen=True)
class Note:
    """A reservation or explanation of position, printed as a footnote."""

    paragraph_id: int | None
    delegation_code: str
    delegation_name: str
    kind: str  # "reservation" | "explanation"
    text: str

    def heading(self, lang: str) -> str:
        """'Reservation by Mexico' in the language of the text it is printed in."""
        with force_locale(lang):
            if self.kind == "explanation":
                return gettext("Explanation of position by %(delegation)s", delegation=self.who)
            return gettext("Reservation by %(delegation)s", delegation=self.who)

    @property
    def who(self) -> str:
        return self.delegation_name or self.delegation_code


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    content_type: str
    filename: str


def text_at(document: Document, label: str | None = None) -> RevisionText:
    """The text of revision `label` (e.g. "Rev.1", "Final"), or the current text."""
    if not label or label == CURRENT:
        rows = [
            TextRow(p.id, p.number, p.label, p.depth, p.section, p.status, p.text, p.versions)
            for p in tree(document)
        ]
        return RevisionText(document, CURRENT, clock.now(), rows)
    revision = revisions.find(document, label)
    placement = revision_placement(revision)
    nodes = [node for node, _ in placement]
    numbers = number_tree(nodes)
    printed = source_labels(document)
    status = {row.paragraph_id: row.status.value for _, row in placement}
    versions: dict[int, dict[str, Version]] = {}
    for (paragraph_id, lang), version in revisions.versions_in(revision).items():
        versions.setdefault(paragraph_id, {})[lang] = version
    rows = []
    for node in reading_order(nodes):
        number = numbers.get(node.id)
        if number is None:
            continue
        mine = versions.get(node.id, {})
        rows.append(
            TextRow(
                node.id,
                number.number,
                display_label(document, printed.get(node.id), number.label),
                number.depth,
                node.section,
                status[node.id],
                {lang: v.text for lang, v in mine.items()},
                mine,
            )
        )
    return RevisionText(document, revision.label, clock.as_utc(revision.created_at), rows)


def notes_by_paragraph(document: Document) -> dict[int | None, list[Note]]:
    """Reservations and explanations of position by paragraph (None: the whole document),
    numbered in reading order by the discussion service."""
    from drafting.services import discussion

    return {
        key: [
            Note(f.paragraph_id, f.delegation, f.delegation_name, f.kind, f.text) for f in footnotes
        ]
        for key, footnotes in discussion.footnotes(document).items()
    }


def slug(text: str) -> str:
    """ASCII file-name part: 'RCM/RCGM/2018/07' -> 'RCM-RCGM-2018-07'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9.]+", "-", ascii_text).strip("-.")[:80] or "document"


def _fingerprint(text: RevisionText) -> list[tuple]:
    return [
        (row.id, row.number, row.status, sorted((k, v.id) for k, v in row.versions.items()))
        for row in text.rows
    ]


def revision_name(text: RevisionText) -> str:
    """Which revision a file holds, for its name: the revision's label; for the current text
    the latest revision's label while nothing changed since it (a round's frozen text is
    `Rev.1`), else `<label>-working`; '' for a document that was never circulated."""
    if not text.is_current:
        return text.label
    latest = text.document.current_revision
    if latest is None:
        return ""
    if _fingerprint(text) == _fingerprint(text_at(text.document, latest.label)):
        return latest.label
    return f"{latest.label}-working"


def filename(text: RevisionText, lang: str, extension: str, suffix: str = "") -> str:
    """'RCM-RCGM-2018-07_Rev.1_en.docx': symbol, revision, language."""
    base = slug(text.document.symbol or text.document.title)
    name = revision_name(text)
    revision = f"_{slug(name)}" if name else ""
    return f"{base}{revision}{suffix}_{lang}.{extension}"


def sha256(text: RevisionText) -> str:
    """The SHA-256 of the text as printed (the canonical text adoption seals), so a printed
    page can be checked against the file it came from; the sealed hash for adopted text."""
    from drafting.services import audit

    document = text.document
    if document.is_adopted and text.label in (CURRENT, "Final") and document.sha256:
        return document.sha256
    return hashlib.sha256(audit.canonical_text(document, text.rows)).hexdigest()


def _reading(rows: Iterable[TextRow | ParagraphView], lang: str | None) -> list[tuple]:
    """What a tracked-changes file in `lang` (None: every language) shows of a text."""
    return [
        (r.id, r.number, r.section, r.text.get(lang) if lang else sorted(r.text.items()))
        for r in rows
    ]


def default_from(
    document: Document,
    to_label: str | None = None,
    *,
    lang: str | None = None,
    to_rows: Iterable[TextRow | ParagraphView] | None = None,
) -> str:
    """The default start of tracked changes up to `to_label` (the current text when None):
    the latest revision that reads differently in `lang`, so the changes are never empty
    just because the silence procedure or adoption snapshotted the text as it stands (the
    latest revision when none differs). `to_rows` is the current text, when the caller has
    it already."""
    to_label = to_label or CURRENT
    labels = [r.label for r in document.revisions]
    if to_label in labels:
        labels = labels[: labels.index(to_label)]  # revisions taken before it
    if not labels:
        raise BadInput("the document has no circulated revision to compare with")
    if to_rows is None:
        to_rows = text_at(document, to_label).rows
    target = _reading(to_rows, lang)
    for label in reversed(labels):
        if _reading(text_at(document, label).rows, lang) != target:
            return label
    return labels[-1]


def status_line(document: Document, label: str, lang: str) -> str:
    """'Rev.1' / 'Adopted on 2026-11-30 · SHA-256 …' in the language of the text."""
    with force_locale(lang):
        if document.is_adopted and label in (CURRENT, "Final"):
            when = document.adopted_at.strftime("%Y-%m-%d") if document.adopted_at else ""
            return gettext(
                "Adopted on %(date)s · SHA-256 %(hash)s", date=when, hash=document.sha256 or ""
            )
        if label == CURRENT:
            revision = document.current_revision
            base = revision.label if revision else ""
            return gettext("Working text after %(revision)s", revision=base) if base else ""
        return label
