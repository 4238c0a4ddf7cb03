"""Delegations, users and memberships: creating them and checking logins."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select, update

from drafting import clock
from drafting.events import on_commit
from drafting.extensions import db
from drafting.models import Delegation, Document, Membership, Process, User
from drafting.models.people import DelegationKind, Role
from drafting.reasons import Reason
from drafting.services import presence, sessions
from drafting.services.errors import BadInput, NotFound

MIN_PASSWORD = 10
LOCKED_FOR_EVER = datetime(9999, 1, 1, tzinfo=UTC)


def delegation(
    code: str, name: str, kind: DelegationKind, name_es: str | None = None
) -> Delegation:
    found = db.session.scalar(select(Delegation).where(Delegation.code == code))
    if found:
        return found
    found = Delegation(code=code, name=name, kind=kind, name_es=name_es)
    db.session.add(found)
    db.session.flush()
    return found


def create_user(email: str, name: str, password: str | None, delegation_: Delegation) -> User:
    """An account; without a password (an invited person) it cannot log in until the
    invitation link sets one (services/invitations.py)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise BadInput("an email address is required")
    if password is not None:
        _check_password(password)
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        raise BadInput(f"a user {email} already exists")
    user = User(email=email, name=name, delegation_id=delegation_.id, password_hash="")
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"passwords need at least {MIN_PASSWORD} characters")


def change_password(user: User, password: str, *, keep: str | None = None) -> None:
    """A new password ends every other session of the user (and closes their sockets), so
    whoever held the old one is out; `keep` is the session that made the change."""
    _check_password(password)
    user.set_password(password)
    sessions.end_all(user, keep=keep)


def set_password(email: str, password: str) -> User:
    """Give an existing account a new password (an account restored from a backup without
    password hashes has none); every session opened with the old one ends."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user {email}")
    change_password(user, password)
    db.session.flush()
    return user


def add_member(user: User, process: Process, role: Role) -> Membership:
    membership = Membership(user_id=user.id, process_id=process.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def presidency_of(process_id: int) -> int | None:
    """The delegation holding the PPT in a process (one at a time), if any."""
    return db.session.scalar(
        select(User.delegation_id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.process_id == process_id, Membership.role == Role.PPT)
        .limit(1)
    )


def role_of(process: Process, user: User) -> Role | None:
    """The person's role in the process, None if they take no part."""
    return db.session.scalar(
        select(Membership.role).where(
            Membership.process_id == process.id, Membership.user_id == user.id
        )
    )


def membership(process: Process, user: User) -> Membership:
    """The person's membership of the process; 404 when they take no part."""
    found = db.session.scalar(
        select(Membership).where(Membership.process_id == process.id, Membership.user_id == user.id)
    )
    if found is None:
        raise NotFound(f"{user.email} does not take part in this process")
    return found


def set_role(process: Process, user: User, role: Role) -> Membership:
    """A new role counts at once: on commit, the person's open sockets on the process's
    documents leave their rooms and are told (`access_changed`), then join again with it."""
    found = membership(process, user)
    if found.role != role:
        found.role = role
        db.session.flush()
        _evict_on_commit(process, user, "role_changed")
    return found


def remove_member(process: Process, user: User) -> None:
    """Removing a person cuts their open sockets off the process's documents on commit."""
    db.session.delete(membership(process, user))
    db.session.flush()
    _evict_on_commit(process, user, "removed")


def _evict_on_commit(process: Process, user: User, reason: str) -> None:
    document_ids = list(
        db.session.scalars(select(Document.id).where(Document.process_id == process.id))
    )
    app, user_id = current_app._get_current_object(), user.id
    on_commit(db.session(), lambda: presence.evict(app, user_id, document_ids, reason))


class LoginRefused(Exception):
    """A refused login; `reason` is rendered in the reader's language."""

    def __init__(self, reason: Reason, status: int = 401) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.status = status


def authenticate(email: object, password: object) -> User:
    """The user for these credentials.

    The same message answers an unknown email and a wrong password, so logins cannot be
    used to discover accounts; throttling happens before (drafting/throttle.py), keyed on
    the e-mail tried, so it cannot tell them apart either. Failures are counted with one
    UPDATE, so parallel wrong guesses each leave their mark.
    """
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise LoginRefused(Reason.of("login_incomplete"), 400)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is not None and user.locked_until and user.locked_until > clock.now():
        raise LoginRefused(Reason.of("login_wrong"))  # a locked account says no more
    if user is None or not user.check_password(password):
        if user is not None:
            db.session.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_logins=User.failed_logins + 1)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        raise LoginRefused(Reason.of("login_wrong"))
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
    return user


def lock_account(user: User, *, until: datetime | None = None) -> None:
    """Lock an account (a departed officer, a stolen laptop): it cannot log in until
    `until` (for ever without one) and every session it has ends, sockets included.
    Wrong passwords never lock an account; throttling slows guessing instead."""
    user.locked_until = until or LOCKED_FOR_EVER
    sessions.end_all(user)


def unlock_account(user: User) -> None:
    """The account may log in again."""
    user.locked_until = None
