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
from drafting.models.base import MAX_ID
from drafting.models.text import ParagraphStatus
from drafting.policy import can_withdraw
from drafting.reasons import Reason
from drafting.services import audit, notifications
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
# Decisions that store the amendment's wording (or the committee's version of it)
ADOPTED = (AmendmentStatus.ACCEPTED, AmendmentStatus.MERGED)
MAX_REPLACED = 100
# Amendments that compete for a paragraph's wording (an insertion adds a paragraph instead).
RIVAL_KINDS = (AmendmentKind.MODIFY, AmendmentKind.DELETE)


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


@dataclass(frozen=True)
class Relations:
    """How a document's amendments bear on each other: the pending rivals on each one's
    paragraph, and the compromise that replaces (or superseded) each one."""

    rivals: dict[int, list[int]]
    replaced_by: dict[int, int]


def relations(document_id: int) -> Relations:
    """Rivals: two or more pending modify/delete amendments on one paragraph compete until
    one is decided. Read in one query."""
    rows = db.session.execute(
        select(Amendment.id, Amendment.paragraph_id, Amendment.kind, Amendment.status,
               Amendment.replaces).where(Amendment.document_id == document_id)
        .order_by(Amendment.id)
    ).all()  # fmt: skip
    by_paragraph: dict[int, list[int]] = {}
    replaced_by: dict[int, int] = {}
    for amendment_id, paragraph_id, kind, status, replaces in rows:
        if status == AmendmentStatus.SUBMITTED and kind in RIVAL_KINDS:
            by_paragraph.setdefault(paragraph_id, []).append(amendment_id)
        if status in (AmendmentStatus.SUBMITTED, AmendmentStatus.ACCEPTED, AmendmentStatus.MERGED):
            for replaced in replaces or []:
                replaced_by.setdefault(replaced, amendment_id)
    rivals = {
        amendment_id: [other for other in group if other != amendment_id]
        for group in by_paragraph.values()
        if len(group) > 1
        for amendment_id in group
    }
    return Relations(rivals, replaced_by)


def as_json(
    amendment: Amendment,
    number: str | None = None,
    seqs: dict[int, int] | None = None,
    related: Relations | None = None,
) -> dict[str, Any]:
    """The amendment as the API and socket events carry it (SPEC §7 and §12, plus useful
    extras)."""
    first = primary_text(amendment)
    seqs = _base_seqs([amendment]) if seqs is None else seqs
    related = relations(amendment.document_id) if related is None else related
    adviser = amendment.recommended_by
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
        "recommendation": amendment.recommendation.value if amendment.recommendation else None,
        "recommendation_note": amendment.recommendation_note,
        "recommendation_text": amendment.recommendation_text,
        "recommended_by": adviser.delegation.code if adviser else None,
        "recommended_at": amendment.recommended_at.isoformat()
        if amendment.recommended_at
        else None,
        "replaces": list(amendment.replaces or []),
        "replaced_by": related.replaced_by.get(amendment.id),
        "rivals": related.rivals.get(amendment.id, []),
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
    bases: dict[str, Version] = field(default_factory=dict)  # the versions the proposer read
    replaces: list[int] = field(default_factory=list)  # a compromise's rivals


