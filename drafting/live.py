"""Socket.IO event handlers: thin, authenticated by the session cookie, checked by the policy.

Each handler parses its data, asks the policy, calls the same services as the HTTP views
and answers with an acknowledgement: the result, or ``{"error", "status", ...}`` in the
API's error shape. Rooms are named by the server (events.room_of), never by a client.

On SQLite every transaction takes the write lock at BEGIN, so handlers end their
transaction (commit or rollback) before they emit or wait on anything. An edit is committed
before it is acknowledged; the broadcast to the others leaves on COMMIT (events.publish).
A reconnecting client simply joins again: the join acknowledgement is a full snapshot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Request, current_app, request
from flask.ctx import RequestContext
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import current_user
from flask_socketio import SocketIO, emit, join_room, leave_room
from sqlalchemy.exc import InterfaceError, OperationalError

from drafting import group_commit, policy
from drafting.errors import error_body
from drafting.events import connection_token, room_of, tracked_room_of, user_room
from drafting.extensions import db, socketio
from drafting.handlers import login_session_id, viewer
from drafting.models import User
from drafting.models.people import DelegationKind
from drafting.policy import Action, can, get_visible, require
from drafting.services import paragraphs, presence, rounds, sessions
from drafting.services.errors import BadInput, ServiceError

log = logging.getLogger(__name__)


def same_origins(environ: dict[str, Any]) -> set[str]:
    """The page's own origin, as the browser names it (directly or behind a proxy)."""
    origins = set()
    host = environ.get("HTTP_HOST")
    if host:
        origins.add(f"{environ.get('wsgi.url_scheme', 'http')}://{host}")
        forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
        forwarded_proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip()
        origins.add(
            f"{forwarded_proto or environ.get('wsgi.url_scheme', 'http')}://{forwarded_host}"
        )
    return origins


def origin_check(extra: Iterable[str]) -> Callable[[str | None, dict[str, Any]], bool]:
    """Socket origins allowed: the same origin plus ALLOWED_ORIGINS.

    Given to Engine.IO as ``cors_allowed_origins`` (a plain list there would *replace* the
    same-origin default) and asked again on connect, so a page on another site cannot open
    a socket that rides on a delegate's cookie.
    """
    listed = set(extra)

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            return True  # not a browser page; the session cookie still has to be valid
        return "*" in listed or origin in listed or origin in same_origins(environ)

    return allowed


class WithoutCompression:
    """WSGI middleware that keeps permessage-deflate off the live sockets.

    The messages are small (a patch and a paragraph), and compressing each one again for
    every recipient cost 6-16 % of the server's time at plenary size; the websocket server
    accepts compression whenever the browser offers it, so the offer is taken out of the
    upgrade request."""

    def __init__(self, wsgi_app: Callable[..., Any]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.wsgi_app(environ, start_response)


class SocketSessions(SecureCookieSessionInterface):
    """The session cookie, read once per socket: Flask-SocketIO gives every event of a socket
    the copy of the session it took at the first one (its managed session), but Flask would
    still decode and verify the cookie for each event before that copy replaced it (about a
    twentieth of the server's time with 100 authors typing)."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        copy = request.environ.get("saved_session")  # where Flask-SocketIO keeps its copy
        return copy if copy is not None else super().open_session(app, request)


SOCKET_PATH = "/socket.io"  # Engine.IO's: where each socket's opening request went
URL_ADAPTER = "drafting.url_adapter"  # where a socket's environ keeps its bound URL adapter


def is_socket_environ(environ: dict[str, Any]) -> bool:
    """Whether this environ is a socket's (its events run in a request context built from
    the environ of the request that opened it; the browser's own requests never have this
    path, Engine.IO answers those before Flask sees them)."""
    return environ.get("PATH_INFO", "").rstrip("/") == SOCKET_PATH


class SocketEventContext(RequestContext):
    """The request context of one socket event. The socket's opening request went to
    Engine.IO, not to a view: there is no URL to route, and routing it again for every
    event, with a URL adapter bound anew each time, cost more than a hundred microseconds
    per event (bench/README.md)."""

    def match_request(self) -> None:
        """Nothing to route: the event's name chose its handler."""


