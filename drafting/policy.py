"""Every permission, decided in one place from (role, action, workflow state), and who
may see which document.

Routes, socket events and the CLI all ask `can()` (or `require()`, which raises the
refusal); a refusal carries Reasons (drafting.reasons) a person can read in their language.
The states an action is open in come from the document's workflow template. Whether a
*transition* may fire also depends on conditions of the text (brackets, pending amendments);
those are answered by the workflow service, not here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, SessionTransaction, joinedload

from drafting.extensions import db
from drafting.models.base import MAX_ID
from drafting.models.guards import found_open
from drafting.models.people import DelegationKind, Membership, Role, User
from drafting.models.text import Document, sealed_final_exists
from drafting.reasons import Reason
from drafting.services.errors import Conflict, Forbidden, NotFound
from workflows import template as workflow_template

MEMBERS = {Role.PPT, Role.COMMITTEE, Role.DELEGATE}
EVERYONE = {Role.SECRETARIAT, Role.PPT, Role.COMMITTEE, Role.DELEGATE, Role.OBSERVER}
STAFF = {Role.SECRETARIAT, Role.PPT}
SUGGESTING = {"committee_review", "plenary_reading"}


class Action(enum.StrEnum):
    VIEW = "view"
    EDIT_TEXT = "edit_text"
    SET_STATUS = "set_status"
    PROPOSE_AMENDMENT = "propose_amendment"
    CO_SPONSOR = "co_sponsor"
    WITHDRAW_AMENDMENT = "withdraw_amendment"
    DECIDE_AMENDMENT = "decide_amendment"
    RECOMMEND_AMENDMENT = "recommend_amendment"
    REVIEW_CHANGE = "review_change"
    SUGGEST = "suggest"
    COMMENT = "comment"
    FILE_RESERVATION = "file_reservation"
    TAG = "tag"
    MARK_POSITION = "mark_position"
    MANAGE = "manage"
    VIEW_ROUNDS = "view_rounds"
    REMIND_SILENT = "remind_silent"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[Reason, ...] = ()
    # True when the role may never do this (403); False when only the moment is wrong (409).
    forbidden: bool = False

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(code: str, *, forbidden: bool = True, **params: object) -> Decision:
    return Decision(False, (Reason.of(code, **params),), forbidden)


# Which roles may do what, and in which states: "any" means every state, "*" any state but
# the final ones; the others name a list of states in the document's workflow template.
RULES: dict[Action, tuple[set[Role], str]] = {
    Action.VIEW: (EVERYONE, "any"),
    Action.EDIT_TEXT: ({Role.PPT, Role.COMMITTEE}, "editing"),
    Action.SET_STATUS: ({Role.PPT}, "status"),
    Action.PROPOSE_AMENDMENT: (MEMBERS, "amending"),
    Action.CO_SPONSOR: (MEMBERS, "amending"),
    Action.WITHDRAW_AMENDMENT: (MEMBERS, "*"),
    Action.DECIDE_AMENDMENT: ({Role.PPT, Role.COMMITTEE}, "deciding"),
    # The committee's advice may be prepared while a round is still open.
    Action.RECOMMEND_AMENDMENT: ({Role.PPT, Role.COMMITTEE}, "*"),
    # Accepting or rejecting one tracked change is deciding on it, like an amendment.
    Action.REVIEW_CHANGE: ({Role.PPT, Role.COMMITTEE}, "deciding"),
    # Suggestions are typed in session: committee review and plenary reading (SUGGESTING).
    Action.SUGGEST: (MEMBERS, "suggesting"),
    Action.COMMENT: ({Role.SECRETARIAT, *MEMBERS}, "*"),
    Action.FILE_RESERVATION: (MEMBERS, "*"),
    Action.TAG: ({Role.SECRETARIAT, Role.PPT, Role.COMMITTEE}, "*"),
    # Indicative positions: member-country delegations only (see can()).
    Action.MARK_POSITION: (MEMBERS, "*"),
    Action.MANAGE: (STAFF, "*"),
    # Who opened the text and who filed in a round: the staff who run it and the committee.
    Action.VIEW_ROUNDS: ({*STAFF, Role.COMMITTEE}, "any"),
    Action.REMIND_SILENT: (STAFF, "*"),
}


ROLES_SEEN = "drafting.roles"  # session.info key: user id -> {process id: role}
DOCUMENTS_SEEN = "drafting.documents"  # session.info key: documents loaded, kept from the GC
ROLES_QUERY = select(Membership.process_id, Membership.role).where(
    Membership.user_id == bindparam("user_id")
)


def roles_of(user: User | None) -> dict[int, Role]:
    """Every role the user holds, by process; read once per transaction (one page asks
    `can()` dozens of times, and its navigation asks whether the user runs any process).
    The memo is dropped when the transaction ends or this session writes a membership."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    session = db.session()
    seen = session.info.setdefault(ROLES_SEEN, {})
    if user.id not in seen or _writing_memberships(session):
        rows = session.execute(ROLES_QUERY, {"user_id": user.id})  # autoflushes memberships
        seen[user.id] = dict(rows.all())
    return seen[user.id]


