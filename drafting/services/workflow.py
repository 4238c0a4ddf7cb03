"""Moving a document through its workflow: checks, effects, the audit trail, and acting on
deadlines that have passed (rounds close, silence ends unbroken).

Deadlines are acted on in every server process and from `flask deadlines` (cron), yet each
exactly once: a process claims one with an atomic UPDATE ... WHERE handled_at IS NULL and
only the one whose update touched the row goes on, in the same transaction as the effect."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select, update

from drafting import clock
from drafting.database import lock_row
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Amendment, Deadline, Document, Revision, User
from drafting.models.amendments import AmendmentStatus
from drafting.models.text import FINAL, DeadlineKind, sealed_final_exists
from drafting.policy import can_transition
from drafting.reasons import Reason
from drafting.services import audit, notifications, provenance, revisions
from drafting.services.audit import sha256_of
from drafting.services.documents import tree
from drafting.services.errors import BadInput, Conflict, Forbidden, NotFound
from drafting.services.people import presidency_of
from drafting.text.brackets import is_bracketed
from workflows import Blocked, WorkflowRun, template

MAX_REASON = 5_000  # as long as a comment; it is kept in the audit log for ever


def active_deadline(document: Document) -> Deadline | None:
    """The deadline of the round or silence procedure under way, if any."""
    return db.session.scalar(
        select(Deadline)
        .where(Deadline.document_id == document.id, Deadline.cancelled_at.is_(None))
        .where((Deadline.handled_at.is_(None)) | (Deadline.kind == DeadlineKind.SILENCE))
        .order_by(Deadline.id.desc())
        .limit(1)
    )


def parse_deadline(raw: Any) -> tuple[datetime, str]:
    """An ISO 8601 time with its offset, in the future: (UTC time, offset as given)."""
    if not isinstance(raw, str) or not raw.strip():
        raise BadInput(Reason.of("deadline_required"))
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise BadInput(Reason.of("deadline_unreadable", value=repr(raw))) from None
    if parsed.tzinfo is None:
        raise BadInput(Reason.of("deadline_no_offset"))
    if parsed.utcoffset() % timedelta(minutes=1):
        # Stored as "+HH:MM" and read back by format_deadline: seconds would not survive.
        raise BadInput("the deadline's offset must be whole minutes, e.g. +05:30")
    try:
        in_utc = clock.as_utc(parsed)
    except OverflowError:  # e.g. 9999-12-31T23:00-06:00 is in the year 10000 in UTC
        raise BadInput(f"deadline {raw!r} is out of range") from None
    if in_utc <= clock.now():
        raise BadInput(Reason.of("deadline_past"))
    offset = parsed.strftime("%z")
    return in_utc, f"{offset[:3]}:{offset[3:]}"


class DocumentChecks:
    """Answers the conditions named in workflow templates, with Reasons per paragraph."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._tree = None

    @property
    def paragraphs(self):
        if self._tree is None:
            self._tree = tree(self.document)
        return self._tree

    def __call__(self, condition: str) -> list[Reason]:
        return getattr(self, condition)()

    def no_pending_amendments(self) -> list[Reason]:
        count = db.session.scalar(
            select(func.count(Amendment.id)).where(
                Amendment.document_id == self.document.id,
                Amendment.status == AmendmentStatus.SUBMITTED,
            )
        )
        if not count:
            return []
        return [Reason.of("amendments_pending", count=count)]

    def no_brackets(self) -> list[Reason]:
        """Every bracketed paragraph; one whose bracket is still open is named with the word
        next to the bracket, so the drafter finds it."""
        reasons = []
        for p in self.paragraphs:
            if not any(is_bracketed(text) for text in p.text.values()):
                continue
            found = next(iter(p.brackets.values()), None)
            if found is None:
                reasons.append(Reason.of("paragraph_bracketed", paragraph=p.number))
            else:
                code = f"paragraph_{found.code}"
                reasons.append(Reason.of(code, paragraph=p.number, word=found.word))
        return reasons

    def languages_in_step(self) -> list[Reason]:
        reasons = []
        for p in self.paragraphs:
            for lang in p.translation_pending:
                if lang not in p.text:
                    reasons.append(Reason.of("text_missing", language=lang, paragraph=p.number))
                    continue
                source = [self.document.languages[0]]
                reasons.append(
                    Reason.of("text_older", language=lang, paragraph=p.number, others=source)
                )
        return reasons

    def all_agreed(self) -> list[Reason]:
        return [
            Reason.of("paragraph_not_agreed", paragraph=p.number)
            for p in self.paragraphs
            if p.status != "agreed"
        ]

    def _silence(self) -> Deadline | None:
        deadline = active_deadline(self.document)
        return deadline if deadline and deadline.kind == DeadlineKind.SILENCE else None

    def silence_running(self) -> list[Reason]:
        deadline = self._silence()
        if deadline is not None and deadline.due_at <= clock.now():
            return [Reason.of("silence_ended", time=format_deadline(deadline))]
        return []

    def silence_unbroken_past_deadline(self) -> list[Reason]:
        deadline = self._silence()
        if deadline is None:
            return [Reason.of("no_silence")]
        if deadline.due_at > clock.now():
            return [Reason.of("silence_runs", time=format_deadline(deadline))]
        return []