class App(Flask):
    """Flask, with the request contexts of socket events made cheap (SocketEventContext):
    their URL adapter is bound once per socket, kept in its environ, and never matched."""

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        if is_socket_environ(environ):
            return SocketEventContext(self, environ)
        return super().request_context(environ)

    def create_url_adapter(self, request: Request | None) -> Any:
        if request is None or not is_socket_environ(request.environ):
            return super().create_url_adapter(request)
        adapter = request.environ.get(URL_ADAPTER)
        if adapter is None:
            adapter = request.environ[URL_ADAPTER] = super().create_url_adapter(request)
        return adapter


@dataclass(frozen=True)
class Delegate:
    """The delegation of a connection's person, as an edit names it."""

    id: int
    code: str
    kind: DelegationKind


@dataclass(frozen=True)
class Author:
    """The person behind a connection, read once when it opened, so an edit (many a second
    in a plenary) names them in its version, audit entry and broadcast without loading them
    and their login session again. What they may do is still decided on every edit (the
    policy reads their roles in the edit's transaction); ending the login session (logout,
    password change, lock-out) closes the socket, and this with it."""

    id: int
    name: str
    delegation_id: int
    delegation: Delegate
    is_admin: bool
    is_authenticated: bool = True

    @classmethod
    def of(cls, user: User) -> Author:
        delegation = Delegate(user.delegation.id, user.delegation.code, user.delegation.kind)
        return cls(user.id, user.name, user.delegation_id, delegation, bool(user.is_admin))


_authors: dict[str, Author] = {}  # socket id -> its person (this process's sockets)


def author() -> Author | None:
    """Who this socket's events come from, as read when it connected."""
    return _authors.get(request.sid)


def present() -> presence.Presence:
    """This app's presence registry (in memory, or in Redis when scaled out)."""
    return presence.presence_of(current_app._get_current_object())


def _refusal(error: ServiceError) -> dict[str, Any]:
    db.session.rollback()
    return {**error_body(error), "status": error.status}


def _document_id(data: Any = None) -> int:
    value = data.get("document_id") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput("document_id must be an integer")
    return value


def _announce(document_id: int) -> list[dict[str, Any]]:
    """Tell the room who is here; returns the list sent (read once, Redis may hold it)."""
    people = present().people(document_id)
    emit(
        "presence",
        {"document_id": document_id, "people": people},
        to=room_of(document_id),
        namespace="/",
    )
    return people


def _depart(sid: str) -> None:
    document_id = present().leave(sid)
    if document_id is not None:
        _leave_rooms(sid, document_id)
        _announce(document_id)


def _wants_marks(data: Any, key: str) -> bool:
    value = data.get(key, True) if isinstance(data, dict) else True
    if not isinstance(value, bool):
        raise BadInput(f"{key} must be true or false")
    return value


def _follow_marks(document_id: int, on: bool) -> None:
    """Whether this socket hears `changes_updated` (SPEC §11): only pages that show the
    marks need them, and computing nothing for the rest keeps a plenary's keystrokes cheap."""
    if on:
        join_room(tracked_room_of(document_id))
    else:
        leave_room(tracked_room_of(document_id))


def connect(auth: Any = None) -> bool:
    """Only a logged-in browser on an allowed origin may open a socket."""
    allowed = origin_check(current_app.config.get("ALLOWED_ORIGINS") or [])
    if not allowed(request.headers.get("Origin"), request.environ):
        raise ConnectionRefusedError("sockets may only be opened from this site")
    if not current_user.is_authenticated:
        raise ConnectionRefusedError("log in first")
    db.session.rollback()
    sessions.attach_socket(request.sid, login_session_id())
    _authors[request.sid] = Author.of(current_user)
    join_room(user_room(current_user.id))  # notifications reach every page the person has open
    return True


def disconnect(*_args: Any) -> None:
    """A closed socket leaves its room, so the others see the person go."""
    sessions.detach_socket(request.sid)
    _authors.pop(request.sid, None)
    _depart(request.sid)


