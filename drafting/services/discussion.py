"""Comments on paragraphs (threaded, optionally anchored to a stretch of text) and
reservations / explanations of position, which print as numbered footnotes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from drafting import clock
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Comment, Document, Reservation, User, Version
from drafting.models.discussion import ReservationKind
from drafting.models.text import ParagraphStatus
from drafting.services import audit, notifications
from drafting.services.documents import tree
from drafting.services.errors import BadInput, Conflict, NotFound
from drafting.services.paragraphs import latest, paragraph_of

MAX_COMMENT = 5_000
MAX_RESERVATION = 5_000


def _body(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{name} is required")
    if len(value) > limit:
        raise BadInput(f"{name} may hold at most {limit} characters")
    if "\x00" in value:
        raise BadInput(f"{name} holds a NUL character")
    return value.strip()


def _optional_int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{key} must be an integer")
    return value


# --------------------------------------------------------------------------------------------
# Comments
# --------------------------------------------------------------------------------------------


def comment_json(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "document_id": comment.document_id,
        "paragraph_id": comment.paragraph_id,
        "parent_id": comment.parent_id,
        "delegation": comment.delegation.code,
        "author": comment.author.name,
        "body": comment.body,
        "lang": comment.lang,
        "anchor": (
            {"start": comment.anchor_start, "end": comment.anchor_end}
            if comment.anchor_start is not None
            else None
        ),
        "quote": quote_of(comment),
        "created_at": comment.created_at.isoformat(),
    }


def quote_of(comment: Comment) -> str | None:
    """The stretch of text the comment is anchored to, as it read when the comment was made."""
    if comment.anchor_start is None or comment.anchor_version_id is None:
        return None
    version = db.session.get(Version, comment.anchor_version_id)
    if version is None:
        return None
    return version.text[comment.anchor_start : comment.anchor_end]


def add_comment(document: Document, user: User, data: dict[str, Any]) -> Comment:
    """A comment on a paragraph (or the document), a reply to another, or anchored to a
    character range of the paragraph's current text in one language."""
    body = _body(data.get("body"), "body", MAX_COMMENT)
    paragraph_id = _optional_int(data, "paragraph_id")
    parent_id = _optional_int(data, "parent_id")
    parent = None
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.document_id != document.id:
            raise NotFound("the comment replied to does not exist")
        if paragraph_id is not None and paragraph_id != parent.paragraph_id:
            raise BadInput("a reply belongs to the paragraph of the comment it answers")
        paragraph_id = parent.paragraph_id
    if paragraph_id is not None:
        paragraph_of(document, paragraph_id)
    lang = data.get("lang") or document.languages[0]
    if lang not in document.languages:
        raise BadInput(f"lang must be one of {', '.join(document.languages)}")
    start, end = _optional_int(data, "anchor_start"), _optional_int(data, "anchor_end")
    anchor_version = None
    if (start is None) != (end is None):
        raise BadInput("give both anchor_start and anchor_end, or neither")
    if start is not None and end is not None:
        if paragraph_id is None:
            raise BadInput("only a comment on a paragraph can be anchored to its text")
        anchor_version = latest(paragraph_id, lang)
        length = len(anchor_version.text) if anchor_version else 0
        if not 0 <= start < end <= length:
            raise BadInput(f"the anchor must satisfy 0 <= start < end <= {length}")
    comment = Comment(
        document_id=document.id,
        paragraph_id=paragraph_id,
        parent_id=parent.id if parent else None,
        author_id=user.id,
        delegation_id=user.delegation_id,
        body=body,
        lang=lang,
        anchor_start=start,
        anchor_end=end,
        anchor_version_id=anchor_version.id if anchor_version else None,
        created_at=clock.now(),
    )
    db.session.add(comment)
    db.session.flush()
    audit.record(
        "comment",
        document=document,
        user=user,
        rows=[comment],
        comment_id=comment.id,
        paragraph_id=paragraph_id,
        parent_id=comment.parent_id,
    )
    notifications.comment_added(document, comment)
    publish(db.session, document.id, "comment", comment_json(comment))
    return comment


@dataclass
class Thread:
    comment: Comment
    replies: list[Thread] = field(default_factory=list)

    @property
    def quote(self) -> str | None:
        return quote_of(self.comment)

    def count(self) -> int:
        return 1 + sum(r.count() for r in self.replies)

    def as_json(self) -> dict[str, Any]:
        return {**comment_json(self.comment), "replies": [r.as_json() for r in self.replies]}


