"""Every permission, decided in one place from (role, action, workflow state), and who
may see which document.

Routes, socket events and the CLI all ask `can()` (or `require()`, which raises the
refusal); a refusal carries reasons a person can read. Whether a *transition* may fire also
depends on conditions of the text (brackets, pending amendments); those are answered by the
workflow service, not here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from drafting.extensions import db
from drafting.models.base import MAX_ID
from drafting.models.people import DelegationKind, Membership, Role, User
from drafting.models.text import Document
from drafting.services.errors import Conflict, Forbidden, NotFound
from workflows import template as workflow_template

MEMBERS = {Role.PPT, Role.COMMITTEE, Role.DELEGATE}
EVERYONE = {Role.SECRETARIAT, Role.PPT, Role.COMMITTEE, Role.DELEGATE, Role.OBSERVER}
STAFF = {Role.SECRETARIAT, Role.PPT}


class Action(enum.StrEnum):
    VIEW = "view"
    EDIT_TEXT = "edit_text"
    SET_STATUS = "set_status"
    PROPOSE_AMENDMENT = "propose_amendment"
    CO_SPONSOR = "co_sponsor"
    WITHDRAW_AMENDMENT = "withdraw_amendment"
    DECIDE_AMENDMENT = "decide_amendment"
    COMMENT = "comment"
    FILE_RESERVATION = "file_reservation"
    TAG = "tag"
    MANAGE = "manage"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...] = ()
    # True when the role may never do this (403); False when only the moment is wrong (409).
    forbidden: bool = False

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason: str, *, forbidden: bool = True) -> Decision:
    return Decision(False, (reason,), forbidden)


# Which roles may do what, and in which states. "*" means any state but adopted;
# "editing"/"amending" mean the states the document's workflow template lists for them.
RULES: dict[Action, tuple[set[Role], str | set[str]]] = {
    Action.VIEW: (EVERYONE, "any"),
    Action.EDIT_TEXT: ({Role.PPT, Role.COMMITTEE}, "editing"),
    Action.SET_STATUS: ({Role.PPT}, {"committee_review", "plenary_reading"}),
    Action.PROPOSE_AMENDMENT: (MEMBERS, "amending"),
    Action.CO_SPONSOR: (MEMBERS, "amending"),
    Action.WITHDRAW_AMENDMENT: (MEMBERS, "*"),
    Action.DECIDE_AMENDMENT: ({Role.PPT, Role.COMMITTEE}, {"committee_review", "plenary_reading"}),
    Action.COMMENT: ({Role.SECRETARIAT, *MEMBERS}, "*"),
    Action.FILE_RESERVATION: (MEMBERS, "*"),
    Action.TAG: ({Role.SECRETARIAT, Role.PPT, Role.COMMITTEE}, "*"),
    Action.MANAGE: (STAFF, "*"),
}


def role_in(user: User | None, process_id: int) -> Role | None:
    """The user's role in a process, or None for outsiders and anonymous visitors."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Membership.role).where(
            Membership.user_id == user.id, Membership.process_id == process_id
        )
    )


def get_visible(user: User | None, document_id: int) -> Document:
    """The document if the user takes part in its process or it is published; else 404, so
    outsiders cannot even learn that it exists."""
    if not 0 < document_id <= MAX_ID:  # no row has it; SQLite could not even bind it
        raise NotFound("document not found")
    document = db.session.get(Document, document_id)
    if document is None or (not document.is_adopted and role_in(user, document.process_id) is None):
        raise NotFound("document not found")
    return document


def visible_documents(user: User) -> list[Document]:
    process_ids = select(Membership.process_id).where(Membership.user_id == user.id)
    return list(
        db.session.scalars(
            select(Document)
            .where((Document.process_id.in_(process_ids)) | (Document.state == "adopted"))
            .order_by(Document.id)
        )
    )


def _states(document: Document, spec: str | set[str]) -> set[str] | None:
    """The states an action is open in; None for every state including adopted."""
    workflow = workflow_template(document.workflow)
    if spec == "any":
        return None
    if spec == "*":
        return set(workflow.states) - set(workflow.final_states)
    if spec == "editing":
        return set(workflow.editing_states)
    if spec == "amending":
        return set(workflow.amending_states)
    return set(spec) & set(workflow.states)


def _is_proposer(user: User, document: Document) -> bool:
    return document.proposer_delegation_id is not None and (
        user.delegation_id == document.proposer_delegation_id
    )