def join(data: Any = None) -> dict[str, Any]:
    """Enter a document's room; the ack is a full snapshot, so rejoining is the resync.

    The socket is in the room before the snapshot is read: an update committed after that
    read reaches it, one committed before is in the snapshot (the client keeps the newer of
    the two). Entering after the read lost, for good, what was stored in between (found by
    bench/soak.py, with two processes)."""
    entered = None
    try:
        document = get_visible(current_user, _document_id(data))
        require(viewer(), Action.VIEW, document)
        marks = _wants_marks(data, "tracked")
        if not _enter(document.id):
            db.session.rollback()
            return CLOSED
        entered = document.id
        state = presence.snapshot(document)
        state["can_edit"] = can(current_user, Action.EDIT_TEXT, document).allowed
        me = {**presence.person(current_user), "id": connection_token(request.sid)}
        if rounds.record_open(document, viewer()):  # the round dashboard's "opened the text"
            db.session.commit()
    except ServiceError as error:
        refusal = _refusal(error)
        if entered is not None and present().document_of(request.sid) != entered:
            _leave_rooms(request.sid, entered)  # not in that document before: out again
        return refusal
    db.session.rollback()  # read only: release the database before talking to anyone
    sid = request.sid
    previous = present().document_of(sid)
    if previous is not None and previous != state["document_id"]:
        present().leave(sid)
        leave_room(room_of(previous))
        leave_room(tracked_room_of(previous))
        _announce(previous)
    # Joining the same document again (the page does, after a workflow step) keeps the
    # socket in it meanwhile: an edit arriving while the shared registry is being written
    # would otherwise find it nowhere and be refused.
    if not _still_open(sid):
        _leave_rooms(sid, state["document_id"])
        return CLOSED
    try:
        _follow_marks(state["document_id"], marks)
    except (KeyError, ValueError):  # the socket was forgotten just now: nothing joined
        return CLOSED
    present().join(state["document_id"], sid, me)
    if not _still_open(sid):  # its disconnect ran meanwhile and found nothing to leave
        _depart(sid)
        return CLOSED
    people = _announce(state["document_id"])
    return {**state, "you": me["id"], "people": people}


def _enter(document_id: int) -> bool:
    """Put this socket in the document's room; False if it was forgotten just now."""
    try:
        join_room(room_of(document_id))
    except (KeyError, ValueError):
        return False
    return True


def _leave_rooms(sid: str, document_id: int) -> None:
    try:
        leave_room(room_of(document_id), sid=sid, namespace="/")
        leave_room(tracked_room_of(document_id), sid=sid, namespace="/")
    except (KeyError, ValueError):  # the socket is gone, and its rooms with it
        pass


# The answer to a join whose socket closed while it was being answered (a tab closed just
# after opening): nobody receives it, and the join leaves nothing behind.
CLOSED = {"error": "the connection closed", "status": 410}


def _still_open(sid: str) -> bool:
    """False once the socket's disconnect has begun (handlers run in their own threads, so
    a tab closed at once may disconnect while its join is still being read)."""
    return socketio.server.manager.is_connected(sid, "/")


def leave(_data: Any = None) -> dict[str, Any]:
    """Leave the room without closing the socket."""
    _depart(request.sid)
    return {"ok": True}


def tracked(data: Any = None) -> dict[str, Any]:
    """Turn the pushed tracked changes on or off for this socket (the page's marks toggle)."""
    document_id = present().document_of(request.sid)
    if document_id is None:
        return {"error": "join a document first", "status": 400}
    if not isinstance(data, dict) or "on" not in data:
        return {"error": "say on: true or false", "status": 400}
    try:
        on = _wants_marks(data, "on")
    except ServiceError as error:
        return _refusal(error)
    _follow_marks(document_id, on)
    return {"ok": True, "on": on}


def _named_place(data: Any, *, required: bool) -> tuple[int, int | None, str | None]:
    """The joined document, and the paragraph id and language an event names, checked: the
    socket is in a document it may still see, the paragraph is one of it, the language one
    of its languages (each only where given, unless ``required``)."""
    document_id = present().document_of(request.sid)
    if document_id is None:
        raise BadInput("join a document first")
    paragraph_id = data.get("paragraph_id") if isinstance(data, dict) else None
    lang = data.get("lang") if isinstance(data, dict) else None
    document = get_visible(current_user, document_id)
    require(viewer(), Action.VIEW, document)
    paragraph = None
    if required or paragraph_id is not None:
        paragraph = paragraphs.paragraph_of(document, paragraph_id)
    if (required or lang is not None) and lang not in document.languages:
        raise BadInput("lang must be one of the document's languages")
    return document_id, paragraph.id if paragraph else None, lang


