"""A delegation's marked-up Word file (tracked changes made in Word on one of our exports)
turned into amendments attributed to that delegation.

Matching: every exported paragraph carries a bookmark `para<id>_v<version>`, which Word and
LibreOffice keep through editing; it names the paragraph and the version the delegation
read, so the amendment's base is exactly the text they changed, even if the text has moved
on since. Paragraphs that lost their bookmark (retyped, pasted) are matched by the number
label at their start ("6." / "b.") within the tree, the way a reader would. What is left
with text is a new paragraph: an `insert` after the paragraph above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Amendment, AmendmentText, Document, User, Version
from drafting.models.amendments import AmendmentStatus
from drafting.services import amendments
from drafting.services.documents import ParagraphView, paragraphs_of, tree
from drafting.services.errors import BadInput
from drafting.services.exports.docx import BOOKMARK, IDENTIFIER
from drafting.services.exports.wordml import (
    accepted_text,
    body_paragraphs,
    bookmarks_of,
    mark_of,
    open_docx,
    rejected_text,
    w,
)

LABEL = re.compile(r"^\s*(?P<label>[0-9]{1,3}|[a-z]{1,4}|[A-Z]{1,3})[.)]\s*\t?\s*")
HEADER_STYLES = {"DocumentSymbol", "DocumentTitle", "DocumentStatus"}
LEVEL_STYLE = re.compile(r"^ParagraphLevel(\d)$")


@dataclass
class MarkedParagraph:
    """One paragraph of the uploaded file."""

    accepted: str
    rejected: str
    mark: str | None  # "inserted" / "deleted" when the paragraph mark is a tracked change
    style: str
    paragraph_id: int | None = None
    version_seq: int | None = None

    @property
    def depth(self) -> int | None:
        match = LEVEL_STYLE.match(self.style)
        return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Filed:
    amendment: Amendment
    number: str


def read(data: bytes) -> tuple[list[MarkedParagraph], str]:
    """The paragraphs of a marked-up file and its identifier (core property)."""
    word = open_docx(data)
    out = []
    for p in body_paragraphs(word.element):
        style = p.find(f"{w('pPr')}/{w('pStyle')}")
        marked = MarkedParagraph(
            accepted_text(p),
            rejected_text(p),
            mark_of(p),
            style.get(w("val"), "") if style is not None else "",
        )
        for name in bookmarks_of(p):
            match = BOOKMARK.match(name)
            if match:
                marked.paragraph_id = int(match["id"])
                marked.version_seq = int(match["version"])
                break
        out.append(marked)
    return out, word.core_properties.identifier or ""


def strip_label(text: str, expected: str | None) -> str:
    """The paragraph text without the number we printed at its start ("6." tab)."""
    match = LABEL.match(text)
    if match and (expected is None or f"{match['label']}." == expected or "\t" in match.group()):
        return text[match.end() :]
    return text.lstrip("\t")


def _version(paragraph_id: int, lang: str, seq: int | None) -> Version | None:
    if seq is None:
        return None
    return db.session.scalar(
        select(Version).where(
            Version.paragraph_id == paragraph_id, Version.lang == lang, Version.seq == seq
        )
    )


class _Matcher:
    """Finds which of our paragraphs an uploaded paragraph is."""

    def __init__(self, views: list[ParagraphView]) -> None:
        self.views = views
        self.by_id = {v.id: v for v in views}
        self.by_number = {v.number: v for v in views}
        self.used: set[int] = set()
        self.last: ParagraphView | None = None

    def match(self, marked: MarkedParagraph) -> ParagraphView | None:
        view = self.by_id.get(marked.paragraph_id) if marked.paragraph_id else None
        if view is None:
            view = self._by_label(marked)
        if view is not None and view.id not in self.used:
            self.used.add(view.id)
            self.last = view
            return view
        return None

    def _by_label(self, marked: MarkedParagraph) -> ParagraphView | None:
        text = marked.rejected if marked.mark != "inserted" else ""
        found = LABEL.match(text)
        if not found:
            return None
        label = found["label"]
        # A sibling, a child or a sibling of an ancestor of the last matched paragraph.
        path = self.last.number.split(".") if self.last and self.last.section == "operative" else []
        for cut in range(len(path), -1, -1):
            candidate = ".".join([*path[:cut], label])
            view = self.by_number.get(candidate)
            if view is not None and view.id not in self.used:
                return view
        return None


@dataclass
class Planned:
    """One amendment a marked-up file would file: shown in the preview, filed if chosen."""

    index: int
    number: str  # the paragraph it amends (or the one a new paragraph follows)
    kind: str
    old: str
    new: str
    proposal: dict
    base: Version | None
    duplicate: bool = False  # that delegation already filed exactly this, on the same base

    def as_json(self) -> dict:
        return {
            "index": self.index,
            "paragraph": self.number,
            "kind": self.kind,
            "old": self.old,
            "new": self.new,
            "duplicate": self.duplicate,
        }


def plan_markup(
    document: Document, user: User, data: bytes, *, filename: str = "", lang: str | None = None
) -> list[Planned]:
    """The amendments a marked-up file holds, filed nowhere: `modify` (text with every
    change accepted, based on the version they read), `delete` (the whole paragraph
    deleted) or `insert` (a new paragraph).

    A file the app did not produce (no identifier, no bookmarks) is matched by labels only,
    and only its real tracked changes count: retyped labels or spacing are no amendment."""
    paragraphs, ident = read(data)
    found = IDENTIFIER.match(ident)
    if found and int(found["id"]) != document.id:
        raise BadInput(
            f"this file was exported from document {found['id']}, not {document.id}",
        )
    lang = lang or (found.group(3) if found else None) or document.languages[0]
    if lang not in document.languages:
        raise BadInput(f"lang must be one of {', '.join(document.languages)}")
    ours = bool(found) or any(marked.paragraph_id for marked in paragraphs)
    views = tree(document)
    known = {p.id for p in paragraphs_of(document)}
    matcher = _Matcher(views)
    rationale = f"Marked-up Word file {filename}".strip() if filename else "Marked-up Word file"
    planned: list[Planned] = []

    def plan(number: str, kind: str, old: str, new: str, proposal: dict, base=None) -> None:
        planned.append(Planned(len(planned), number, kind, old, new, proposal, base))

    for marked in paragraphs:
        if marked.style in HEADER_STYLES:
            continue
        tracked = marked.mark is not None or marked.accepted != marked.rejected
        view = matcher.match(marked)
        if not ours and not tracked:
            continue
        if view is None and marked.paragraph_id in known:
            continue  # ours, but deleted since the export: nothing to amend
        if view is None:
            insertion = _insertion(document, marked, matcher.last, lang, rationale)
            if insertion:
                plan(insertion[0], "insert", "", insertion[1]["text"], insertion[1])
            continue
        base = _version(view.id, lang, marked.version_seq) or view.versions.get(lang)
        base_text = base.text if base else ""
        label = view.label or None
        text = strip_label(marked.accepted, label).strip()
        if marked.mark == "deleted" and not text:
            plan(view.number, "delete", base_text, "", {"kind": "delete", "paragraph_id": view.id,
                 "lang": lang, "rationale": rationale})  # fmt: skip
            continue
        if text == base_text.strip():
            continue
        current = view.versions.get(lang)
        if current is not None and current.text.strip() == text:
            continue  # the text already says this (someone made the same change meanwhile)
        proposal = {"kind": "modify", "paragraph_id": view.id, "lang": lang, "text": text,
                    "rationale": rationale}  # fmt: skip
        plan(view.number, "modify", base_text, text, proposal, base)
    if not planned:
        raise BadInput("the file holds no change to this document's text")
    filed_before = _filed_by(document, user)
    for entry in planned:
        entry.duplicate = _key(entry, views) in filed_before
    return planned


def _key(entry: Planned, views: list[ParagraphView]) -> tuple:
    """What makes two amendments the same: kind, paragraph, place, wording and base."""
    proposal = entry.proposal
    base = entry.base
    if base is None and entry.kind != "insert":
        view = next((v for v in views if v.id == proposal["paragraph_id"]), None)
        base = view.versions.get(proposal["lang"]) if view else None
    return (
        entry.kind,
        proposal["paragraph_id"],
        proposal.get("position") == "child",
        proposal["lang"],
        (proposal.get("text") or "").strip(),
        base.id if base is not None and entry.kind != "insert" else None,
    )


def _filed_by(document: Document, user: User) -> set[tuple]:
    """The amendments the user's delegation has standing on this document, as _key tuples."""
    rows = db.session.execute(
        select(Amendment, AmendmentText)
        .join(AmendmentText, AmendmentText.amendment_id == Amendment.id)
        .where(
            Amendment.document_id == document.id,
            Amendment.delegation_id == user.delegation_id,
            Amendment.status != AmendmentStatus.WITHDRAWN,
        )
    )
    return {
        (
            amendment.kind.value,
            amendment.paragraph_id,
            amendment.as_child,
            text.lang,
            text.text.strip(),
            text.base_version_id,
        )
        for amendment, text in rows
    }


