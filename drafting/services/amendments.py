"""Amendments: reading, filing, co-sponsoring and withdrawing them. Deciding them (the
three-way merge) is services/merging.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from drafting import clock
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
from drafting.models.text import ParagraphStatus
from drafting.policy import can_withdraw
from drafting.services import audit
from drafting.services.documents import numbers
from drafting.services.errors import BadInput, Conflict, Forbidden
from drafting.services.paragraphs import (
    latest_by_lang,
    paragraph_of,
    validate_text,
)
from drafting.text import textdiff

MAX_RATIONALE = 5_000
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
        "suggestion": amendment.suggestion,
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


def text_field(value: object, name: str) -> str:
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
            texts[lang] = validate_text(document, lang, text_field(data["text"], "text"))
        extra = data.get("texts") or {}
        if not isinstance(extra, dict):
            raise BadInput('texts must be an object such as {"en": "...", "es": "..."}')
        for code, text in extra.items():
            if code == lang and lang in texts:
                if text != texts[lang]:
                    raise BadInput(f"text and texts[{code!r}] differ")
                continue
            texts[code] = validate_text(document, code, text_field(text, f"texts[{code!r}]"))
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


def file(
    document: Document, user: User, proposal: Proposal, *, suggestion: bool = False
) -> Amendment:
    """Store the amendment written against the paragraph's current versions (its base);
    a `suggestion` was typed into the text rather than filed (services/review.py)."""
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
        suggestion=suggestion,
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
    amendment.hash = amendment.content_hash()  # what was filed, texts included
    audit.record(
        "amendment_filed",
        document=document,
        user=user,
        rows=[amendment],
        decided=[amendment],
        amendment_id=amendment.id,
        kind=amendment.kind.value,
        paragraph_id=amendment.paragraph_id,
        languages=list(proposal.texts),
    )
    announce(document, amendment)
    return amendment


# --------------------------------------------------------------------------------------------
# Co-sponsoring and withdrawing
# --------------------------------------------------------------------------------------------


def require_pending(amendment: Amendment) -> None:
    if not amendment.is_pending:
        raise Conflict(f"the amendment is already {amendment.status.value}")


def co_sponsor(document: Document, amendment: Amendment, user: User) -> Amendment:
    """Add the user's delegation as co-sponsor; joining twice changes nothing."""
    require_pending(amendment)
    if amendment.delegation_id == user.delegation_id:
        raise Conflict("your delegation proposed this amendment")
    if any(c.delegation_id == user.delegation_id for c in amendment.co_sponsors):
        return amendment
    sponsor = CoSponsor(
        amendment_id=amendment.id,
        delegation_id=user.delegation_id,
        user_id=user.id,
        created_at=clock.now(),
    )
    db.session.add(sponsor)
    db.session.flush()
    db.session.refresh(amendment)
    audit.record(
        "amendment_co_sponsored",
        document=document,
        user=user,
        rows=[sponsor],
        amendment_id=amendment.id,
    )
    announce(document, amendment)
    return amendment


def withdraw(document: Document, amendment: Amendment, user: User) -> Amendment:
    """The proposing delegation takes its pending amendment back."""
    decision = can_withdraw(user, amendment.delegation_id)
    if not decision.allowed:
        raise Forbidden(decision.reasons)
    require_pending(amendment)
    amendment.status = AmendmentStatus.WITHDRAWN
    amendment.decided_by_id = user.id
    amendment.decided_at = clock.now()
    audit.record(
        "amendment_withdrawn",
        document=document,
        user=user,
        decided=[amendment],
        amendment_id=amendment.id,
    )
    announce(document, amendment)
    return amendment


def announce(document: Document, amendment: Amendment) -> None:
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