def editing_paragraph(data: Any = None) -> dict[str, Any]:
    """Say which paragraph (and language) this person is in, for the others' markers."""
    try:
        document_id, paragraph_id, lang = _named_place(data, required=False)
    except ServiceError as error:
        return _refusal(error)
    db.session.rollback()
    present().place(request.sid, paragraph_id, lang if paragraph_id is not None else None)
    _announce(document_id)
    return {"ok": True}


def resync(data: Any = None) -> dict[str, Any]:
    """One paragraph's current text and version in one language, for a client that missed a
    version or whose patched copy does not match an update's ``text_sha1`` (SPEC §7)."""
    try:
        _document_id, paragraph_id, lang = _named_place(data, required=True)
        current = paragraphs.current_payload(paragraphs.latest(paragraph_id, lang))  # type: ignore[arg-type]
    except ServiceError as error:
        return _refusal(error)
    except (OperationalError, InterfaceError) as error:  # the database did not answer
        log.warning("a text was not read again, the database did not answer: %s", error.orig)
        return UNAVAILABLE
    db.session.rollback()
    return {"paragraph_id": paragraph_id, "lang": lang, **current}


def edit(data: Any = None) -> dict[str, Any]:
    """Apply one patch; answered with the stored version once it is committed, the
    broadcast to the others leaving on that COMMIT. Edits that arrive while the document's
    last ones are being stored are stored together in the next transaction (group_commit)."""
    document_id = present().document_of(request.sid)
    if document_id is None:
        return {"error": "join a document first", "status": 400}
    if not isinstance(data, dict):
        return {"error": "the event data must be an object", "status": 400}
    user, sid = author(), request.sid
    try:
        return group_commit.submit(
            document_id,
            lambda: _store_edit(document_id, user, sid, data),
            reads=(user, data.get("paragraph_id")),
            read_ahead=lambda reads: _read_ahead(document_id, reads),
        )
    except ServiceError as error:
        return {**error_body(error), "status": error.status}
    except (OperationalError, InterfaceError) as error:  # the database did not answer
        log.warning("an edit was not stored, the database did not answer: %s", error.orig)
        return UNAVAILABLE
    except group_commit.Abandoned:
        return UNAVAILABLE


def _store_edit(document_id: int, user: Author | None, sid: str, data: dict) -> dict[str, Any]:
    """One edit inside its transaction (maybe shared with others, so nothing here reads the
    handler's request): checked, stored, its broadcast queued; its ack is read before COMMIT
    expires the version."""
    document = get_visible(user, document_id)
    require(user, Action.EDIT_TEXT, document)
    saved = paragraphs.apply_edit(
        document,
        data.get("paragraph_id"),
        user,
        data.get("lang"),
        data.get("base_version"),
        data.get("patch"),
        skip_sid=sid,
    )
    return saved.ack


def _read_ahead(document_id: int, reads: list[tuple[Author | None, object]]) -> None:
    """What the edits stored together will each ask for, read at once: their authors' roles,
    their paragraphs and those paragraphs' newest versions."""
    policy.read_roles_ahead(user for user, _paragraph_id in reads)
    try:
        document = get_visible(reads[0][0], document_id)
    except ServiceError:
        return  # each edit is refused on its own
    paragraphs.read_ahead(document, [paragraph_id for _user, paragraph_id in reads])


# The answer to an edit the database could not take (restarting, its connection cut, its
# lock not granted within the busy timeout), or whose shared transaction was given up for
# another edit in it. The client keeps the text and sends it again shortly; should the lost
# connection have taken the COMMIT with it after all, the server recognises the edit sent
# again and answers with the version it made.
UNAVAILABLE = {
    "error": "the database did not answer; ask again shortly",
    "status": 503,
    "retry": True,
}


HANDLERS: dict[str, Callable[..., Any]] = {
    "connect": connect,
    "disconnect": disconnect,
    "join": join,
    "leave": leave,
    "editing": editing_paragraph,
    "tracked": tracked,
    "edit": edit,
    "resync": resync,
}


def register(socketio: SocketIO) -> None:
    """Attach the handlers to this app's Socket.IO server (event names are SPEC §7)."""
    for event, handler in HANDLERS.items():
        socketio.on_event(event, handler)
