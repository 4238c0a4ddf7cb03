"""Broadcasts to a document's room, sent only after the change they announce is committed.

Services call `publish()`; the message waits in the session until COMMIT succeeds, so no
client ever hears of a change the database does not hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from drafting.extensions import socketio

PENDING_KEY = "drafting_pending_events"
AFTER_COMMIT_KEY = "drafting_after_commit"


def room_of(document_id: int) -> str:
    """Room names are built here, never taken from a client."""
    return f"document:{document_id}"


def tracked_room_of(document_id: int) -> str:
    """The sockets of a document that show tracked changes (they get `changes_updated`)."""
    return f"document:{document_id}:tracked"


def user_room(user_id: int) -> str:
    """Each person's own room, joined by every socket they open (notifications)."""
    return f"user:{user_id}"


def publish(
    session: Session,
    document_id: int,
    name: str,
    payload: dict[str, Any],
    *,
    skip_sid: str | None = None,
) -> None:
    session.info.setdefault(PENDING_KEY, []).append((document_id, name, payload, skip_sid))


def on_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the transaction commits (never if it rolls back): sockets are told
    of, or cut off for, a change only when the database holds it."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(action)


def publish_to_user(session: Session, user_id: int, name: str, payload: dict[str, Any]) -> None:
    """Send `name` to every open socket of one person once the transaction commits."""
    on_commit(session, lambda: socketio.emit(name, payload, to=user_room(user_id)))


@event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    for document_id, name, payload, skip_sid in session.info.pop(PENDING_KEY, []):
        socketio.emit(name, payload, to=room_of(document_id), skip_sid=skip_sid)
    for action in session.info.pop(AFTER_COMMIT_KEY, []):
        action()


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
    session.info.pop(AFTER_COMMIT_KEY, None)
