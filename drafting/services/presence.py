"""Live collaboration state that is not text: who is in which document, and where.

Presence is about open connections, which die with their server process, so it is kept
in memory, never in the database. With several server processes sharing a Redis message
queue, each process also mirrors its own connections into Redis, so everyone sees everyone
(:class:`SharedPresence`).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from drafting.events import room_of, tracked_room_of
from drafting.extensions import socketio
from drafting.models import Document, User
from drafting.services.documents import tree

log = logging.getLogger(__name__)


def snapshot(document: Document) -> dict[str, Any]:
    """Everything a (re)connecting editor needs to resynchronise: every paragraph's current
    text and version per language, its status, and the document's state."""
    revision = document.current_revision
    return {
        "document_id": document.id,
        "state": document.state,
        "revision": revision.label if revision else None,
        "languages": list(document.languages),
        "paragraphs": [
            {
                "id": p.id,
                "number": p.number,
                "status": p.status,
                "text": p.text,
                "version": p.version,
                "translation_pending": p.translation_pending,
                "brackets": {lang: found.as_json() for lang, found in p.brackets.items()},
            }
            for p in tree(document)
        ],
    }


def person(user: User) -> dict[str, Any]:
    """How a connection shows up in the presence list; ids are opaque, never socket ids."""
    return {
        "id": secrets.token_hex(4),
        "user_id": user.id,
        "name": user.name,
        "delegation": user.delegation.code,
        "color": user.delegation.color,
        "paragraph_id": None,
        "lang": None,
    }


