"""Agreements given ad referendum: a delegation agrees to a paragraph subject to its
capital's confirmation, until a date. Its head of delegation confirms it (the paragraph is
then agreed), or the date passes and the paragraph is open again, the PPT told, the step
audited.

Each agreement is settled exactly once, whichever comes first (the head's confirmation, the
expiry in any server process or `flask deadlines`, a later status or edit): the settling
process claims the row with an atomic UPDATE ... WHERE settled_at IS NULL, as deadlines are
claimed (services/workflow.py), in the same transaction as the effect."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from drafting import clock
from drafting.database import lock_row
from drafting.events import publish
from drafting.extensions import db
from drafting.models import AdReferendum, Delegation, Document, Paragraph, User
from drafting.models.base import MAX_ID
from drafting.models.people import Role
from drafting.models.text import ParagraphStatus, sealed_final_exists
from drafting.policy import can_confirm_ad_ref, get_visible
from drafting.services import audit, notifications
from drafting.services.documents import tree
from drafting.services.errors import BadInput, Conflict, Forbidden, NotFound
from drafting.services.rounds import member_delegations
from drafting.services.workflow import parse_deadline

log = logging.getLogger(__name__)


def terms(document: Document, delegation: Any, until: Any) -> tuple[Delegation, datetime, str]:
    """The delegation (a member state of the process, by code) and the expiry (ISO 8601 with
    its offset, in the future) of an agreement ad referendum; BadInput otherwise."""
    if not isinstance(delegation, str) or not delegation.strip():
        raise BadInput("an agreement ad referendum names the delegation (its code)")
    members = {d.code: d for d in member_delegations(document.process_id)}
    found = members.get(delegation.strip())
    if found is None:
        raise BadInput(f"{delegation!r} is not a member delegation of this process")
    due_at, offset = parse_deadline(until)
    return found, due_at, offset


def open_on(paragraph_id: int) -> list[AdReferendum]:
    return list(
        db.session.scalars(
            select(AdReferendum)
            .where(AdReferendum.paragraph_id == paragraph_id, AdReferendum.settled_at.is_(None))
            .order_by(AdReferendum.id)
        )
    )


def open_in(document: Document) -> dict[int, list[AdReferendum]]:
    """The unsettled agreements of a document, by paragraph (for the paragraph panel)."""
    found: dict[int, list[AdReferendum]] = {}
    for row in db.session.scalars(
        select(AdReferendum)
        .where(AdReferendum.document_id == document.id, AdReferendum.settled_at.is_(None))
        .order_by(AdReferendum.id)
    ):
        found.setdefault(row.paragraph_id, []).append(row)
    return found


def _claim(ad_ref_id: int, outcome: str, user: User | None) -> bool:
    result = db.session.execute(
        update(AdReferendum)
        .where(AdReferendum.id == ad_ref_id, AdReferendum.settled_at.is_(None))
        .values(settled_at=clock.now(), outcome=outcome, settled_by_id=user.id if user else None)
    )
    return result.rowcount == 1


def supersede(paragraph_id: int, user: User | None, *, delegation_id: int | None = None) -> None:
    """The paragraph's standing changed otherwise (a status set, an edit): its unsettled
    agreements (or one delegation's) are over."""
    for row in open_on(paragraph_id):
        if delegation_id is None or row.delegation_id == delegation_id:
            _claim(row.id, "superseded", user)


def give(
    paragraph: Paragraph, user: User, delegation: Delegation, until: datetime, offset: str
) -> AdReferendum:
    """Record the agreement (the caller set the status and audits the step)."""
    supersede(paragraph.id, user, delegation_id=delegation.id)  # a new date replaces the old
    row = AdReferendum(
        document_id=paragraph.document_id,
        paragraph_id=paragraph.id,
        delegation_id=delegation.id,
        until=until,
        utc_offset=offset,
        created_by_id=user.id,
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def _number(document: Document, paragraph_id: int) -> str:
    return next((p.number for p in tree(document) if p.id == paragraph_id), "")


def _set_status(document: Document, paragraph: Paragraph, new: ParagraphStatus, by: str) -> str:
    before = paragraph.status
    paragraph.status = new
    publish(
        db.session,
        document.id,
        "status_changed",
        {"paragraph_id": paragraph.id, "status": new.value, "by": by},
    )
    return before.value


def confirm(ad_ref_id: int, user: User) -> Paragraph:
    """The head of the delegation confirms: once every agreement given on the paragraph is
    confirmed, the paragraph is agreed."""
    row = db.session.get(AdReferendum, ad_ref_id) if 0 < ad_ref_id <= MAX_ID else None
    if row is None:
        raise NotFound("agreement ad referendum not found")
    document = get_visible(user, row.document_id)
    decision = can_confirm_ad_ref(user, document, row.delegation_id)
    if not decision.allowed:
        if decision.forbidden:
            raise Forbidden(decision.reasons)
        raise Conflict(decision.reasons[0], reasons=decision.reasons)
    lock_row(Paragraph, row.paragraph_id)
    paragraph = row.paragraph
    if row.settled_at is None and row.until <= clock.now():
        raise Conflict("the agreement ad referendum has expired; the paragraph is open again")
    if not _claim(row.id, "confirmed", user):
        db.session.refresh(row)
        raise Conflict(f"this agreement ad referendum is already settled ({row.outcome})")
    before = paragraph.status.value
    if paragraph.status == ParagraphStatus.AGREED_AD_REF and not open_on(paragraph.id):
        before = _set_status(document, paragraph, ParagraphStatus.AGREED, user.delegation.code)
    audit.record(
        "ad_ref_confirmed",
        document=document,
        user=user,
        layout=True,
        from_state=before,
        to_state=paragraph.status.value,
        paragraph_id=paragraph.id,
        ad_referendum_id=row.id,
        delegation=row.delegation.code,
    )
    return paragraph


def due() -> list[int]:
    return list(
        db.session.scalars(
            select(AdReferendum.id)
            .join(Document, Document.id == AdReferendum.document_id)
            .where(
                AdReferendum.settled_at.is_(None),
                AdReferendum.until <= clock.now(),
                ~sealed_final_exists(),
            )
            .order_by(AdReferendum.until)
        )
    )


def expire(ad_ref_id: int) -> bool:
    """The date passed unconfirmed: the paragraph is open again, the PPT is told, the step
    audited. False when another process (or the head) settled it first."""
    row = db.session.get(AdReferendum, ad_ref_id)
    if row is None:
        return False
    lock_row(Paragraph, row.paragraph_id)
    paragraph = row.paragraph
    if not _claim(row.id, "expired", None):
        return False
    document = paragraph.document
    before = paragraph.status.value
    if paragraph.status == ParagraphStatus.AGREED_AD_REF:
        supersede(paragraph.id, None)  # the others agreed to a text that is open again
        before = _set_status(document, paragraph, ParagraphStatus.OPEN, row.delegation.code)
    number = _number(document, paragraph.id)
    audit.record(
        "ad_ref_expired",
        document=document,
        layout=True,
        from_state=before,
        to_state=paragraph.status.value,
        reason=f"{row.delegation.code} did not confirm by {row.until.isoformat()}",
        paragraph_id=paragraph.id,
        ad_referendum_id=row.id,
        delegation=row.delegation.code,
    )
    notifications.notify(
        "ad_ref_expired",
        document,
        notifications.members_of(document.process_id, (Role.PPT,)),
        {"delegation": row.delegation.code, "paragraph": number, "until": row.until.isoformat()},
    )
    return True


def expire_due() -> list[int]:
    """Act on every passed expiry, one transaction each; safe to call from many processes."""
    done = []
    db.session.rollback()
    with notifications.in_request():
        for ad_ref_id in due():
            try:
                acted = expire(ad_ref_id)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("ad referendum %s could not be expired", ad_ref_id)
                continue
            if acted:
                log.info("ad referendum %s expired", ad_ref_id)
                done.append(ad_ref_id)
    return done
