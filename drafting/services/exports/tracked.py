"""Tracked changes between two texts as the Word export writes them: paragraph by paragraph,
runs with an author (delegation) and a time.

The runs come from the changes service (`changes.change_set`, the same attribution the
`changes` endpoint and the live view use); this module adds what a printed file needs on
top: delegation names, the printed labels (a renumbered paragraph carries a label change of
its own, since numbers are printed text) and the rows of the newer text for bookmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy import select

from drafting import clock
from drafting.extensions import db
from drafting.models import Delegation, Document
from drafting.services import changes
from drafting.services.exports.revision_text import (
    CURRENT,
    RevisionText,
    TextRow,
    default_from,
    text_at,
)

EQUAL, INSERT, DELETE = 0, 1, -1
NUMBERING = "Renumbering"  # author of label changes: numbers are computed, nobody typed them


@dataclass(frozen=True)
class Author:
    """Who brought a piece of text in (or took it out), and when."""

    code: str
    name: str
    at: datetime
    accepted_by: str = ""  # who accepted the change, as Word lists them

    @property
    def display(self) -> str:
        """As Word lists it: 'Mexico (MX)', or 'Mexico (MX), accepted by El Salvador (SV)'."""
        if not self.code or self.name == self.code:
            who = self.name or self.code
        else:
            who = f"{self.name} ({self.code})"
        return f"{who}, accepted by {self.accepted_by}" if self.accepted_by else who


@dataclass(frozen=True)
class TrackedRun:
    op: int  # -1 deleted, 0 unchanged, 1 inserted
    text: str
    author: Author | None  # None for unchanged text


@dataclass
class TrackedParagraph:
    id: int
    kind: str  # "same" | "inserted" | "deleted"
    row: TextRow  # the newer row, or the older one for a deleted paragraph
    runs: list[TrackedRun] = field(default_factory=list)
    label_runs: list[TrackedRun] = field(default_factory=list)
    author: Author | None = None  # who inserted / deleted the whole paragraph

    def accepted(self) -> str:
        return "".join(r.text for r in self.runs if r.op != DELETE)

    def rejected(self) -> str:
        return "".join(r.text for r in self.runs if r.op != INSERT)


@dataclass
class Comparison:
    document: Document
    older: RevisionText
    newer: RevisionText
    lang: str
    paragraphs: list[TrackedParagraph]


def _label_of(number: str | None) -> str:
    """The printed label of a dotted number: '6.b' -> 'b.', 'PP2' -> ''."""
    if not number or number.startswith("PP"):
        return ""
    return number.rsplit(".", 1)[-1] + "."


def compare(
    document: Document,
    from_label: str | None = None,
    to_label: str | None = None,
    lang: str | None = None,
) -> Comparison:
    """Tracked changes from revision `from_label` (default: the latest revision that reads
    differently) to `to_label` (default: the current text)."""
    lang = lang or document.languages[0]
    to_label = to_label or CURRENT
    from_label = from_label or default_from(document, to_label, lang=lang)
    change_set = changes.change_set(document, from_label, to_label, lang)
    older = text_at(document, from_label)
    newer = text_at(document, to_label)
    names = dict(db.session.execute(select(Delegation.code, Delegation.name)).all())
    old_rows, new_rows = older.by_id(), newer.by_id()
    fallback_time = newer.taken_at

    accepted: dict[str, changes.Acceptance] = {}

    def author(code: str | None, at: datetime | None, change_id: str | None = None) -> Author:
        moment = clock.as_utc(at) if at else fallback_time
        review = accepted.get(change_id) if change_id else None
        by = f"{review.name} ({review.code})" if review else ""
        if not code:
            return Author("", "Unknown", moment, by)
        return Author(code, names.get(code, code), moment, by)

    numbering = Author("", NUMBERING, fallback_time)
    tracked: list[TrackedParagraph] = []
    for entry in change_set.paragraphs:
        accepted = entry.accepted  # read by author()
        runs = [
            TrackedRun(
                r.op, r.text, None if r.op == EQUAL else author(r.delegation, r.at, r.change_id)
            )
            for r in entry.changes()
        ]
        if entry.change == "deleted":
            row = old_rows.get(entry.id)
            if row is None:
                continue
            who = next((r.author for r in runs if r.author), None) or numbering
            label_runs = [TrackedRun(DELETE, row.label, who)] if row.label else []
            tracked.append(TrackedParagraph(entry.id, "deleted", row, runs, label_runs, who))
            continue
        row = new_rows.get(entry.id)
        if row is None:
            continue
        if entry.change == "inserted":
            who = next((r.author for r in runs if r.author), None) or numbering
            label_runs = [TrackedRun(INSERT, row.label, who)] if row.label else []
            tracked.append(TrackedParagraph(entry.id, "inserted", row, runs, label_runs, who))
            continue
        before = old_rows.get(entry.id)
        former = before.label if before else _label_of(entry.former_number)
        label_runs = [TrackedRun(EQUAL, row.label, None)] if row.label else []
        if former != row.label:
            label_runs = [
                *([TrackedRun(DELETE, former, numbering)] if former else []),
                *([TrackedRun(INSERT, row.label, numbering)] if row.label else []),
            ]
        tracked.append(TrackedParagraph(entry.id, "same", row, runs, label_runs))
    return Comparison(document, older, newer, lang, tracked)


def heading(comparison: Comparison) -> str:
    """'Changes from Rev.1 to the current text', in the language of the text."""
    with force_locale(comparison.lang):
        newer = comparison.newer.label
        return gettext(
            "Changes from %(older)s to %(newer)s",
            older=comparison.older.label,
            newer=gettext("the current text") if newer == CURRENT else newer,
        )
