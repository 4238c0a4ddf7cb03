"""Socket.IO event handlers: thin, authenticated by the session cookie, checked by the policy.

Rooms are named by the server (events.room_of); presence is kept per process in memory and
re-announced on join, so a reconnecting client simply joins again and resynchronises.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import SocketIO, emit, join_room, leave_room

from drafting.events import room_of
from drafting.extensions import db
from drafting.policy import Action, can
from drafting.services import editing
from drafting.services.documents import get_visible, tree
from drafting.services.errors import ServiceError

log = logging.getLogger(__name__)

_presence: dict[int, dict[str, dict[str, Any]]] = {}  # document -> sid -> who and where
_lock = threading.Lock()


def presence_of(document_id: int) -> list[dict[str, Any]]:
    with _lock:
        return list(_presence.get(document_id, {}).values())


def _error(error: ServiceError) -> dict[str, Any]:
    db.session.rollback()
    return {**error.payload(), "status": error.status}


def _document_id(data: Any) -> int:
    value = data.get("document_id") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        from drafting.services.errors import BadInput

        raise BadInput("document_id must be an integer")
    return value


def _joined(sid: str) -> int | None:
    with _lock:
        for document_id, members in _presence.items():
            if sid in members:
                return document_id
    return None


def register(socketio: SocketIO) -> None:
    @socketio.on("connect")
    def connect(auth=None):
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("log in first")
        return True

    @socketio.on("disconnect")
    def disconnect(*_args):
        _leave(request.sid)

    @socketio.on("join")
    def join(data):
        try:
            document = get_visible(current_user, _document_id(data))
            decision = can(current_user, Action.VIEW, document)
            if not decision.allowed:
                return {"error": decision.reasons[0], "status": 403}
        except ServiceError as error:
            return _error(error)
        _leave(request.sid)
        join_room(room_of(document.id))
        with _lock:
            _presence.setdefault(document.id, {})[request.sid] = {
                "sid": request.sid,
                "user_id": current_user.id,
                "name": current_user.name,
                "delegation": current_user.delegation.code,
                "color": current_user.delegation.color,
                "paragraph_id": None,
            }
        emit(
            "presence",
            {"document_id": document.id, "people": presence_of(document.id)},
            to=room_of(document.id),
        )
        snapshot = {
            "document_id": document.id,
            "state": document.state,
            "paragraphs": [
                {"id": p.id, "text": p.text, "version": p.version, "status": p.status}
                for p in tree(document)
            ],
        }
        db.session.rollback()
        return snapshot

    @socketio.on("leave")
    def leave(_data=None):
        _leave(request.sid)
        return {"ok": True}

    @socketio.on("editing")
    def editing_paragraph(data):
        document_id = _joined(request.sid)
        if document_id is None:
            return {"error": "join a document first", "status": 400}
        paragraph_id = data.get("paragraph_id") if isinstance(data, dict) else None
        if paragraph_id is not None and (
            isinstance(paragraph_id, bool) or not isinstance(paragraph_id, int)
        ):
            return {"error": "paragraph_id must be an integer or null", "status": 400}
        with _lock:
            _presence[document_id][request.sid]["paragraph_id"] = paragraph_id
        emit(
            "presence",
            {"document_id": document_id, "people": presence_of(document_id)},
            to=room_of(document_id),
        )
        return {"ok": True}

    @socketio.on("edit")
    def edit(data):
        document_id = _joined(request.sid)
        if document_id is None:
            return {"error": "join a document first", "status": 400}
        if not isinstance(data, dict):
            return {"error": "the event data must be an object", "status": 400}
        try:
            document = get_visible(current_user, document_id)
            decision = can(current_user, Action.EDIT_TEXT, document)
            if not decision.allowed:
                return {
                    "error": decision.reasons[0],
                    "reasons": list(decision.reasons),
                    "status": 403 if decision.forbidden else 409,
                }
            saved = editing.apply_edit(
                document,
                data.get("paragraph_id"),
                current_user,
                data.get("lang"),
                data.get("base_version"),
                data.get("patch"),
                skip_sid=request.sid,
            )
            db.session.commit()  # stored before the ack; the broadcast goes out on commit
        except ServiceError as error:
            return _error(error)
        return {"version": saved.version.seq, "text": saved.version.text}


def _leave(sid: str) -> None:
    document_id = _joined(sid)
    if document_id is None:
        return
    with _lock:
        _presence.get(document_id, {}).pop(sid, None)
    leave_room(room_of(document_id), sid=sid)
    emit(
        "presence",
        {"document_id": document_id, "people": presence_of(document_id)},
        to=room_of(document_id),
        namespace="/",
    )
