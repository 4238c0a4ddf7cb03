"""Reviewing tracked changes one by one, as in a word processor: accept a change (it stays,
attributed, and is no longer pending) or reject it (a new version of the paragraph without
it, every other change intact); and suggestions, a delegate's wording typed into the text
that waits, as a pending change, until the committee or the PPT accepts it.

A change is named by the id the changes answer gives it (see `changes.ChangeRun`); the
version in the id says which paragraph and language it is in, so one paragraph's changes
are computed to find it, not the whole document's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from drafting import clock
from drafting.database import lock_row
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Amendment, ChangeReview, Document, Paragraph, User, Version
from drafting.models.base import MAX_ID
from drafting.models.text import VersionSource
from drafting.services import amendments, audit, changes, merging
from drafting.services.errors import BadInput, Conflict, NotFound
from drafting.services.paragraphs import (
    Saved,
    latest,
    paragraph_of,
    store_version,
    validate_text,
)
from drafting.text import textdiff

CHANGE_ID = re.compile(r"(?P<kind>[ids])(?P<id>\d{1,12})(?:\.(?P<pos>\d{1,9}))?")


@dataclass(frozen=True)
class Found:
    """A pending change and where it is."""

    paragraph: Paragraph
    lang: str
    change: changes.ChangeRun
    entry: changes.ParagraphChanges


def _version_of(document: Document, change_id: object) -> tuple[str, Version | None, int]:
    """The kind of a change id, the version it names (None if none) and its number."""
    if not isinstance(change_id, str) or (match := CHANGE_ID.fullmatch(change_id)) is None:
        raise NotFound("change not found")
    number = int(match["id"])
    if not 0 < number <= MAX_ID:
        raise NotFound("change not found")
    return match["kind"], db.session.get(Version, number), number


def find(
    document: Document, change_id: object, from_label: str | None, *, lock: bool = False
) -> Found:
    """The change `change_id` in the changes since `from_label` (default: the latest
    circulated revision); 404 if there is none by that id. With `lock`, its paragraph is
    locked first, so the changes are read as no concurrent edit can change them."""
    kind, version, _ = _version_of(document, change_id)
    if kind == "s" or version is None or version.paragraph.document_id != document.id:
        raise NotFound("change not found")
    if lock:
        lock_row(Paragraph, version.paragraph_id)
    change_set = changes.change_set(
        document, from_label, None, version.lang, paragraph_ids={version.paragraph_id}
    )
    for entry in change_set.paragraphs:
        for run in entry.changes():
            if run.change_id == change_id:
                return Found(version.paragraph, version.lang, run, entry)
    raise NotFound("change not found")


def _suggestion(document: Document, change_id: str) -> Amendment:
    """The pending suggestion `s<id>` of this document (404 otherwise, 409 once decided)."""
    _, _, number = _version_of(document, change_id)
    amendment = db.session.get(Amendment, number)
    if amendment is None or amendment.document_id != document.id or not amendment.suggestion:
        raise NotFound("change not found")
    amendments.require_pending(amendment)
    return amendment


def _announce(document: Document, user: User, found: Found, decision: str, **extra: Any) -> None:
    publish(
        db.session,
        document.id,
        "change_reviewed",
        {
            "paragraph_id": found.paragraph.id,
            "lang": found.lang,
            "change_id": found.change.change_id,
            "decision": decision,
            "by": user.delegation.code,
            "by_name": user.name,
            **extra,
        },
    )


def accept(document: Document, user: User, change_id: object, from_label: str | None) -> dict:
    """Mark a change accepted: the text stays as it is, the change stays attributed to whoever
    made it and now also names who accepted it. A suggestion is applied (as an amendment)."""
    if document.is_adopted:
        raise Conflict("the document is adopted and can no longer change")
    if isinstance(change_id, str) and change_id.startswith("s"):
        amendment = _suggestion(document, change_id)
        merging.decide(document, amendment.id, user, merging.Verdict(accept=True))
        return {"change_id": change_id, "decision": changes.ACCEPTED}
    found = find(document, change_id, from_label)
    if found.change.change_id in found.entry.accepted:
        raise Conflict("the change is already accepted")
    _record(document, user, found, changes.ACCEPTED, None)
    _announce(document, user, found, changes.ACCEPTED)
    changes.announce(document, found.paragraph.id, found.lang)
    return {"change_id": found.change.change_id, "decision": changes.ACCEPTED}


def reject(document: Document, user: User, change_id: object, from_label: str | None) -> dict:
    """Take a change out: a new version of its paragraph (source `revert`, by the caller) in
    which an insertion is gone and a deletion is back; other changes stay as they are. Live
    editors carry their unsent keystrokes over onto it like any concurrent edit."""
    if document.is_adopted:
        raise Conflict("the document is adopted and can no longer change")
    if isinstance(change_id, str) and change_id.startswith("s"):
        amendment = _suggestion(document, change_id)
        merging.decide(document, amendment.id, user, merging.Verdict(accept=False))
        current = latest(amendment.paragraph_id, amendment.texts[0].lang)
        return {
            "change_id": change_id,
            "decision": changes.REJECTED,
            "version": current.seq if current else 0,
        }
    found = find(document, change_id, from_label, lock=True)
    current = latest(found.paragraph.id, found.lang)
    pieces: list[str] = []
    for run in found.entry.changes():
        # deleted text comes back only if it is the rejected change; the rest of the text
        # (equal and inserted) stays unless it is the rejected insertion
        rejected = run.change_id == found.change.change_id
        if (run.op == changes.DELETE) == rejected:
            pieces.append(run.text)
    text = "".join(pieces)
    now = "".join(r.text for r in found.entry.runs if r.op != changes.DELETE)
    if current is None or current.text != now:
        raise Conflict("the paragraph changed meanwhile; try again")
    try:
        validate_text(document, found.lang, text)
    except BadInput as error:
        raise Conflict(f"rejecting this change alone would leave {error.message}") from None
    version = store_version(
        document,
        found.paragraph,
        user,
        found.lang,
        text,
        source=VersionSource.REVERT,
        base=current,
        audited=False,
    )
    _record(document, user, found, changes.REJECTED, version)
    saved = Saved(version, textdiff.make_patch(current.text, text), current.text)
    publish(db.session, document.id, "paragraph_updated", saved.broadcast(user))
    _announce(document, user, found, changes.REJECTED, version=version.seq)
    changes.announce(document, found.paragraph.id, found.lang)
    return {
        "change_id": found.change.change_id,
        "decision": changes.REJECTED,
        "version": version.seq,
    }


def _record(
    document: Document, user: User, found: Found, decision: str, version: Version | None
) -> None:
    db.session.add(
        ChangeReview(
            document_id=document.id,
            paragraph_id=found.paragraph.id,
            lang=found.lang,
            change_id=found.change.change_id,
            decision=decision,
            user_id=user.id,
            delegation_id=user.delegation_id,
            version_id=version.id if version else None,
            created_at=clock.now(),
        )
    )
    audit.record(
        "change_reviewed",
        document=document,
        user=user,
        rows=[version] if version else [],
        layout=version is not None,
        paragraph_id=found.paragraph.id,
        lang=found.lang,
        change_id=found.change.change_id,
        decision=decision,
        op=found.change.op,
        author=found.change.delegation,
        text=found.change.text,
        version=version.seq if version else None,
    )


@dataclass(frozen=True)
class SuggestionRequest:
    """A checked suggestion: the paragraph, its language, the wording, the version seen."""

    paragraph: Paragraph
    lang: str
    text: str
    base_version: int


def parse_suggestion(
    document: Document, paragraph_id: object, data: dict[str, Any]
) -> SuggestionRequest:
    """Check the request before anyone's rights are (400 / 404 whoever asks)."""
    paragraph = paragraph_of(document, paragraph_id)
    lang = data.get("lang") or document.languages[0]
    if not isinstance(lang, str):
        raise BadInput("lang must be a language code")
    base_version = data.get("base_version")
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 0:
        raise BadInput("base_version must be the version number the text was written against")
    text = validate_text(document, lang, data.get("text"))
    return SuggestionRequest(paragraph, lang, text, base_version)


def suggest(document: Document, user: User, request: SuggestionRequest) -> int:
    """File a delegate's wording of a paragraph as a suggestion: a pending change of the text
    (an amendment marked as typed in), decided like any change."""
    current = latest(request.paragraph.id, request.lang)
    current_seq = current.seq if current else 0
    if request.base_version != current_seq:
        raise Conflict(
            f"the paragraph is at version {current_seq}, not {request.base_version}",
            current={"text": current.text if current else "", "version": current_seq},
        )
    proposal = amendments.parse_proposal(
        document,
        {
            "kind": "modify",
            "paragraph_id": request.paragraph.id,
            "lang": request.lang,
            "text": request.text,
        },
        suggestion=True,  # typed into the text: no rationale asked
    )
    amendment = amendments.file(document, user, proposal, suggestion=True)
    return amendment.id