def import_markup(
    document: Document,
    user: User,
    data: bytes,
    *,
    filename: str = "",
    lang: str | None = None,
    chosen: set[int] | None = None,
) -> tuple[list[Filed], list[Planned]]:
    """File the amendments the file holds (those `chosen` by index, else all), except the
    ones that delegation has already filed: uploading the same file twice files nothing new.
    Returns what was filed and what was skipped as already filed. Nothing is filed unless
    every amendment is valid."""
    planned = plan_markup(document, user, data, filename=filename, lang=lang)
    if chosen is not None:
        unknown = chosen - {entry.index for entry in planned}
        if unknown:
            raise BadInput(f"the file holds no amendment number {min(unknown)}")
        planned = [entry for entry in planned if entry.index in chosen]
        if not planned:
            raise BadInput("choose at least one amendment to file")
    filed = [
        _file(document, user, entry.proposal, entry.number, entry.base)
        for entry in planned
        if not entry.duplicate
    ]
    return filed, [entry for entry in planned if entry.duplicate]


def _insertion(
    document: Document, marked: MarkedParagraph, after: ParagraphView | None, lang: str,
    rationale: str,
) -> tuple[str, dict] | None:  # fmt: skip
    """A new paragraph the file adds, as (number it follows, proposal), or None."""
    text = strip_label(marked.accepted, None).strip()
    if not text or after is None or marked.mark == "deleted":
        return None
    views = {v.id: v for v in tree(document)}
    if marked.mark != "inserted" and any(
        (v.text.get(lang) or "").strip() == text for v in views.values()
    ):
        return None  # an existing paragraph that lost its bookmark and label, not a new one
    depth = marked.depth or _depth_from_label(marked.accepted) or after.depth
    position = "child" if depth > after.depth and after.section == "operative" else "after"
    anchor = after
    while position == "after" and anchor.depth > depth and anchor.parent_id in views:
        anchor = views[anchor.parent_id]
    data = {"kind": "insert", "paragraph_id": anchor.id, "position": position, "lang": lang,
            "text": text, "rationale": rationale}  # fmt: skip
    return anchor.number, data


def _depth_from_label(text: str) -> int | None:
    match = LABEL.match(text)
    if not match:
        return None
    label = match["label"]
    if label.isdigit():
        return 1
    if set(label) <= set("ivxlc"):
        return 3
    return 2


def _file(document, user, data, number: str, base: Version | None) -> Filed:
    amendment = amendments.file(document, user, amendments.parse_proposal(document, data))
    if base is not None:
        # Written against the version the delegation read, so the three-way merge on
        # acceptance keeps whatever changed since the export.
        for text in amendment.texts:
            if text.lang == base.lang and text.base_version_id != base.id:
                text.base_version_id = base.id
        db.session.flush()
    return Filed(amendment, number)