def threads(document: Document, paragraph_id: int | None = None) -> dict[int | None, list[Thread]]:
    """Comment threads per paragraph (None: on the document), oldest first."""
    query = select(Comment).where(Comment.document_id == document.id).order_by(Comment.id)
    if paragraph_id is not None:
        query = query.where(Comment.paragraph_id == paragraph_id)
    nodes = {c.id: Thread(c) for c in db.session.scalars(query)}
    roots: dict[int | None, list[Thread]] = {}
    for thread in nodes.values():
        parent = nodes.get(thread.comment.parent_id) if thread.comment.parent_id else None
        if parent is not None:
            parent.replies.append(thread)
        else:
            roots.setdefault(thread.comment.paragraph_id, []).append(thread)
    return roots


# --------------------------------------------------------------------------------------------
# Reservations and explanations of position
# --------------------------------------------------------------------------------------------


def reservation_json(reservation: Reservation) -> dict[str, Any]:
    return {
        "id": reservation.id,
        "document_id": reservation.document_id,
        "paragraph_id": reservation.paragraph_id,
        "delegation": reservation.delegation.code,
        "delegation_name": reservation.delegation.name,
        "kind": reservation.kind.value,
        "text": reservation.text,
        "lang": reservation.lang,
        "created_at": reservation.created_at.isoformat(),
    }


def check_reservation(
    document: Document, data: dict[str, Any]
) -> tuple[ReservationKind, str, int | None, str]:
    """A reservation's fields, checked before anything is written (also for one held for
    the head's sign-off)."""
    try:
        kind = ReservationKind(data.get("kind") or "reservation")
    except ValueError:
        raise BadInput("kind must be reservation or explanation") from None
    text = _body(data.get("text"), "text", MAX_RESERVATION)
    paragraph_id = _optional_int(data, "paragraph_id")
    if paragraph_id is not None:
        paragraph = paragraph_of(document, paragraph_id)
        if paragraph.status == ParagraphStatus.DELETED:
            raise Conflict("the paragraph is deleted")
    lang = data.get("lang") or document.languages[0]
    if lang not in document.languages:
        raise BadInput(f"lang must be one of {', '.join(document.languages)}")
    return kind, text, paragraph_id, lang


def file_reservation(document: Document, user: User, data: dict[str, Any]) -> Reservation:
    """A reservation or explanation of position by the user's delegation, on a paragraph or
    (paragraph_id null) on the whole document."""
    kind, text, paragraph_id, lang = check_reservation(document, data)
    reservation = Reservation(
        document_id=document.id,
        paragraph_id=paragraph_id,
        delegation_id=user.delegation_id,
        author_id=user.id,
        kind=kind,
        text=text,
        lang=lang,
        created_at=clock.now(),
    )
    db.session.add(reservation)
    db.session.flush()
    audit.record(
        "reservation",
        document=document,
        user=user,
        rows=[reservation],
        reservation_id=reservation.id,
        paragraph_id=paragraph_id,
        kind=kind.value,
    )
    publish(db.session, document.id, "reservation", reservation_json(reservation))
    return reservation


def reservations(document: Document) -> list[Reservation]:
    return list(
        db.session.scalars(
            select(Reservation)
            .where(Reservation.document_id == document.id)
            .order_by(Reservation.id)
        )
    )


@dataclass(frozen=True)
class Footnote:
    """One numbered footnote of the clean or adopted text."""

    number: int
    paragraph_id: int | None
    paragraph_number: str | None
    delegation: str
    delegation_name: str
    kind: str
    text: str
    lang: str

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "paragraph_id": self.paragraph_id,
            "paragraph_number": self.paragraph_number,
            "delegation": self.delegation,
            "delegation_name": self.delegation_name,
            "kind": self.kind,
            "text": self.text,
            "lang": self.lang,
        }


def footnotes(document: Document) -> dict[int | None, list[Footnote]]:
    """Reservations numbered 1, 2, … in reading order: those on the whole document first
    (key None, printed at the title), then paragraph by paragraph; deleted paragraphs'
    reservations are left out."""
    filed = reservations(document)
    if not filed:
        return {}
    by_paragraph: dict[int | None, list[Reservation]] = {}
    for r in filed:
        by_paragraph.setdefault(r.paragraph_id, []).append(r)
    order: list[tuple[int | None, str | None]] = [(None, None)]
    order += [(p.id, p.number) for p in tree(document)]
    out: dict[int | None, list[Footnote]] = {}
    number = 0
    for pid, paragraph_number in order:
        for r in by_paragraph.get(pid, []):
            number += 1
            out.setdefault(pid, []).append(
                Footnote(
                    number=number,
                    paragraph_id=pid,
                    paragraph_number=paragraph_number,
                    delegation=r.delegation.code,
                    delegation_name=r.delegation.name,
                    kind=r.kind.value,
                    text=r.text,
                    lang=r.lang,
                )
            )
    return out
