"""Deciding amendments: accept (as proposed or with the committee's wording) or reject.

Accepting a `modify` is a three-way merge (textdiff.merge) of the amendment's base version,
its proposed wording and the paragraph's current text: concurrent edits elsewhere in the
paragraph survive, a clash leaves everything unchanged and answers the three texts so the
committee can merge by hand ("accept with changes").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from drafting import clock
from drafting.database import lock_row, locked
from drafting.events import publish
from drafting.extensions import db
from drafting.models import (
    Amendment,
    Document,
    Paragraph,
    User,
    Version,
)
from drafting.models.amendments import AmendmentKind, AmendmentStatus
from drafting.models.text import ParagraphStatus, VersionSource
from drafting.services import audit, changes, notifications
from drafting.services.amendments import (
    announce,
    primary_text,
    require_pending,
    text_field,
)
from drafting.services.documents import paragraphs_of
from drafting.services.errors import BadInput, Conflict, NotFound
from drafting.services.paragraphs import (
    badges,
    latest,
    source_first,
    store_version,
    validate_text,
)
from drafting.text import textdiff

MAX_NOTE = 2_000


@dataclass(frozen=True)
class Verdict:
    """A checked decision: accept (optionally with the committee's own wording) or reject."""

    accept: bool
    note: str | None = None
    edited: dict[str, str] = field(default_factory=dict)


def parse_decision(document: Document, amendment: Amendment, data: dict[str, Any]) -> Verdict:
    verdict = data.get("decision")
    if verdict not in ("accept", "reject"):
        raise BadInput('decision must be "accept" or "reject"')
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise BadInput("note must be a string")
    if note and len(note) > MAX_NOTE:
        raise BadInput(f"the note may hold at most {MAX_NOTE} characters")
    edited: dict[str, str] = {}
    main = primary_text(amendment)
    if data.get("text") is not None:
        lang = data.get("lang") or (main.lang if main else document.languages[0])
        if not isinstance(lang, str):
            raise BadInput("lang must be a language code")
        edited[lang] = validate_text(document, lang, text_field(data["text"], "text"))
    extra = data.get("texts") or {}
    if not isinstance(extra, dict):
        raise BadInput("texts must be an object of language → text")
    for code, text in extra.items():
        edited[code] = validate_text(document, code, text_field(text, f"texts[{code!r}]"))
    if edited and verdict == "reject":
        raise BadInput("a rejection carries no text")
    if edited and amendment.kind == AmendmentKind.DELETE:
        raise BadInput("a deletion cannot be accepted with changes; reject it or accept it")
    return Verdict(verdict == "accept", (note or "").strip() or None, edited)


@dataclass(frozen=True)
class MergeOutcome:
    """What accepting a modify would store, per language; conflicts keep the three texts."""

    texts: dict[str, str]
    conflicts: dict[str, textdiff.MergeConflict]
    current: dict[str, Version | None]


def preview(amendment: Amendment, edited: dict[str, str] | None = None) -> MergeOutcome:
    """The three-way merge of every language of a modify amendment, without storing."""
    edited = edited or {}
    texts: dict[str, str] = {}
    conflicts: dict[str, textdiff.MergeConflict] = {}
    current: dict[str, Version | None] = {}
    langs = [t.lang for t in sorted(amendment.texts, key=lambda t: t.id)]
    langs += [lang for lang in edited if lang not in langs]
    by_lang = {t.lang: t for t in amendment.texts}
    for lang in langs:
        now = latest(amendment.paragraph_id, lang)
        current[lang] = now
        if lang in edited:
            texts[lang] = edited[lang]
            continue
        proposed = by_lang[lang]
        base = (
            db.session.get(Version, proposed.base_version_id) if proposed.base_version_id else None
        )
        result = textdiff.merge(base.text if base else "", proposed.text, now.text if now else "")
        if isinstance(result, textdiff.MergeConflict):
            conflicts[lang] = result
        else:
            texts[lang] = result.text
    return MergeOutcome(texts, conflicts, current)


def conflict_payload(outcome: MergeOutcome) -> dict[str, Any]:
    """The 409 body: the first conflicting language at top level, every one under
    `conflicts`."""
    lang, first = next(iter(outcome.conflicts.items()))
    return {
        "lang": lang,
        "base": first.base,
        "current": first.current,
        "proposed": first.proposed,
        "failed_hunks": list(first.failed_hunks),
        "conflicts": {
            code: {"base": c.base, "current": c.current, "proposed": c.proposed}
            for code, c in outcome.conflicts.items()
        },
    }


def decide(document: Document, amendment_id: int, user: User, decision: Verdict) -> Amendment:
    """Accept or reject a pending amendment; accepting stores new versions attributed to the
    proposing delegation, or changes nothing and raises a 409 with the conflict."""
    amendment = locked(Amendment, amendment_id)
    if amendment is None or amendment.document_id != document.id:
        raise NotFound("amendment not found")
    require_pending(amendment)
    if document.is_adopted:
        raise Conflict("the document is adopted and can no longer change")
    if not decision.accept:
        _close(document, amendment, user, AmendmentStatus.REJECTED, decision.note)
        return amendment
    lock_row(Paragraph, amendment.paragraph_id)
    paragraph = db.session.get(Paragraph, amendment.paragraph_id)
    assert paragraph is not None
    if amendment.kind == AmendmentKind.MODIFY:
        _accept_modify(document, paragraph, amendment, user, decision)
    elif amendment.kind == AmendmentKind.DELETE:
        _accept_delete(document, paragraph, amendment, user)
    else:
        _accept_insert(document, paragraph, amendment, user, decision)
    status = AmendmentStatus.MERGED if decision.edited else AmendmentStatus.ACCEPTED
    _close(document, amendment, user, status, decision.note)
    supersede_replaced(document, amendment, user)
    return amendment


def _close(
    document: Document,
    amendment: Amendment,
    user: User,
    status: AmendmentStatus,
    note: str | None,
    **details: object,
) -> None:
    amendment.status = status
    amendment.needs_review = False
    amendment.decided_by_id = user.id
    amendment.decided_at = clock.now()
    amendment.decision_note = note
    db.session.flush()
    audit.record(
        "amendment_decided",
        document=document,
        user=user,
        decided=[amendment],
        layout=True,  # accepting may delete or insert paragraphs
        amendment_id=amendment.id,
        decision=status.value,
        note=note,
        **details,
    )
    notifications.amendment_decided(document, amendment, user)
    announce(document, amendment)


def _accept_modify(
    document: Document,
    paragraph: Paragraph,
    amendment: Amendment,
    user: User,
    decision: Verdict,
) -> None:
    if paragraph.status == ParagraphStatus.DELETED:
        raise Conflict("the paragraph has been deleted; reject the amendment")
    outcome = preview(amendment, decision.edited)
    if outcome.conflicts:
        raise Conflict(
            "the amendment changes words the current text also changed; merge it by hand",
            **conflict_payload(outcome),
        )
    for lang, text in outcome.texts.items():
        try:
            validate_text(document, lang, text)
        except BadInput as error:
            now = outcome.current[lang]
            proposed = next((t.text for t in amendment.texts if t.lang == lang), text)
            base = base_text(amendment, lang)
            raise Conflict(
                f"the merged {lang} text is not valid ({error.message}); merge it by hand",
                lang=lang,
                base=base,
                current=now.text if now else "",
                proposed=proposed,
                failed_hunks=[],
            ) from None
    for lang, text in source_first(document, outcome.texts):
        before = outcome.current[lang]
        if before is not None and before.text == text:
            continue
        _store(document, paragraph, amendment, user, lang, text, before)
    _flag_competitors(document, amendment, [paragraph.id])


def base_text(amendment: Amendment, lang: str) -> str:
    text = next((t for t in amendment.texts if t.lang == lang), None)
    if text is None or text.base_version_id is None:
        return ""
    base = db.session.get(Version, text.base_version_id)
    return base.text if base else ""


def _store(
    document: Document,
    paragraph: Paragraph,
    amendment: Amendment,
    user: User,
    lang: str,
    text: str,
    before: Version | None,
) -> Version:
    """A version from the amendment: typed by its proposer, stored by the deciding member."""
    version = store_version(
        document,
        paragraph,
        user,
        lang,
        text,
        source=VersionSource.AMENDMENT,
        amendment_id=amendment.id,
        base=before,
        delegation_id=amendment.delegation_id,
    )
    previous = before.text if before else ""
    publish(
        db.session,
        document.id,
        "paragraph_updated",
        {
            "paragraph_id": paragraph.id,
            "lang": lang,
            "version": version.seq,
            "patch": textdiff.make_patch(previous, text),
            "text": text,
            "author": amendment.delegation.code,
            "author_name": user.name,
            "amendment_id": amendment.id,
            **badges(paragraph),
        },
    )
    changes.announce(document, paragraph.id, lang)
    return version


def _descendants(document: Document, root_id: int) -> list[Paragraph]:
    """The paragraph and every paragraph under it."""
    children: dict[int | None, list[Paragraph]] = {}
    by_id = {}
    for p in paragraphs_of(document):
        children.setdefault(p.parent_id, []).append(p)
        by_id[p.id] = p
    out, stack = [], [by_id[root_id]]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p.id, []))
    return out