def format_deadline(deadline: Deadline) -> str:
    """The deadline in the time zone it was set in, as the process reads it."""
    sign = -1 if deadline.utc_offset.startswith("-") else 1
    hours, minutes = deadline.utc_offset[1:].split(":")
    zone = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    local = deadline.due_at.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M") + f" (UTC{deadline.utc_offset})"


class DocumentEffects:
    """What each step does besides changing the state; all inside the caller's transaction."""

    def __init__(
        self,
        document: Document,
        user: User | None,
        deadline: tuple[datetime, str] | None = None,
        deadline_kind: str | None = None,
        trigger: str | None = None,
        note: str | None = None,
    ) -> None:
        self.document = document
        self.user = user
        self.deadline = deadline
        self.deadline_kind = deadline_kind
        self.trigger = trigger
        self.note = note  # the reason given with the step: the chair's note on a revision
        self.rows: list[Revision | Deadline] = []  # recorded by the transition's audit entry
        self.kept_revision: str | None = None  # a circulated text that did not change
        self._seal: tuple[Revision, str] | None = None

    def __call__(self, effect: str, **kwargs: Any) -> None:
        getattr(self, effect)()

    def _produced_by(self) -> dict[str, Any]:
        previous = revisions.latest_circulated(self.document)
        return provenance.since(self.document, previous, self.trigger, self.note)

    def snapshot_round_revision(self) -> None:
        """Circulate the text as the next Rev.N, unless it is the previous Rev.N unchanged:
        then that symbol stays the one delegations cite. (The first round always makes
        Rev.1 from the Draft, the proposal as it came in.)"""
        previous = revisions.latest_circulated(self.document)
        if (
            previous is not None
            and revisions.is_round_revision(previous)
            and provenance.unchanged_since(self.document, previous)
        ):
            self.kept_revision = previous.label
            return
        label = revisions.next_round_label(self.document)
        produced_by = {**self._produced_by(), "sha256": sha256_of(self.document)}
        self.rows.append(revisions.snapshot(self.document, label, self.user, produced_by))

    def snapshot_silence_revision(self) -> None:
        self.snapshot_round_revision()

    def schedule_deadline(self) -> None:
        assert self.deadline is not None
        due_at, offset = self.deadline
        kind = DeadlineKind(self.deadline_kind)
        deadline = Deadline(
            document_id=self.document.id,
            kind=kind,
            due_at=due_at,
            utc_offset=offset,
            created_by_id=self.user.id if self.user else None,
        )
        db.session.add(deadline)
        self.rows.append(deadline)

    def settle_deadline(self) -> None:
        """The round or silence under way ends now: its deadline will not fire any more."""
        now = clock.now()
        db.session.execute(
            update(Deadline)
            .where(Deadline.document_id == self.document.id, Deadline.handled_at.is_(None))
            .values(handled_at=now, outcome="settled")
        )
        db.session.execute(
            update(Deadline)
            .where(Deadline.document_id == self.document.id, Deadline.cancelled_at.is_(None))
            .values(cancelled_at=now)
        )

    def seal_final_text(self) -> None:
        """Take the Final revision; it is sealed by `finish`, once the state has moved."""
        final = revisions.snapshot(self.document, FINAL, self.user, self._produced_by())
        self.rows.append(final)
        self._seal = (final, sha256_of(self.document))

    def finish(self) -> None:
        """The step's last writes: the seal that adopts (and from then on freezes) the text."""
        if self._seal is not None:
            final, sha256 = self._seal
            self.document.adopted_by_delegation_id = presidency_of(self.document.process_id)
            revisions.seal(final, sha256)
            self.document.sha256 = sha256
            self.document.adopted_at = clock.now()


