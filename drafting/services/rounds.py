"""The round dashboard: for each member delegation, whether it opened the text during an
online round, what it filed, or whether it stayed silent; and reminding the silent ones.

A round is its deadline row (the n-th round deadline of the document); it runs from when it
was opened until it closed (or now, while it is open)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from drafting import clock
from drafting.extensions import db
from drafting.models import (
    Amendment,
    Comment,
    Deadline,
    Delegation,
    Document,
    Membership,
    RoundOpening,
    User,
)
from drafting.models.people import DelegationKind, Role
from drafting.models.text import DeadlineKind
from drafting.reasons import Reason
from drafting.services import audit, notifications
from drafting.services.errors import BadInput, Conflict, NotFound


@dataclass(frozen=True)
class Standing:
    """One member delegation in one round."""

    delegation: Delegation
    opened_at: datetime | None
    comments: int
    amendments: int

    @property
    def silent(self) -> bool:
        return not (self.comments or self.amendments)

    def as_json(self) -> dict:
        return {
            "delegation": self.delegation.code,
            "name": self.delegation.name,
            "opened": self.opened_at is not None,
            "opened_at": self.opened_at.isoformat() if self.opened_at else None,
            "comments": self.comments,
            "amendments": self.amendments,
            "silent": self.silent,
        }


def rounds_of(document: Document) -> list[Deadline]:
    """The document's online rounds, first first."""
    return list(
        db.session.scalars(
            select(Deadline)
            .where(Deadline.document_id == document.id, Deadline.kind == DeadlineKind.ROUND)
            .order_by(Deadline.id)
        )
    )


def round_of(document: Document, number: object) -> Deadline:
    if isinstance(number, bool) or not isinstance(number, int):
        raise BadInput("the round number must be an integer")
    rounds = rounds_of(document)
    if not 1 <= number <= len(rounds):
        raise NotFound(f"round {number} not found")
    return rounds[number - 1]


def is_open(deadline: Deadline) -> bool:
    return deadline.handled_at is None and deadline.cancelled_at is None


def ends_at(deadline: Deadline) -> datetime:
    """When the round stopped taking filings: when it closed, or now while it runs."""
    if is_open(deadline):
        return clock.now()
    return min(t for t in (deadline.handled_at, deadline.cancelled_at) if t is not None)


def member_delegations(process_id: int) -> list[Delegation]:
    """The member states taking part in the process (observers and the secretariat aside)."""
    return list(
        db.session.scalars(
            select(Delegation)
            .join(User, User.delegation_id == Delegation.id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.process_id == process_id,
                Membership.role != Role.OBSERVER,
                Delegation.kind == DelegationKind.MEMBER_STATE,
            )
            .distinct()
            .order_by(Delegation.code)
        )
    )


def _counts(model: type, document: Document, start: datetime, end: datetime) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(model.delegation_id, func.count())
            .where(
                model.document_id == document.id,
                model.created_at >= start,
                model.created_at <= end,
            )
            .group_by(model.delegation_id)
        ).all()
    )


def standings(document: Document, deadline: Deadline) -> list[Standing]:
    """Every member delegation's record in the round, by code."""
    start, end = deadline.created_at, ends_at(deadline)
    comments = _counts(Comment, document, start, end)
    amendments = _counts(Amendment, document, start, end)
    opened = dict(
        db.session.execute(
            select(RoundOpening.delegation_id, RoundOpening.opened_at).where(
                RoundOpening.deadline_id == deadline.id
            )
        ).all()
    )
    return [
        Standing(d, opened.get(d.id), comments.get(d.id, 0), amendments.get(d.id, 0))
        for d in member_delegations(document.process_id)
    ]


CSV_HEADER = ["delegation", "name", "opened", "opened_at", "comments", "amendments", "silent"]


def as_csv(rows: list[Standing]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        data = row.as_json()
        writer.writerow([_cell(data[key]) for key in CSV_HEADER])
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def open_round(document: Document) -> Deadline | None:
    """The round under way, if the document is in one."""
    if document.state != "online_round":
        return None
    rounds = [d for d in rounds_of(document) if is_open(d)]
    return rounds[-1] if rounds else None


def record_open(document: Document, user: User | None) -> bool:
    """Note that the user's delegation opened the text in the round under way (first time
    only). Returns whether a row was written; the caller commits."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.delegation is None or user.delegation.kind != DelegationKind.MEMBER_STATE:
        return False
    deadline = open_round(document)
    if deadline is None:
        return False
    known = db.session.get(RoundOpening, (deadline.id, user.delegation_id))
    if known is not None:
        return False
    try:
        with db.session.begin_nested():  # two tabs at once: one row, the other is a no-op
            db.session.add(
                RoundOpening(
                    deadline_id=deadline.id,
                    delegation_id=user.delegation_id,
                    user_id=user.id,
                    opened_at=clock.now(),
                )
            )
    except IntegrityError:
        return False
    return True


def remind_silent(document: Document, number: int, user: User) -> list[str]:
    """Send the round's silent member delegations a `deadline_reminder`; returns their codes."""
    deadline = round_of(document, number)
    if open_round(document) is not deadline:
        raise Conflict(Reason.of("round_not_open"), reasons=[Reason.of("round_not_open")])
    silent = [s.delegation for s in standings(document, deadline) if s.silent]
    ids = {d.id for d in silent}
    recipients = [
        u
        for u in notifications.members_of(document.process_id, (Role.DELEGATE, Role.COMMITTEE))
        if u.delegation_id in ids
    ]
    left = max(deadline.due_at - clock.now(), timedelta(0))
    notifications.notify(
        "deadline_reminder",
        document,
        recipients,
        {
            "kind": deadline.kind.value,
            "deadline": deadline.due_at.isoformat(),
            "deadline_id": deadline.id,
            "hours": max(1, round(left / timedelta(hours=1))),
        },
        actor=user,
    )
    codes = [d.code for d in silent]
    audit.record(
        "silent_reminded",
        document=document,
        user=user,
        reason=", ".join(codes) or None,
        round=number,
        delegations=codes,
    )
    return codes
