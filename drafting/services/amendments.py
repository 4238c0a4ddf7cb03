"""Amendments: filing, co-sponsoring, withdrawing and deciding them.

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
from sqlalchemy.orm import selectinload

from drafting import clock
from drafting.database import lock_row, locked
from drafting.events import publish
from drafting.extensions import db
from drafting.models import (
    Amendment,
    AmendmentText,
    CoSponsor,
    Delegation,
    Document,
    Paragraph,
    User,
    Version,
)
from drafting.models.amendments import AmendmentKind, AmendmentStatus
from drafting.models.text import ParagraphStatus, VersionSource
from drafting.policy import can_withdraw
from drafting.services import audit
from drafting.services.documents import numbers, paragraphs_of
from drafting.services.errors import BadInput, Conflict, Forbidden, NotFound
from drafting.services.paragraphs import (
    latest,
    latest_by_lang,
    paragraph_of,
    store_version,
    validate_text,
)
from drafting.text import textdiff

MAX_RATIONALE = 5_000
MAX_NOTE = 2_000
POSITIONS = ("after", "child")


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def primary_text(amendment: Amendment) -> AmendmentText | None:
    """The wording in the language it was filed in (the first text stored)."""
    return min(amendment.texts, key=lambda t: t.id) if amendment.texts else None


def for_document(
    document: Document,
    *,
    delegation: str | None = None,
    status: str | None = None,
    paragraph_id: int | None = None,
) -> list[Amendment]:
    """The document's amendments, oldest first, optionally filtered."""
    query = (
        select(Amendment)
        .where(Amendment.document_id == document.id)
        .options(selectinload(Amendment.texts), selectinload(Amendment.co_sponsors))
        .order_by(Amendment.id)
    )
    if delegation:
        query = query.join(Delegation, Delegation.id == Amendment.delegation_id).where(
            Delegation.code == delegation
        )
    if status:
        try:
            query = query.where(Amendment.status == AmendmentStatus(status))
        except ValueError:
            raise BadInput(
                f"status must be one of {', '.join(s.value for s in AmendmentStatus)}"
            ) from None
    if paragraph_id is not None:
        query = query.where(Amendment.paragraph_id == paragraph_id)
    return list(db.session.scalars(query))


def _base_seqs(amendments: Iterable[Amendment]) -> dict[int, int]:
    """Version id -> seq for the base versions of these amendments, in one query."""
    ids = {t.base_version_id for a in amendments for t in a.texts if t.base_version_id}
    if not ids:
        return {}
    rows = db.session.execute(select(Version.id, Version.seq).where(Version.id.in_(ids)))
    return {vid: seq for vid, seq in rows}


def as_json(
    amendment: Amendment, number: str | None = None, seqs: dict[int, int] | None = None
) -> dict[str, Any]:
    """The amendment as the API and socket events carry it (SPEC §7 plus useful extras)."""
    first = primary_text(amendment)
    seqs = _base_seqs([amendment]) if seqs is None else seqs
    bases = {t.lang: seqs[t.base_version_id] for t in amendment.texts if t.base_version_id}
    return {
        "id": amendment.id,
        "document_id": amendment.document_id,
        "kind": amendment.kind.value,
        "paragraph_id": amendment.paragraph_id,
        "number": number,
        "position": ("child" if amendment.as_child else "after")
        if amendment.kind == AmendmentKind.INSERT
        else None,
        "delegation": amendment.delegation.code,
        "delegation_name": amendment.delegation.name,
        "status": amendment.status.value,
        "lang": first.lang if first else None,
        "text": first.text if first else "",
        "texts": {t.lang: t.text for t in amendment.texts},
        "base_version": bases,
        "co_sponsors": [c.delegation.code for c in amendment.co_sponsors],
        "rationale": amendment.rationale,
        "needs_review": amendment.needs_review,
        "revision": amendment.revision_label,
        "created_at": amendment.created_at.isoformat(),
        "decided_at": amendment.decided_at.isoformat() if amendment.decided_at else None,
        "decided_by": amendment.decided_by.delegation.code if amendment.decided_by else None,
        "note": amendment.decision_note,
        "created_paragraph_id": amendment.created_paragraph_id,
    }


# --------------------------------------------------------------------------------------------
# Filing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """A checked request to amend: texts per language, in the order given (first = main)."""

    kind: AmendmentKind
    paragraph: Paragraph
    texts: dict[str, str] = field(default_factory=dict)
    rationale: str = ""
    as_child: bool = False


