"""Head of delegation sign-off (a process setting, off by default): amendments, reservations
and breaks of silence filed by a delegation's members are held until its head signs them
off, and only then filed, at the time of signing: that is when they count, for the silence
deadline too (a break signed after the deadline comes too late). The head's own filings need
no sign-off. Every sign-off is audited; each filing is signed once (an atomic UPDATE ...
WHERE signed_at IS NULL claims it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from drafting import clock
from drafting.extensions import db
from drafting.models import Document, Membership, PendingFiling, User
from drafting.models.base import MAX_ID
from drafting.models.people import DelegationKind
from drafting.policy import Action, can_transition, get_visible, require
from drafting.reasons import Reason
from drafting.services import amendments, audit, discussion, workflow
from drafting.services.errors import BadInput, Conflict, Forbidden, NotFound

KINDS = ("amendment", "reservation", "break_silence")
ACTIONS = {"amendment": Action.PROPOSE_AMENDMENT, "reservation": Action.FILE_RESERVATION}


def _is_head(user: User, process_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(Membership.head).where(
                Membership.user_id == user.id, Membership.process_id == process_id
            )
        )
    )


def required(user: User, document: Document) -> bool:
    """Whether this member's filing waits for the head's sign-off."""
    if not document.process.head_signoff:
        return False
    if user.delegation is None or user.delegation.kind != DelegationKind.MEMBER_STATE:
        return False
    return not _is_head(user, document.process_id)


def _check(document: Document, user: User, kind: str, payload: dict[str, Any]) -> None:
    """What the filing itself would check, with nothing written."""
    if kind == "amendment":
        amendments.parse_proposal(document, payload)
    elif kind == "reservation":
        discussion.check_reservation(document, payload)
    else:
        decision = can_transition(user, "break_silence", document)
        if not decision.allowed:
            raise Forbidden(decision.reasons)
        if document.state != "silence_procedure":
            raise Conflict(Reason.of("not_possible_now", step="break_silence"))
        reason = payload.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise BadInput("break silence needs a reason", reasons=[Reason.of("reason_required")])
        if len(reason) > workflow.MAX_REASON:
            raise BadInput(f"the reason may hold at most {workflow.MAX_REASON} characters")


def hold(document: Document, user: User, kind: str, payload: dict[str, Any]) -> PendingFiling:
    """Keep a member's filing for the head's sign-off, checked as if it were filed now."""
    if kind in ACTIONS:
        require(user, ACTIONS[kind], document)
    _check(document, user, kind, payload)
    filing = PendingFiling(
        document_id=document.id,
        delegation_id=user.delegation_id,
        filed_by_id=user.id,
        kind=kind,
        payload=payload,
        created_at=clock.now(),
    )
    db.session.add(filing)
    db.session.flush()
    return filing


def awaiting(document: Document, user: User | None) -> list[PendingFiling]:
    """The filings of the user's delegation waiting for sign-off, for its head only."""
    if user is None or not _is_head(user, document.process_id):
        return []
    return list(
        db.session.scalars(
            select(PendingFiling)
            .where(
                PendingFiling.document_id == document.id,
                PendingFiling.delegation_id == user.delegation_id,
                PendingFiling.signed_at.is_(None),
            )
            .order_by(PendingFiling.id)
        )
    )


def as_json(filing: PendingFiling) -> dict[str, Any]:
    return {
        "id": filing.id,
        "kind": filing.kind,
        "by": filing.filed_by.name,
        "filed_at": filing.created_at.isoformat(),
        "payload": filing.payload,
        "signed_at": filing.signed_at.isoformat() if filing.signed_at else None,
        "result_id": filing.result_id,
    }


def sign_off(filing_id: int, head: User) -> PendingFiling:
    """The head signs the filing off: it is filed now, in the filer's name, and audited."""
    filing = db.session.get(PendingFiling, filing_id) if 0 < filing_id <= MAX_ID else None
    if filing is None:
        raise NotFound("filing not found")
    document = get_visible(head, filing.document_id)
    if head.delegation_id != filing.delegation_id or not _is_head(head, document.process_id):
        raise Forbidden([Reason.of("head_signs_off_only")])
    claimed = db.session.execute(
        update(PendingFiling)
        .where(PendingFiling.id == filing.id, PendingFiling.signed_at.is_(None))
        .values(signed_at=clock.now(), signed_by_id=head.id)
    )
    if claimed.rowcount != 1:
        raise Conflict("this filing is already signed off")
    filer = filing.filed_by
    payload = dict(filing.payload)
    if filing.kind == "amendment":
        require(filer, Action.PROPOSE_AMENDMENT, document)
        filing.result_id = amendments.file(
            document, filer, amendments.parse_proposal(document, payload)
        ).id
    elif filing.kind == "reservation":
        require(filer, Action.FILE_RESERVATION, document)
        filing.result_id = discussion.file_reservation(document, filer, payload).id
    else:
        workflow.transition(filer, document, "break_silence", reason=payload.get("reason"))
    audit.record(
        "signed_off",
        document=document,
        user=head,
        filing_id=filing.id,
        kind=filing.kind,
        filed_by=filer.name,
        result_id=filing.result_id,
    )
    return filing