def _accept_delete(
    document: Document, paragraph: Paragraph, amendment: Amendment, user: User
) -> None:
    if paragraph.status == ParagraphStatus.DELETED:
        raise Conflict("the paragraph is already deleted")
    affected = _descendants(document, paragraph.id)
    for p in affected:
        if p.status == ParagraphStatus.DELETED:
            continue
        before = p.status
        p.status = ParagraphStatus.DELETED
        audit.record(
            "status",
            document=document,
            user=user,
            layout=True,
            from_state=before.value,
            to_state=ParagraphStatus.DELETED.value,
            paragraph_id=p.id,
            amendment_id=amendment.id,
        )
        publish(
            db.session,
            document.id,
            "status_changed",
            {"paragraph_id": p.id, "status": "deleted", "by": amendment.delegation.code},
        )
    _flag_competitors(document, amendment, [p.id for p in affected])


def _accept_insert(
    document: Document,
    target: Paragraph,
    amendment: Amendment,
    user: User,
    decision: Verdict,
) -> None:
    if target.status == ParagraphStatus.DELETED:
        raise Conflict("the paragraph it refers to has been deleted; reject the amendment")
    if amendment.as_child:
        parent_id = target.id
        siblings = [p for p in paragraphs_of(document) if p.parent_id == target.id]
        position = max((p.position for p in siblings), default=-1) + 1
    else:
        parent_id = target.parent_id
        position = target.position + 1
        for sibling in paragraphs_of(document):
            if (
                sibling.parent_id == parent_id
                and sibling.id != target.id
                and sibling.position >= position
            ):
                sibling.position += 1
    paragraph = Paragraph(
        document_id=document.id,
        parent_id=parent_id,
        position=position,
        section=target.section,
        status=ParagraphStatus.OPEN,
        created_at=clock.now(),
    )
    db.session.add(paragraph)
    db.session.flush()
    texts = {t.lang: t.text for t in sorted(amendment.texts, key=lambda t: t.id)}
    texts.update(decision.edited)
    for lang, text in source_first(document, texts):
        _store(document, paragraph, amendment, user, lang, text, None)
    amendment.created_paragraph_id = paragraph.id
    publish(
        db.session,
        document.id,
        "paragraph_inserted",
        {"paragraph_id": paragraph.id, "after": target.id, "as_child": amendment.as_child},
    )


def _flag_competitors(document: Document, accepted: Amendment, paragraph_ids: Iterable[int]):
    """Other pending amendments to the same text now need a second look; none is dropped."""
    ids = list(paragraph_ids)
    others = db.session.scalars(
        select(Amendment).where(
            Amendment.document_id == document.id,
            Amendment.paragraph_id.in_(ids),
            Amendment.status == AmendmentStatus.SUBMITTED,
            Amendment.kind != AmendmentKind.INSERT,
            Amendment.id != accepted.id,
        )
    )
    for other in others:
        if not other.needs_review:
            other.needs_review = True
            announce(document, other)


def supersede_replaced(document: Document, compromise: Amendment, user: User) -> None:
    """Accepting a compromise settles the rivals it replaces: still pending ones become
    `superseded`, each a decision audited with the compromise that settled it."""
    if not compromise.replaces:
        return
    rivals = db.session.scalars(
        select(Amendment).where(
            Amendment.id.in_(compromise.replaces),
            Amendment.document_id == document.id,
            Amendment.status == AmendmentStatus.SUBMITTED,
        )
    )
    for rival in list(rivals):
        _close(document, rival, user, AmendmentStatus.SUPERSEDED, None, superseded_by=compromise.id)