def _text_field(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise BadInput(f"{name} must be a string")
    return value


def parse_proposal(document: Document, data: dict[str, Any]) -> Proposal:
    """Check an amendment request: kind, paragraph, language(s), wording, rationale."""
    try:
        kind = AmendmentKind(data.get("kind"))
    except ValueError:
        raise BadInput("kind must be one of modify, insert, delete") from None
    paragraph = paragraph_of(document, data.get("paragraph_id"))
    if paragraph.status == ParagraphStatus.DELETED:
        raise Conflict("the paragraph is deleted")
    lang = data.get("lang") or document.languages[0]
    if not isinstance(lang, str):
        raise BadInput("lang must be a language code")
    texts: dict[str, str] = {}
    if kind != AmendmentKind.DELETE:
        if data.get("text") is not None:
            texts[lang] = validate_text(document, lang, _text_field(data["text"], "text"))
        extra = data.get("texts") or {}
        if not isinstance(extra, dict):
            raise BadInput('texts must be an object such as {"en": "...", "es": "..."}')
        for code, text in extra.items():
            if code == lang and lang in texts:
                if text != texts[lang]:
                    raise BadInput(f"text and texts[{code!r}] differ")
                continue
            texts[code] = validate_text(document, code, _text_field(text, f"texts[{code!r}]"))
        if not texts:
            raise BadInput("text is required")
        if kind == AmendmentKind.INSERT and not any(t.strip() for t in texts.values()):
            raise BadInput("the new paragraph needs a text")
        if kind == AmendmentKind.MODIFY:
            current = latest_by_lang(paragraph.id)
            if all(current.get(code) and current[code].text == t for code, t in texts.items()):
                raise BadInput("the proposed text is the same as the current text")
    else:
        validate_text(document, lang, "")
        texts[lang] = ""
    rationale = data.get("rationale") or ""
    if not isinstance(rationale, str):
        raise BadInput("rationale must be a string")
    if len(rationale) > MAX_RATIONALE:
        raise BadInput(f"the rationale may hold at most {MAX_RATIONALE} characters")
    position = data.get("position", "after")
    if kind == AmendmentKind.INSERT and position not in POSITIONS:
        raise BadInput('position must be "after" or "child"')
    return Proposal(
        kind=kind,
        paragraph=paragraph,
        texts=texts,
        rationale=rationale.strip(),
        as_child=kind == AmendmentKind.INSERT and position == "child",
    )


def file(document: Document, user: User, proposal: Proposal) -> Amendment:
    """Store the amendment written against the paragraph's current versions (its base)."""
    current = latest_by_lang(proposal.paragraph.id)
    revision = document.current_revision
    amendment = Amendment(
        document_id=document.id,
        kind=proposal.kind,
        paragraph_id=proposal.paragraph.id,
        as_child=proposal.as_child,
        delegation_id=user.delegation_id,
        author_id=user.id,
        rationale=proposal.rationale,
        status=AmendmentStatus.SUBMITTED,
        revision_label=revision.label if revision else None,
        created_at=clock.now(),
    )
    db.session.add(amendment)
    db.session.flush()
    for lang, text in proposal.texts.items():
        base = current.get(lang) if proposal.kind != AmendmentKind.INSERT else None
        db.session.add(
            AmendmentText(
                amendment_id=amendment.id,
                lang=lang,
                text=text,
                base_version_id=base.id if base else None,
            )
        )
        db.session.flush()  # ids keep the order given: the first text is the main one
    db.session.refresh(amendment)
    audit.record(
        "amendment_filed",
        document=document,
        user=user,
        amendment_id=amendment.id,
        kind=amendment.kind.value,
        paragraph_id=amendment.paragraph_id,
        languages=list(proposal.texts),
    )
    _announce(document, amendment)
    return amendment


# --------------------------------------------------------------------------------------------
# Co-sponsoring and withdrawing
# --------------------------------------------------------------------------------------------


def _require_pending(amendment: Amendment) -> None:
    if not amendment.is_pending:
        raise Conflict(f"the amendment is already {amendment.status.value}")


def co_sponsor(document: Document, amendment: Amendment, user: User) -> Amendment:
    """Add the user's delegation as co-sponsor; joining twice changes nothing."""
    _require_pending(amendment)
    if amendment.delegation_id == user.delegation_id:
        raise Conflict("your delegation proposed this amendment")
    if any(c.delegation_id == user.delegation_id for c in amendment.co_sponsors):
        return amendment
    db.session.add(
        CoSponsor(
            amendment_id=amendment.id,
            delegation_id=user.delegation_id,
            user_id=user.id,
            created_at=clock.now(),
        )
    )
    db.session.flush()
    db.session.refresh(amendment)
    audit.record("amendment_co_sponsored", document=document, user=user, amendment_id=amendment.id)
    _announce(document, amendment)
    return amendment


def withdraw(document: Document, amendment: Amendment, user: User) -> Amendment:
    """The proposing delegation takes its pending amendment back."""
    decision = can_withdraw(user, amendment.delegation_id)
    if not decision.allowed:
        raise Forbidden(decision.reasons)
    _require_pending(amendment)
    amendment.status = AmendmentStatus.WITHDRAWN
    amendment.decided_by_id = user.id
    amendment.decided_at = clock.now()
    audit.record("amendment_withdrawn", document=document, user=user, amendment_id=amendment.id)
    _announce(document, amendment)
    return amendment


# --------------------------------------------------------------------------------------------
# Deciding
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A checked decision: accept (optionally with the committee's own wording) or reject."""

    accept: bool
    note: str | None = None
    edited: dict[str, str] = field(default_factory=dict)


def parse_decision(document: Document, amendment: Amendment, data: dict[str, Any]) -> Decision:
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
        edited[lang] = validate_text(document, lang, _text_field(data["text"], "text"))
    extra = data.get("texts") or {}
    if not isinstance(extra, dict):
        raise BadInput("texts must be an object of language → text")
    for code, text in extra.items():
        edited[code] = validate_text(document, code, _text_field(text, f"texts[{code!r}]"))
    if edited and verdict == "reject":
        raise BadInput("a rejection carries no text")
    if edited and amendment.kind == AmendmentKind.DELETE:
        raise BadInput("a deletion cannot be accepted with changes; reject it or accept it")
    return Decision(verdict == "accept", (note or "").strip() or None, edited)


@dataclass(frozen=True)
class MergeOutcome:
    """What accepting a modify would store, per language; conflicts keep the three texts."""

    texts: dict[str, str]
    conflicts: dict[str, textdiff.Conflict]
    current: dict[str, Version | None]


def preview(amendment: Amendment, edited: dict[str, str] | None = None) -> MergeOutcome:
    """The three-way merge of every language of a modify amendment, without storing."""
    edited = edited or {}
    texts: dict[str, str] = {}
    conflicts: dict[str, textdiff.Conflict] = {}
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
        if isinstance(result, textdiff.Conflict):
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


def decide(document: Document, amendment_id: int, user: User, decision: Decision) -> Amendment:
    """Accept or reject a pending amendment; accepting stores new versions attributed to the
    proposing delegation, or changes nothing and raises a 409 with the conflict."""
    amendment = locked(Amendment, amendment_id)
    if amendment is None or amendment.document_id != document.id:
        raise NotFound("amendment not found")
    _require_pending(amendment)
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
    return amendment


def _close(
    document: Document,
    amendment: Amendment,
    user: User,
    status: AmendmentStatus,
    note: str | None,
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
        amendment_id=amendment.id,
        decision=status.value,
        note=note,
    )
    _announce(document, amendment)


def _accept_modify(
    document: Document,
    paragraph: Paragraph,
    amendment: Amendment,
    user: User,
    decision: Decision,
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
    for lang, text in outcome.texts.items():
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
            "status": paragraph.status.value,
            "author": amendment.delegation.code,
            "author_name": user.name,
            "amendment_id": amendment.id,
        },
    )
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
    decision: Decision,
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
    for lang, text in texts.items():
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
            _announce(document, other)


def _announce(document: Document, amendment: Amendment) -> None:
    db.session.flush()
    number = numbers(document).get(amendment.paragraph_id)
    publish(
        db.session,
        document.id,
        "amendment",
        as_json(amendment, number.number if number else None),
    )


def listing(amendments: list[Amendment], document: Document) -> list[dict[str, Any]]:
    """Many amendments as JSON with their paragraphs' current numbers, in few queries."""
    numbered = numbers(document)
    seqs = _base_seqs(amendments)
    return [
        as_json(
            a,
            numbered[a.paragraph_id].number if a.paragraph_id in numbered else None,
            seqs,
        )
        for a in amendments
    ]


@dataclass(frozen=True)
class AmendmentView:
    """An amendment ready to show: its JSON, paragraph number and proposed change as a diff
    of its base text (deletions and insertions in the language it was filed in)."""

    amendment: Amendment
    data: dict[str, Any]
    base_text: str
    ops: list[tuple[int, str]]

    @property
    def pending(self) -> bool:
        return self.amendment.is_pending


def views(amendments: list[Amendment], document: Document) -> list[AmendmentView]:
    base_ids = {t.base_version_id for a in amendments for t in a.texts if t.base_version_id}
    bases = (
        {
            vid: text
            for vid, text in db.session.execute(
                select(Version.id, Version.text).where(Version.id.in_(base_ids))
            )
        }
        if base_ids
        else {}
    )
    out = []
    for amendment, data in zip(amendments, listing(amendments, document), strict=True):
        first = primary_text(amendment)
        base = bases.get(first.base_version_id, "") if first and first.base_version_id else ""
        proposed = first.text if first else ""
        if amendment.kind == AmendmentKind.INSERT:
            ops = [(textdiff.INSERT, proposed)]
        elif amendment.kind == AmendmentKind.DELETE:
            ops = [(textdiff.DELETE, base)] if base else []
        else:
            ops = textdiff.diff(base, proposed)
        out.append(AmendmentView(amendment, data, base, ops))
    return out