class Presence:
    """Connections per document and the paragraph each is in; safe across handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rooms: dict[int, dict[str, dict[str, Any]]] = {}
        self._where: dict[str, int] = {}
        self._logins: dict[str, set[str]] = {}
        self._login_of: dict[str, str] = {}

    def attach(self, sid: str, login_id: str) -> None:
        """Remember the login session a connection was opened under, to cut it off with it."""
        with self._lock:
            self._logins.setdefault(login_id, set()).add(sid)
            self._login_of[sid] = login_id

    def detach(self, sid: str) -> str | None:
        """Forget a closed connection's login session; returns it."""
        with self._lock:
            login_id = self._login_of.pop(sid, None)
            if login_id is not None:
                sids = self._logins.get(login_id, set())
                sids.discard(sid)
                if not sids:
                    self._logins.pop(login_id, None)
            return login_id

    def sockets_of_login(self, login_id: str) -> set[str]:
        """The connections opened under a login session (in every process when shared)."""
        with self._lock:
            return set(self._logins.get(login_id, ()))

    def sockets_of_user(self, document_id: int, user_id: int) -> set[str]:
        """A user's connections in a document (in every process when shared)."""
        with self._lock:
            return {
                sid
                for sid, entry in self._rooms.get(document_id, {}).items()
                if entry["user_id"] == user_id
            }

    def drop(self, document_id: int, sid: str) -> None:
        """Forget a connection in a document, wherever it was opened."""
        with self._lock:
            if self._where.get(sid) == document_id:
                self._where.pop(sid)
                members = self._rooms.get(document_id, {})
                members.pop(sid, None)
                if not members:
                    self._rooms.pop(document_id, None)

    def join(self, document_id: int, sid: str, who: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            self._rooms.setdefault(document_id, {})[sid] = dict(who)
            self._where[sid] = document_id
            return self._people(document_id)

    def leave(self, sid: str) -> int | None:
        """Forget a connection; returns the document it was in."""
        with self._lock:
            document_id = self._where.pop(sid, None)
            if document_id is not None:
                members = self._rooms.get(document_id, {})
                members.pop(sid, None)
                if not members:
                    self._rooms.pop(document_id, None)
            return document_id

    def document_of(self, sid: str) -> int | None:
        with self._lock:
            return self._where.get(sid)

    def place(self, sid: str, paragraph_id: int | None, lang: str | None) -> int | None:
        """Record which paragraph (and language) a connection is in; returns its document."""
        with self._lock:
            document_id = self._where.get(sid)
            if document_id is None:
                return None
            entry = self._rooms[document_id][sid]
            entry["paragraph_id"], entry["lang"] = paragraph_id, lang
            return document_id

    def people(self, document_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return self._people(document_id)

    def _people(self, document_id: int) -> list[dict[str, Any]]:
        return [dict(entry) for entry in self._rooms.get(document_id, {}).values()]


class SharedPresence(Presence):
    """Presence seen by every server process: each mirrors its own connections into one
    Redis hash per document and keeps a heartbeat key alive; when a process dies, its
    connections vanish from the list once the heartbeat expires. If Redis does not answer,
    a process shows the connections it knows itself rather than failing the socket event.
    """

    HEARTBEAT_SECONDS = 10

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, decode_responses=True)
        self.process = secrets.token_hex(8)
        self._beating = False

    def join(self, document_id: int, sid: str, who: dict[str, Any]) -> list[dict[str, Any]]:
        """Like Presence.join, this process's connections; people() reads everyone's."""
        local = super().join(document_id, sid, who)
        entry = {**who, "process": self.process, "since": time.time()}
        self._mirror(lambda: self.redis.hset(_key(document_id), sid, json.dumps(entry)))
        return local

    def leave(self, sid: str) -> int | None:
        document_id = super().leave(sid)
        if document_id is not None:
            self._mirror(lambda: self.redis.hdel(_key(document_id), sid))
        return document_id

    def place(self, sid: str, paragraph_id: int | None, lang: str | None) -> int | None:
        document_id = super().place(sid, paragraph_id, lang)
        if document_id is not None:

            def update() -> None:
                stored = self.redis.hget(_key(document_id), sid)
                if stored:
                    entry = {**json.loads(stored), "paragraph_id": paragraph_id, "lang": lang}
                    self.redis.hset(_key(document_id), sid, json.dumps(entry))

            self._mirror(update)
        return document_id

    def attach(self, sid: str, login_id: str) -> None:
        super().attach(sid, login_id)

        def add() -> None:
            self.redis.sadd(_login_key(login_id), sid)
            self.redis.expire(_login_key(login_id), LOGIN_KEY_SECONDS)

        self._mirror(add)

    def detach(self, sid: str) -> str | None:
        login_id = super().detach(sid)
        if login_id is not None:
            self._mirror(lambda: self.redis.srem(_login_key(login_id), sid))
        return login_id

    def sockets_of_login(self, login_id: str) -> set[str]:
        local = super().sockets_of_login(login_id)
        try:
            return local | set(self.redis.smembers(_login_key(login_id)))
        except Exception:
            log.warning("presence: Redis unavailable, ending this process's connections only")
            return local

    def sockets_of_user(self, document_id: int, user_id: int) -> set[str]:
        local = super().sockets_of_user(document_id, user_id)
        try:
            entries = self.redis.hgetall(_key(document_id)).items()
        except Exception:
            log.warning("presence: Redis unavailable, cutting this process's connections only")
            return local
        return local | {sid for sid, raw in entries if json.loads(raw)["user_id"] == user_id}

    def drop(self, document_id: int, sid: str) -> None:
        super().drop(document_id, sid)
        self._mirror(lambda: self.redis.hdel(_key(document_id), sid))

    def people(self, document_id: int) -> list[dict[str, Any]]:
        self._start_heartbeat()
        try:
            entries = {
                sid: json.loads(raw) for sid, raw in self.redis.hgetall(_key(document_id)).items()
            }
            processes = sorted({entry["process"] for entry in entries.values()})
            beats = self.redis.mget([_beat_key(p) for p in processes]) if processes else []
            alive = {p for p, beat in zip(processes, beats, strict=True) if beat}
            gone = [sid for sid, entry in entries.items() if entry["process"] not in alive]
            if gone:
                self.redis.hdel(_key(document_id), *gone)
        except Exception:
            log.warning("presence: Redis unavailable, showing this process's connections")
            return super().people(document_id)
        present = [e for e in entries.values() if e["process"] in alive]
        present.sort(key=lambda entry: entry["since"])
        return [
            {k: v for k, v in entry.items() if k not in ("process", "since")} for entry in present
        ]

    def _mirror(self, write: Callable[[], object]) -> bool:
        self._start_heartbeat()
        try:
            write()
        except Exception:
            log.warning("presence: Redis unavailable, keeping this process's connections only")
            return False
        return True

    def _start_heartbeat(self) -> None:
        if self._beating:
            return
        self._beating = True
        self._beat()
        threading.Thread(target=self._keep_beating, name="presence-heartbeat", daemon=True).start()

    def _beat(self) -> None:
        try:
            self.redis.set(_beat_key(self.process), "1", ex=3 * self.HEARTBEAT_SECONDS)
        except Exception:
            log.warning("presence: Redis unavailable for the heartbeat")

    def _keep_beating(self) -> None:
        while True:
            time.sleep(self.HEARTBEAT_SECONDS)
            self._beat()


def _key(document_id: int) -> str:
    return f"drafting:presence:{document_id}"


def _beat_key(process: str) -> str:
    return f"drafting:process:{process}"


LOGIN_KEY_SECONDS = 24 * 3600  # a connection left over by a dead process is forgotten


def _login_key(login_id: str) -> str:
    return f"drafting:login:{login_id}"


def cut_off(sids: set[str]) -> None:
    """Close these connections, in whichever process holds them (the message queue carries
    the order to the others); the disconnect handler then forgets them."""
    for sid in sids:
        socketio.server.disconnect(sid, namespace="/")


def evict(app: Flask, user_id: int, document_ids: list[int], reason: str) -> None:
    """A user's access to these documents changed: their connections leave the rooms at once,
    so no broadcast reaches them, and hear why (`access_changed`); a client still allowed
    joins again and gets a fresh snapshot with its new rights."""
    registry = presence_of(app)
    for document_id in document_ids:
        sids = registry.sockets_of_user(document_id, user_id)
        for sid in sids:
            socketio.server.leave_room(sid, room_of(document_id), namespace="/")
            socketio.server.leave_room(sid, tracked_room_of(document_id), namespace="/")
            registry.drop(document_id, sid)
            notice = {"document_id": document_id, "reason": reason}
            socketio.emit("access_changed", notice, to=sid, namespace="/")
        if sids:
            people = {"document_id": document_id, "people": registry.people(document_id)}
            socketio.emit("presence", people, to=room_of(document_id), namespace="/")


def presence_of(app: Flask) -> Presence:
    """The app's presence registry (one per app, kept in ``app.extensions``): shared through
    Redis when the Socket.IO message queue is Redis, else this process's own."""
    registry = app.extensions.get("drafting.presence")
    if registry is None:
        queue = app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
        shared = queue.startswith(("redis://", "rediss://"))
        registry = SharedPresence(queue) if shared else Presence()
        app.extensions["drafting.presence"] = registry
    return registry