ROLES_OF_MANY = select(Membership.user_id, Membership.process_id, Membership.role).where(
    Membership.user_id.in_(bindparam("user_ids", expanding=True))
)


def read_roles_ahead(users: Iterable[User | None]) -> None:
    """Read the roles of several people in one statement, for a group of live edits stored
    together: roles_of() then finds them read in this transaction."""
    session = db.session()
    seen = session.info.setdefault(ROLES_SEEN, {})
    ids = {
        user.id
        for user in users
        if user is not None and getattr(user, "is_authenticated", False) and user.id not in seen
    }
    if not ids or _writing_memberships(session):
        return
    found: dict[int, dict[int, Role]] = {user_id: {} for user_id in ids}
    for user_id, process_id, role in session.execute(ROLES_OF_MANY, {"user_ids": list(ids)}):
        found[user_id][process_id] = role
    seen.update(found)


def role_in(user: User | None, process_id: int) -> Role | None:
    """The user's role in a process, or None for outsiders and anonymous visitors."""
    return roles_of(user).get(process_id)


def runs_a_process(user: User | None) -> bool:
    """Whether the desk is for this user: a site administrator or a process's secretariat."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_admin) or Role.SECRETARIAT in roles_of(user).values()


def _writing_memberships(session: Session) -> bool:
    return any(
        isinstance(row, Membership) for row in (*session.new, *session.dirty, *session.deleted)
    )


@event.listens_for(Session, "after_flush")
def _forget_roles_on_write(session: Session, _context: object) -> None:
    if _writing_memberships(session):
        session.info.pop(ROLES_SEEN, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_roles(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the memo outlives a savepoint released inside it
        session.info.pop(ROLES_SEEN, None)
        session.info.pop(DOCUMENTS_SEEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_roles_rolled_back(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(ROLES_SEEN, None)  # a savepoint rolled back may have read its own writes


WITH_REVISIONS = (joinedload(Document.revisions),)  # built once: every edit asks


def get_visible(user: User | None, document_id: int) -> Document:
    """The document if the user takes part in its process or it is published; else 404, so
    outsiders cannot even learn that it exists."""
    if not 0 < document_id <= MAX_ID:  # no row has it; SQLite could not even bind it
        raise NotFound("document not found")
    # the revisions come along: whether it is adopted is asked next, and on every edit
    session = db.session()
    document = session.get(Document, document_id, options=WITH_REVISIONS)
    if document is not None:  # held for the transaction: edits stored together ask again
        session.info.setdefault(DOCUMENTS_SEEN, {})[document_id] = document
        found_open(session, document)
    if document is None or (not document.is_adopted and role_in(user, document.process_id) is None):
        raise NotFound("document not found")
    return document


def published_documents() -> list[Document]:
    """The adopted documents (a sealed Final revision, whatever the state column says),
    which anyone may read."""
    return list(
        db.session.scalars(select(Document).where(sealed_final_exists()).order_by(Document.id))
    )


def visible_documents(user: User) -> list[Document]:
    process_ids = select(Membership.process_id).where(Membership.user_id == user.id)
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.process_id.in_(process_ids) | sealed_final_exists())
            .order_by(Document.id)
        )
    )


def _states(document: Document, spec: str) -> set[str] | None:
    """The states an action is open in; None for every state including adopted."""
    workflow = workflow_template(document.workflow)
    if spec == "any":
        return None
    if spec == "*":
        return set(workflow.states) - set(workflow.final_states)
    if spec == "suggesting":
        return SUGGESTING & set(workflow.states)
    return set(workflow.states_for(spec))


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
        return deny("not_participant")
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
            return deny("proposer_only", forbidden=False)
    if role not in allowed_roles:
        return deny("role_may_not", role=role.value, action=action.value)
    if action == Action.MARK_POSITION and user.delegation.kind != DelegationKind.MEMBER_STATE:
        return deny("member_states_only", action=action.value)
    if action == Action.SUGGEST and not document.process.allow_suggestions:
        return deny("suggestions_off")
    states = _states(document, state_spec)
    # Once adopted, only what is open in every state ("any") remains: reading the text and
    # the record of its rounds.
    if document.is_adopted and states is not None:
        return deny("document_adopted", forbidden=False)
    if states is not None and document.state not in states:
        return deny("wrong_state", forbidden=False, state=document.state, states=sorted(states))
    return ALLOW


def require(user: User | None, action: Action, document: Document) -> None:
    """`can()` as an exception: Forbidden (403) for a role that may never, Conflict (409)
    when only the moment is wrong."""
    decision = can(user, action, document)
    if decision.allowed:
        return
    if decision.forbidden:
        raise Forbidden(decision.reasons)
    raise Conflict(decision.reasons[0], reasons=decision.reasons)


def can_transition(user: User | None, trigger: str, document: Document) -> Decision:
    """May `user` take this workflow step at all (role and delegation), ignoring the state and
    the text's conditions, which the workflow service checks."""
    role = role_in(user, document.process_id)
    spec = workflow_template(document.workflow).transition(trigger)
    if spec is None:
        return deny("unknown_step", step=trigger)
    if role is None:
        return deny("not_participant")
    proposer = "proposer" in spec.roles and _is_proposer(user, document) and role != Role.OBSERVER
    if role.value not in spec.roles and not proposer:
        return deny("role_may_not", role=role.value, action=trigger)
    if spec.member_state_only and user.delegation.kind != DelegationKind.MEMBER_STATE:
        return deny("member_states_only", action=trigger)
    return ALLOW


def can_import(user: User | None, process_id: int) -> Decision:
    role = role_in(user, process_id)
    if role is None:
        return deny("not_participant")
    if role not in STAFF:
        return deny("import_staff_only")
    return ALLOW


def can_see_emails(user: User | None, process_id: int) -> bool:
    """E-mail addresses are personal data: only the process's staff (secretariat, PPT), who
    run the participant list, see them; everyone else sees names and delegations."""
    return role_in(user, process_id) in STAFF


def can_confirm_ad_ref(user: User | None, document: Document, delegation_id: int) -> Decision:
    """An agreement given ad referendum is confirmed by the head of that delegation only."""
    if role_in(user, document.process_id) is None:
        return deny("not_participant")
    if document.is_adopted:
        return deny("document_adopted", forbidden=False)
    head = db.session.scalar(
        select(Membership.head).where(
            Membership.user_id == user.id, Membership.process_id == document.process_id
        )
    )
    if user.delegation_id != delegation_id or not head:
        return deny("head_of_delegation_only")
    return ALLOW


def can_withdraw(user: User, amendment_delegation_id: int) -> Decision:
    """Only the proposing delegation withdraws its amendment."""
    if user.delegation_id != amendment_delegation_id:
        return deny("withdraw_own_only")
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
