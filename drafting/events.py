"""Broadcasts to a document's room, sent only after the change they announce is committed.

Services call `publish()`; the message waits in the session until COMMIT succeeds, so no
client ever hears of a change the database does not hold. What a savepoint queued goes when
it is rolled back, and waits for the outer COMMIT when it is released.

A room's text updates (`paragraph_updated`) are coalesced while the server is busy sending
(gevent, the server's default): a room with nothing being sent gets the update at once;
updates committed while the last one is still being written out to the room's sockets wait
and leave together, as one message ``{"updates": [...]}`` encoded once for the whole room
(SPEC §7). That message also reaches the authors of the updates in it, so every update
names the connection it came from (``by``, the ``you`` of that connection's join) and a
client leaves its own aside. In threading mode every socket has its own writer thread, so
there is no moment to gather behind: updates go out one by one.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from drafting import concurrency
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


def connection_token(sid: str) -> str:
    """A connection's opaque name for the others (presence, the `by` of its updates): derived
    from its socket id with the app's secret, so it names the connection without giving the
    socket id away, and every process derives the same one."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, sid.encode(), hashlib.sha256).hexdigest()[:12]


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


UPDATE = "paragraph_updated"
_waiting: dict[str, list[tuple[dict[str, Any], str | None]]] = {}  # room -> updates to send
_sending: set[str] = set()  # rooms with a send being written out
_guard = threading.Lock()


def send_update(room: str, payload: dict[str, Any], skip_sid: str | None) -> None:
    """Send a text update to a room at once, or with the next batch if one is going out."""
    if skip_sid is not None:
        payload = {**payload, "by": connection_token(skip_sid)}
    if concurrency.active() != "gevent":
        socketio.emit(UPDATE, payload, to=room, skip_sid=skip_sid)
        return
    with _guard:
        if room in _sending:
            _waiting.setdefault(room, []).append((payload, skip_sid))
            return
        _sending.add(room)
    socketio.emit(UPDATE, payload, to=room, skip_sid=skip_sid)
    socketio.start_background_task(_send_waiting, room)


def _send_waiting(room: str) -> None:
    """After the room's sockets have had their turn to write what was sent, send what came
    meanwhile as one message; the room is idle again once nothing is left."""
    while True:
        socketio.sleep(0)  # one turn: what commits meanwhile, and any queued writes, go first
        with _guard:
            batch = _waiting.pop(room, None)
            if not batch:
                _sending.discard(room)
                return
        if len(batch) == 1:
            ((payload, skip_sid),) = batch
            socketio.emit(UPDATE, payload, to=room, skip_sid=skip_sid)
        else:
            socketio.emit(UPDATE, {"updates": [payload for payload, _ in batch]}, to=room)


@event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction around it may still roll back
    for document_id, name, payload, skip_sid in session.info.pop(PENDING_KEY, []):
        if name == UPDATE:
            send_update(room_of(document_id), payload, skip_sid)
        else:
            socketio.emit(name, payload, to=room_of(document_id), skip_sid=skip_sid)
    for action in session.info.pop(AFTER_COMMIT_KEY, []):
        action()


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only what the savepoint queued goes (_drop_since_savepoint)
    session.info.pop(PENDING_KEY, None)
    session.info.pop(AFTER_COMMIT_KEY, None)


SAVEPOINTS_KEY = "drafting_event_savepoints"  # savepoint -> lengths of the queues at its start


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        marks = session.info.setdefault(SAVEPOINTS_KEY, {})
        marks[transaction] = (
            len(session.info.get(PENDING_KEY, ())),
            len(session.info.get(AFTER_COMMIT_KEY, ())),
        )


@event.listens_for(Session, "after_soft_rollback")
def _drop_since_savepoint(session: Session, previous: SessionTransaction) -> None:
    mark = session.info.get(SAVEPOINTS_KEY, {}).get(previous)
    if previous.nested and mark is not None:
        del session.info.get(PENDING_KEY, [])[mark[0] :]
        del session.info.get(AFTER_COMMIT_KEY, [])[mark[1] :]


@event.listens_for(Session, "after_transaction_end")
def _forget_savepoint(session: Session, transaction: SessionTransaction) -> None:
    session.info.get(SAVEPOINTS_KEY, {}).pop(transaction, None)