def can(user: User | None, action: Action, document: Document) -> Decision:
    """May `user` do `action` on `document` now?"""
    role = role_in(user, document.process_id)
    if action == Action.VIEW and document.is_adopted:
        return ALLOW  # adopted documents are published
    if role is None:
        return deny("you do not take part in this process")
    roles, state_spec = RULES[action]
    allowed_roles = set(roles)
    if action == Action.COMMENT and document.allow_observer_comments:
        allowed_roles.add(Role.OBSERVER)
    # Before it is submitted the text is the proposer's own draft: only the proposer (and
    # the staff) edit or restore it, not the committee (which edits from committee_review).
    if action == Action.EDIT_TEXT and document.state == "proposal":
        if role in STAFF or (_is_proposer(user, document) and role != Role.OBSERVER):
            return ALLOW
        if role in allowed_roles:
            return deny("only the proposer edits the text while it is a proposal", forbidden=False)
    if role not in allowed_roles:
        return deny(f"the {role.value} role may not {action.value.replace('_', ' ')}")
    states = _states(document, state_spec)
    if document.is_adopted and action != Action.VIEW:
        return deny("the document is adopted and can no longer change", forbidden=False)
    if states is not None and document.state not in states:
        where = ", ".join(sorted(states)) or "no state"
        return deny(
            f"not possible while the document is in {document.state} (only in {where})",
            forbidden=False,
        )
    return ALLOW


def require(user: User | None, action: Action, document: Document) -> None:
    """`can()` as an exception: Forbidden (403) for a role that may never, Conflict (409)
    when only the moment is wrong."""
    decision = can(user, action, document)
    if decision.allowed:
        return
    if decision.forbidden:
        raise Forbidden(decision.reasons)
    raise Conflict(decision.reasons[0], reasons=list(decision.reasons))


def can_transition(user: User | None, trigger: str, document: Document) -> Decision:
    """May `user` take this workflow step at all (role and delegation), ignoring the state and
    the text's conditions, which the workflow service checks."""
    role = role_in(user, document.process_id)
    spec = workflow_template(document.workflow).transition(trigger)
    if spec is None:
        return deny(f"{trigger} is not a step of this workflow")
    if role is None:
        return deny("you do not take part in this process")
    proposer = "proposer" in spec.roles and _is_proposer(user, document) and role != Role.OBSERVER
    if role.value not in spec.roles and not proposer:
        return deny(f"the {role.value} role may not {trigger.replace('_', ' ')}")
    if spec.member_state_only and user.delegation.kind != DelegationKind.MEMBER_STATE:
        return deny(f"only member-country delegations may {trigger.replace('_', ' ')}")
    return ALLOW


def can_import(user: User | None, process_id: int) -> Decision:
    role = role_in(user, process_id)
    if role is None:
        return deny("you do not take part in this process")
    if role not in STAFF:
        return deny("only the secretariat and the PPT import documents")
    return ALLOW


def can_see_emails(user: User | None, process_id: int) -> bool:
    """E-mail addresses are personal data: only the process's staff (secretariat, PPT), who
    run the participant list, see them; everyone else sees names and delegations."""
    return role_in(user, process_id) in STAFF


def can_withdraw(user: User, amendment_delegation_id: int) -> Decision:
    """Only the proposing delegation withdraws its amendment."""
    if user.delegation_id != amendment_delegation_id:
        return deny("only the proposing delegation may withdraw its amendment")
    return ALLOW


def can_manage_process(user: User | None, process_id: int | None) -> bool:
    """The secretariat's desk (settings, participants, presidency): the process's secretariat
    and site administrators; with no process (creating one), any secretariat officer too."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    if process_id is None:
        return (
            db.session.scalar(
                select(Membership.id)
                .where(Membership.user_id == user.id, Membership.role == Role.SECRETARIAT)
                .limit(1)
            )
            is not None
        )
    return role_in(user, process_id) == Role.SECRETARIAT


def can_see_record(user: User | None, document: Document) -> bool:
    """The negotiation record (amendments, comments, decision notes, audit, changes):
    participants always; the public only once adopted and if the process publishes it all
    (`public_record == "full"`); by default the public gets the text, its SHA-256 and the
    reservations."""
    if role_in(user, document.process_id) is not None:
        return True
    return document.is_adopted and document.process.public_record == "full"
