"""Delegations, users and memberships: creating them and checking logins."""

from __future__ import annotations

from sqlalchemy import func, select, update

from drafting.extensions import db
from drafting.models import Delegation, Membership, Process, User
from drafting.models.people import DelegationKind, Role
from drafting.services.errors import BadInput


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


def add_member(user: User, process: Process, role: Role) -> Membership:
    membership = Membership(user_id=user.id, process_id=process.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


class LoginRefused(Exception):
    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


def authenticate(email: object, password: object) -> User:
    """The user for these credentials.

    The same message answers an unknown email and a wrong password, so logins cannot be
    used to discover accounts; throttling happens before (drafting/throttle.py), keyed on
    the e-mail tried, so it cannot tell them apart either. Failures are counted with one
    UPDATE, so parallel wrong guesses each leave their mark.
    """
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise LoginRefused("email and password are required", 400)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.check_password(password):
        if user is not None:
            db.session.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_logins=User.failed_logins + 1)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        raise LoginRefused("wrong email or password")
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
    return user
