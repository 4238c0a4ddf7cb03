"""Invitation and password-reset links: signed with the app's SECRET_KEY, valid for 7 days
and single-use, because each carries a fingerprint of the password it replaces (once a
password is set, the fingerprint no longer matches and the link is dead)."""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from drafting import clock
from drafting.extensions import db
from drafting.models import Process, User
from drafting.services import mail, people
from drafting.services.errors import BadInput

VALID_FOR = 7 * 24 * 3600
SALT = "drafting.password-link"


class _ClockSigner(TimestampSigner):
    """Timestamps from drafting.clock, so tests can move time past the 7 days."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}:{user.session_epoch}".encode()).hexdigest()[:20]


def token_for(user: User) -> str:
    """A link token that sets this user's password once."""
    return _serializer().dumps({"user": user.id, "fp": _fingerprint(user)})


def user_for(token: str) -> User:
    """The user a live token belongs to; an expired, forged or used one is refused."""
    try:
        data = _serializer().loads(token, max_age=VALID_FOR)
    except SignatureExpired:
        raise BadInput("this link has expired; ask for a new one") from None
    except BadSignature:
        raise BadInput("this link is not valid") from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or data.get("fp") != _fingerprint(user):
        raise BadInput("this link has already been used") from None
    return user


def set_password(token: str, password: str) -> User:
    """Redeem a link: the new password kills the link and every older session."""
    user = user_for(token)
    people.change_password(user, password)
    user.failed_logins = 0
    return user


def _link(user: User) -> str:
    return url_for("web.set_password", token=token_for(user), _external=True)


def send_invitation(user: User, process: Process) -> bool:
    """Mail a new participant the link that sets their first password (False: not sent)."""
    return mail.send(
        user,
        _l("You are invited to %(process)s", process=process.name),
        "invitation",
        process=process,
        link=_link(user),
        days=VALID_FOR // 86400,
    )


def send_reset(email: str) -> None:
    """Mail a reset link if the address has an account; say nothing either way, so the
    form cannot be used to find out who has one."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or (user.locked_until and user.locked_until > clock.now()):
        return
    mail.send(
        user,
        _l("Reset your Drafting password"),
        "password_reset",
        link=_link(user),
        days=VALID_FOR // 86400,
    )
