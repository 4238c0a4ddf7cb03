"""Login sessions kept on the server: a cookie counts only while its session is live, and
ending a session (logout, password change, lock-out) also closes its sockets at once."""

from __future__ import annotations

import secrets

from flask import Flask, current_app
from sqlalchemy import select, update

from drafting import clock
from drafting.events import on_commit
from drafting.extensions import db
from drafting.models import LoginSession, User
from drafting.services import presence

COOKIE_KEY = "login_session"  # where the (signed) Flask session holds the session's id


def start(user: User) -> str:
    """A new live session for `user`; its id goes into the (signed) cookie."""
    record = LoginSession(id=secrets.token_urlsafe(32), user_id=user.id)
    db.session.add(record)
    db.session.flush()
    return record.id


def user_of(login_id: object, user_id: int) -> User | None:
    """The user whose cookie names this session, if the session still stands (started for
    this user and not ended): one query, since every request and socket event asks it."""
    if not isinstance(login_id, str) or not login_id:
        return None
    return db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == user_id,
            LoginSession.id == login_id,
            LoginSession.ended_at.is_(None),
        )
    )


def end(login_id: object) -> None:
    """Logout: the session ends, and once committed its sockets are closed."""
    if not isinstance(login_id, str) or not login_id:
        return
    _end(select(LoginSession.id).where(LoginSession.id == login_id))


def end_all(user: User, *, keep: str | None = None) -> None:
    """Password change or lock-out: every session of the user ends but `keep` (the one
    that changed the password), with its sockets."""
    query = select(LoginSession.id).where(LoginSession.user_id == user.id)
    if keep:
        query = query.where(LoginSession.id != keep)
    _end(query)


def _end(query) -> None:
    ids = list(db.session.scalars(query.where(LoginSession.ended_at.is_(None))))
    if not ids:
        return
    db.session.execute(
        update(LoginSession).where(LoginSession.id.in_(ids)).values(ended_at=clock.now())
    )
    app = current_app._get_current_object()
    on_commit(db.session(), lambda: close_sockets(app, ids))


def close_sockets(app: Flask, login_ids: list[str]) -> None:
    """Close every socket opened under these sessions, in every server process."""
    registry = presence.presence_of(app)
    for login_id in login_ids:
        presence.cut_off(registry.sockets_of_login(login_id))


def attach_socket(sid: str, login_id: object) -> None:
    """On connect: note the session the socket rides on, so ending it closes the socket."""
    if isinstance(login_id, str) and login_id:
        presence.presence_of(current_app._get_current_object()).attach(sid, login_id)


def detach_socket(sid: str) -> None:
    """On disconnect."""
    presence.presence_of(current_app._get_current_object()).detach(sid)