def text_field(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise BadInput(f"{name} must be a string")
    return value


def parse_proposal(
    document: Document, data: dict[str, Any], *, suggestion: bool = False
) -> Proposal:
    """Check an amendment request: kind, paragraph, language(s), wording, rationale (not
    asked of a `suggestion`, typed into the text)."""
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
        if any(isinstance(t, str) and t.strip() for t in [data.get("text"), *_values(data)]):
            raise BadInput(Reason.of("deletion_no_text"))
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
    if kind != AmendmentKind.INSERT and position not in (None, "after"):
        raise BadInput(Reason.of("position_insert_only"))
    if not rationale.strip() and not suggestion and rationale_required(document):  # typed in
        raise BadInput(Reason.of("rationale_required"))
    return Proposal(
        kind=kind,
        paragraph=paragraph,
        texts=texts,
        rationale=rationale.strip(),
        as_child=kind == AmendmentKind.INSERT and position == "child",
        bases=_bases(document, paragraph, kind, data),
        replaces=parse_replaces(document, kind, paragraph.id, data.get("replaces")),
    )


def _values(data: dict[str, Any]) -> list[Any]:
    extra = data.get("texts")
    return list(extra.values()) if isinstance(extra, dict) else []


def rationale_required(document: Document) -> bool:
    """The process's setting (on unless the secretariat turned it off)."""
    process = document.process
    return process is None or process.rationale_required


def _bases(
    document: Document, paragraph: Paragraph, kind: AmendmentKind, data: dict[str, Any]
) -> dict[str, Version]:
    """The versions the proposer's wording was written against. `base_paragraph_id` names
    the paragraph the wording was taken from: one taken from another paragraph is refused
    (a form left on 1.a's text while 2.a was chosen). `base_version` ({lang: seq}) names
    versions of this paragraph; none given means the current ones."""
    written_for = data.get("base_paragraph_id")
    if written_for is not None and written_for != paragraph.id:
        printed = numbers(document)
        other = printed.get(written_for) if isinstance(written_for, int) else None
        reason = Reason.of(
            "base_elsewhere",
            written_for=other.number if other else str(written_for),
            paragraph=printed[paragraph.id].number if paragraph.id in printed else "",
        )
        raise Conflict(reason, reasons=[reason])
    seqs = data.get("base_version")
    if seqs is None or kind == AmendmentKind.INSERT:
        return {}
    if not isinstance(seqs, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in seqs.items()
    ):
        raise BadInput('base_version must be an object such as {"en": 3}')
    bases = {}
    for lang, seq in seqs.items():
        version = db.session.scalar(
            select(Version).where(
                Version.paragraph_id == paragraph.id, Version.lang == lang, Version.seq == seq
            )
        )
        if version is None:
            number = numbers(document).get(paragraph.id)
            reason = Reason.of(
                "base_unknown",
                paragraph=number.number if number else "",
                language=lang,
                version=seq,
            )
            raise Conflict(reason, reasons=[reason])
        bases[lang] = version
    return bases


def parse_replaces(
    document: Document, kind: AmendmentKind, paragraph_id: int, raw: Any
) -> list[int]:
    """The rival amendments a compromise replaces: pending modify/delete amendments of the
    same paragraph."""
    if raw is None or raw == []:
        return []
    if not isinstance(raw, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in raw
    ):
        raise BadInput("replaces must be a list of amendment ids")
    if len(raw) > MAX_REPLACED:
        raise BadInput(f"a compromise may replace at most {MAX_REPLACED} amendments")
    if kind not in RIVAL_KINDS:
        raise BadInput("only a modify or delete amendment can replace others")
    ids = list(dict.fromkeys(raw))
    found = {
        a.id: a
        for a in db.session.scalars(
            select(Amendment).where(Amendment.id.in_(ids), Amendment.document_id == document.id)
        )
    }
    for amendment_id in ids:
        rival = found.get(amendment_id)
        if rival is None:
            raise BadInput(f"amendment {amendment_id} is not an amendment of this document")
        if rival.paragraph_id != paragraph_id or rival.kind not in RIVAL_KINDS:
            raise BadInput(f"amendment {amendment_id} is not a rival on the same paragraph")
        if not rival.is_pending:
            raise BadInput(f"amendment {amendment_id} is already {rival.status.value}")
    return ids


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
        replaces=proposal.replaces,
        suggestion=suggestion,
    )
    db.session.add(amendment)
    db.session.flush()
    for lang, text in proposal.texts.items():
        base = None
        if proposal.kind != AmendmentKind.INSERT:
            base = proposal.bases.get(lang) or current.get(lang)
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
        replaces=proposal.replaces,
    )
    notifications.amendment_filed(document, amendment)
    announce(document, amendment)
    for rival_id in proposal.replaces:  # their pages now show the compromise
        rival = db.session.get(Amendment, rival_id)
        if rival is not None:
            announce(document, rival)
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
    related = relations(document.id)
    return [
        as_json(
            a,
            numbered[a.paragraph_id].number if a.paragraph_id in numbered else None,
            seqs,
            related,
        )
        for a in amendments
    ]


@dataclass(frozen=True)
class AmendmentView:
    """An amendment ready to show: its JSON, paragraph number and proposed change as a diff
    of its base text (deletions and insertions in the language it was filed in), and, once
    accepted, the wording its acceptance stored per language."""

    amendment: Amendment
    data: dict[str, Any]
    base_text: str
    ops: list[tuple[int, str]]
    adopted: dict[str, str] = field(default_factory=dict)

    @property
    def pending(self) -> bool:
        return self.amendment.is_pending

    @property
    def proposed(self) -> dict[str, str]:
        return {t.lang: t.text for t in self.amendment.texts}

    def adopted_changes(self, lang: str) -> list[tuple[int, str]] | None:
        """The wording adopted in `lang` as changes to the proposal; None when it was
        adopted as proposed (or nothing was stored in that language)."""
        adopted, proposed = self.adopted.get(lang), self.proposed.get(lang)
        if adopted is None or proposed is None or adopted == proposed:
            return None
        return textdiff.diff(proposed, adopted)


def adopted_texts(amendments: list[Amendment]) -> dict[int, dict[str, str]]:
    """amendment id -> language -> the text its acceptance stored (one query)."""
    ids = [a.id for a in amendments if a.status in ADOPTED]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Version.amendment_id, Version.lang, Version.text)
        .where(Version.amendment_id.in_(ids))
        .order_by(Version.id)
    )
    out: dict[int, dict[str, str]] = {}
    for amendment_id, lang, text in rows:
        out.setdefault(amendment_id, {})[lang] = text  # the last one stored wins
    return out


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
    adopted = adopted_texts(amendments)
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
        out.append(AmendmentView(amendment, data, base, ops, adopted.get(amendment.id, {})))
    return out
