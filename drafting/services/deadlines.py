"""Acting on deadlines that have passed: rounds close, silence ends unbroken.

Runs in every server process and from `flask deadlines` (cron), yet each deadline is acted
on exactly once: a process claims it with an atomic UPDATE ... WHERE handled_at IS NULL and
only the one whose update touched the row goes on, in the same transaction as the effect.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from drafting import clock
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Deadline, Document
from drafting.models.text import DeadlineKind
from drafting.services import audit
from drafting.services.workflow import format_deadline, transition

log = logging.getLogger(__name__)


def due() -> list[int]:
    return list(
        db.session.scalars(
            select(Deadline.id)
            .join(Document, Document.id == Deadline.document_id)
            .where(
                Deadline.handled_at.is_(None),
                Deadline.cancelled_at.is_(None),
                Deadline.due_at <= clock.now(),
                Document.state != "adopted",
            )
            .order_by(Deadline.due_at)
        )
    )


def claim(deadline_id: int, outcome: str) -> bool:
    result = db.session.execute(
        update(Deadline)
        .where(
            Deadline.id == deadline_id,
            Deadline.handled_at.is_(None),
            Deadline.cancelled_at.is_(None),
        )
        .values(handled_at=clock.now(), outcome=outcome)
    )
    return result.rowcount == 1


def act_on(deadline_id: int) -> str | None:
    """Handle one passed deadline; returns what happened, or None if another process did."""
    deadline = db.session.get(Deadline, deadline_id)
    if deadline is None:
        return None
    document = deadline.document
    if deadline.kind == DeadlineKind.ROUND:
        if not claim(deadline_id, "round_closed"):
            return None
        if document.state == "online_round":
            transition(None, document, "close_round", system=True)
        announce(deadline, "round_closed")
        return "round_closed"
    if not claim(deadline_id, "silence_unbroken"):
        return None
    audit.record(
        "silence_unbroken",
        document=document,
        reason=f"silence unbroken since {format_deadline(deadline)}",
    )
    announce(deadline, "silence_unbroken")
    return "silence_unbroken"


def announce(deadline: Deadline, outcome: str) -> None:
    """Tell every open page that a deadline passed and what it did."""
    publish(
        db.session,
        deadline.document_id,
        "deadline",
        {
            "document_id": deadline.document_id,
            "kind": deadline.kind.value,
            "outcome": outcome,
            "due_at": deadline.due_at.isoformat(),
        },
    )


def run_due() -> list[tuple[int, str]]:
    """Act on every passed deadline, one transaction each; safe to call from many processes."""
    done = []
    db.session.rollback()
    for deadline_id in due():
        try:
            outcome = act_on(deadline_id)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("deadline %s could not be handled", deadline_id)
            continue
        if outcome:
            log.info("deadline %s: %s", deadline_id, outcome)
            done.append((deadline_id, outcome))
    return done
