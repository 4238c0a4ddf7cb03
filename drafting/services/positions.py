"""Indicative positions per paragraph (a tool of the chair, not a vote): each member-country
delegation may say of a paragraph that it can accept it, can live with it or cannot accept
it, with a note. One current position per delegation and paragraph; every change is
audited and broadcast (`position`), so the map of where agreement stands is live."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from drafting import clock
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Delegation, Document, Membership, ParagraphPosition, Stance, User
from drafting.models.people import DelegationKind
from drafting.models.text import Paragraph, ParagraphStatus
from drafting.services import audit
from drafting.services.documents import ParagraphView, tree
from drafting.services.errors import BadInput, Conflict

MAX_NOTE = 2_000
STANCES = tuple(s.value for s in Stance)


@dataclass(frozen=True)
class Marking:
    stance: Stance
    note: str = ""


def parse(data: dict[str, Any]) -> Marking:
    try:
        stance = Stance(data.get("position"))
    except (ValueError, TypeError):
        raise BadInput(f"position must be one of {', '.join(STANCES)}") from None
    note = data.get("note") or ""
    if not isinstance(note, str):
        raise BadInput("note must be a string")
    if len(note) > MAX_NOTE:
        raise BadInput(f"the note may hold at most {MAX_NOTE} characters")
    return Marking(stance, note.strip())


def _current(paragraph: Paragraph, user: User) -> ParagraphPosition | None:
    return db.session.scalar(
        select(ParagraphPosition).where(
            ParagraphPosition.paragraph_id == paragraph.id,
            ParagraphPosition.delegation_id == user.delegation_id,
        )
    )


def mark(
    document: Document, paragraph: Paragraph, user: User, marking: Marking
) -> ParagraphPosition:
    """Set the delegation's position on the paragraph (replacing its previous one)."""
    if paragraph.status == ParagraphStatus.DELETED:
        raise Conflict("the paragraph is deleted")
    position = _current(paragraph, user)
    before = position.stance.value if position else None
    if position is None:
        position = ParagraphPosition(
            document_id=document.id,
            paragraph_id=paragraph.id,
            delegation_id=user.delegation_id,
        )
        db.session.add(position)
    position.user_id = user.id
    position.stance = marking.stance
    position.note = marking.note
    position.updated_at = clock.now()
    db.session.flush()
    audit.record(
        "position_marked",
        document=document,
        user=user,
        from_state=before,
        to_state=marking.stance.value,
        paragraph_id=paragraph.id,
        note=marking.note,
    )
    _announce(document, paragraph.id, user.delegation.code, position)
    return position


def clear(document: Document, paragraph: Paragraph, user: User) -> None:
    """The delegation no longer states a position on the paragraph."""
    position = _current(paragraph, user)
    if position is None:
        return
    before = position.stance.value
    db.session.delete(position)
    db.session.flush()
    audit.record(
        "position_cleared",
        document=document,
        user=user,
        from_state=before,
        paragraph_id=paragraph.id,
    )
    _announce(document, paragraph.id, user.delegation.code, None)


def _cell(position: ParagraphPosition) -> dict[str, Any]:
    """One cell of the map: what the delegation said, and when."""
    return {
        "position": position.stance.value,
        "note": position.note,
        "updated_at": position.updated_at.isoformat(),
    }


def as_json(position: ParagraphPosition) -> dict[str, Any]:
    return {
        "paragraph_id": position.paragraph_id,
        "delegation": position.delegation.code,
        **_cell(position),
    }


def counts(document_id: int, paragraph_id: int) -> dict[str, int]:
    found = Counter(
        db.session.scalars(
            select(ParagraphPosition.stance).where(
                ParagraphPosition.document_id == document_id,
                ParagraphPosition.paragraph_id == paragraph_id,
            )
        )
    )
    return {stance: found.get(Stance(stance), 0) for stance in STANCES}


def _announce(
    document: Document, paragraph_id: int, code: str, position: ParagraphPosition | None
) -> None:
    publish(
        db.session,
        document.id,
        "position",
        {
            "document_id": document.id,
            "paragraph_id": paragraph_id,
            "delegation": code,
            "position": position.stance.value if position else None,
            "note": position.note if position else "",
            "counts": counts(document.id, paragraph_id),
        },
    )


@dataclass
class PositionRow:
    paragraph: ParagraphView
    positions: dict[str, ParagraphPosition] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class PositionMap:
    """Paragraphs × member delegations: where agreement stands across the text."""

    delegations: list[Delegation]
    rows: list[PositionRow]

    def as_json(self) -> dict[str, Any]:
        return {
            "delegations": [d.code for d in self.delegations],
            "paragraphs": [
                {
                    "id": row.paragraph.id,
                    "number": row.paragraph.number,
                    "counts": row.counts,
                    "positions": {code: _cell(p) for code, p in row.positions.items()},
                }
                for row in self.rows
            ],
        }


def member_delegations(document: Document) -> list[Delegation]:
    """The member-country delegations taking part in the document's process."""
    return list(
        db.session.scalars(
            select(Delegation)
            .join(User, User.delegation_id == Delegation.id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.process_id == document.process_id,
                Delegation.kind == DelegationKind.MEMBER_STATE,
            )
            .distinct()
            .order_by(Delegation.code)
        )
    )


def position_map(document: Document) -> PositionMap:
    """Every numbered paragraph with each delegation's position and the counts, in two
    queries and the tree."""
    found: dict[int, dict[str, ParagraphPosition]] = {}
    for position in db.session.scalars(
        select(ParagraphPosition).where(ParagraphPosition.document_id == document.id)
    ):
        found.setdefault(position.paragraph_id, {})[position.delegation.code] = position
    rows = []
    for paragraph in tree(document):
        if not paragraph.number:
            continue
        mine = found.get(paragraph.id, {})
        tally = Counter(p.stance.value for p in mine.values())
        rows.append(PositionRow(paragraph, mine, {s: tally.get(s, 0) for s in STANCES}))
    return PositionMap(member_delegations(document), rows)
