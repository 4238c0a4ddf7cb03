"""Delegations, users and memberships: creating them and checking logins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from drafting import clock
from drafting.extensions import db
from drafting.models import Delegation, Membership, Process, User
from drafting.models.people import DelegationKind, Role
from drafting.services.errors import BadInput, NotFound


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


def create_user(email: str, name: str, password: str, delegation_: Delegation) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise BadInput("an email address is required")
    if len(password) < 10:
        raise BadInput("passwords need at least 10 characters")
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        raise BadInput(f"a user {email} already exists")
    user = User(email=email, name=name, delegation_id=delegation_.id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def set_password(email: str, password: str) -> User:
    """Give an existing account a new password (an account restored from a backup without
    password hashes has none); sessions opened with the old one end."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user {email}")
    if len(password) < 10:
        raise BadInput("passwords need at least 10 characters")
    user.set_password(password)
    user.session_epoch += 1
    db.session.flush()
    return user


def add_member(user: User, process: Process, role: Role) -> Membership:
    membership = Membership(user_id=user.id, process_id=process.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


class LoginRefused(Exception):
    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


def authenticate(
    email: object, password: object, *, max_failures: int, lockout_seconds: int
) -> User:
    """The user for these credentials; repeated failures lock the account for a while.

    The same message answers an unknown email and a wrong password, so logins cannot be
    used to discover accounts.
    """
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise LoginRefused("email and password are required", 400)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    now = clock.now()
    if user is not None and user.locked_until and user.locked_until > now:
        raise LoginRefused("too many failed logins; try again later", 429)
    if user is None or not user.check_password(password):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= max_failures:
                user.locked_until = now + timedelta(seconds=lockout_seconds)
                user.failed_logins = 0
            db.session.commit()
        raise LoginRefused("wrong email or password")
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
    return user