def run_for(
    document: Document, user: User | None, effects: DocumentEffects | None = None
) -> WorkflowRun:
    return WorkflowRun(
        template(document.workflow),
        document.state,
        DocumentChecks(document),
        effects or DocumentEffects(document, user),
    )


def options(user: User, document: Document) -> list[dict[str, Any]]:
    """Each step of the workflow with whether this user may take it now, and why not
    (`reasons` are Reasons; the handler renders them for the reader)."""
    run = run_for(document, user)
    answer = []
    for spec in run.template.transitions:
        decision = can_transition(user, spec.trigger, document)
        reasons = list(decision.reasons) if not decision.allowed else run.blockers(spec.trigger)
        answer.append(
            {
                "name": spec.trigger,
                "allowed": not reasons,
                "reasons": reasons,
                "from_here": document.state in spec.source,
                "permitted": decision.allowed,
                "needs_deadline": spec.deadline is not None,
                "needs_reason": spec.reason_required,
            }
        )
    return answer


def transition(
    user: User | None,
    document: Document,
    trigger: str,
    *,
    reason: str | None = None,
    deadline: Any = None,
    system: bool = False,
) -> str:
    """Take one workflow step; raises Forbidden (403), BadInput (400) or Conflict (409)."""
    spec = template(document.workflow).transition(trigger)
    if spec is None:
        raise NotFound(
            f"{trigger} is not a step of the {document.workflow} workflow",
            reasons=[Reason.of("unknown_transition", step=trigger)],
        )
    if not system:
        decision = can_transition(user, trigger, document)
        if not decision.allowed:
            raise Forbidden(decision.reasons)
    if document.is_adopted:
        raise Conflict(Reason.of("document_adopted"), reasons=[Reason.of("adopted")])
    reason = (reason or "").strip() or None
    if reason and len(reason) > MAX_REASON:
        raise BadInput(f"the reason may hold at most {MAX_REASON} characters")
    if spec.reason_required and not reason:
        raise BadInput(
            f"{trigger.replace('_', ' ')} needs a reason", reasons=[Reason.of("reason_required")]
        )
    parsed_deadline = parse_deadline(deadline) if spec.deadline else None

    lock_row(Document, document.id)
    db.session.refresh(document)
    before = document.state
    effects = DocumentEffects(document, user, parsed_deadline, spec.deadline, trigger, reason)
    run = run_for(document, user, effects)
    try:
        run.fire(trigger)
    except Blocked as blocked:
        db.session.rollback()
        raise Conflict(
            Reason.of("not_possible_now", step=trigger), reasons=blocked.reasons
        ) from None
    document.state = run.state
    effects.finish()
    db.session.flush()  # the state and the seal together: the document is frozen from here
    details: dict[str, Any] = {"transition": trigger}
    if parsed_deadline:
        details["deadline"] = parsed_deadline[0].isoformat()
        details["utc_offset"] = parsed_deadline[1]
    if document.is_adopted:
        details["sha256"] = document.sha256
    if effects.kept_revision:
        details["revision_unchanged"] = effects.kept_revision
    audit.record(
        "transition",
        document=document,
        user=user,
        from_state=before,
        to_state=document.state,
        reason=reason or ("deadline passed" if system else None),
        rows=effects.rows,
        **details,
    )
    notifications.workflow_step(document, user, trigger, reason)
    publish(
        db.session,
        document.id,
        "state_changed",
        {
            "document_id": document.id,
            "state": document.state,
            "from": before,
            "transition": trigger,
            "reason": reason,
            "by": user.delegation.code if user else None,
        },
    )
    return document.state


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
                ~sealed_final_exists(),
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
