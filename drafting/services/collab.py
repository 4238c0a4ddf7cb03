"""Live collaboration state that is not text: who is in which document, and where.

Presence lives in the memory of the server process (it is about open connections, which
die with the process); the text itself only ever lives in the database. With several
server processes each one knows its own connections.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from drafting.models import Document, User
from drafting.services.documents import tree


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


def presence_of(extensions: dict[str, Any]) -> Presence:
    """The app's presence registry (one per app, kept in ``app.extensions``)."""
    return extensions.setdefault("drafting.presence", Presence())
