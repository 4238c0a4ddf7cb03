"""Pushing a paragraph's tracked changes to its room, after the versions commit, in batches.

Working out a paragraph's attributed changes since the latest circulated revision costs
several times what storing the keystroke does, so it stays out of the edit's transaction:
the edit queues its paragraph here once it is committed, one background task per document
works through the queue, and the sockets that show the marks hear the result. Paragraphs
queued while it computes are taken together in its next pass (one change set for all of
them), so under load the push follows the typing at the pace the server can afford instead
of slowing every keystroke. A push carries the version it reflects; the page asks for the
changes itself when a push is late (static/js/marks.js).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError

from drafting.database import read_only, release
from drafting.events import tracked_room_of
from drafting.extensions import db, socketio
from drafting.models import Document, Version

log = logging.getLogger(__name__)

# keyed by (app, document): one app per server process, several in a test run
_pending: dict[tuple[int, int], dict[str, set[int]]] = {}  # -> lang -> paragraph ids
_working: set[tuple[int, int]] = set()  # whose task is running
_guard = threading.Lock()


def followed(app: Flask, document_id: int) -> bool:
    """Whether any socket shows this document's marks. Known for this process's own sockets;
    with a message queue the others' are not, so there the push is always computed."""
    if app.config.get("SOCKETIO_MESSAGE_QUEUE"):
        return True
    return bool(socketio.server.manager.rooms.get("/", {}).get(tracked_room_of(document_id)))


def queue(app: Flask, document_id: int, paragraph_id: int, lang: str) -> None:
    """Ask for the paragraph's changes to be pushed; starts the document's task if idle."""
    if not followed(app, document_id):
        return
    key = (id(app), document_id)
    with _guard:
        _pending.setdefault(key, {}).setdefault(lang, set()).add(paragraph_id)
        if key in _working:
            return
        _working.add(key)
    socketio.start_background_task(_work, app, document_id)


def settle(timeout: float = 5.0) -> bool:
    """Wait until no push is being computed (before the database goes away: an app shutting
    down, a test's database dropped); False if one is still running after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _guard:
            if not _working:
                return True
        socketio.sleep(0.01)
    return False


def _take(key: tuple[int, int]) -> dict[str, set[int]] | None:
    with _guard:
        batch = _pending.pop(key, None)
        if not batch:
            _working.discard(key)
        return batch


def _work(app: Flask, document_id: int) -> None:
    while (batch := _take((id(app), document_id))) is not None:
        with app.app_context():
            try:
                read_only()
                found = payloads(document_id, batch)
                db.session.commit()  # ends the read; the memo keeps what it learnt (no rollback)
            except (OperationalError, InterfaceError) as error:  # the database did not answer
                release()
                log.warning(
                    "tracked changes of document %s were not pushed, the database did not "
                    "answer: %s",
                    document_id,
                    error.orig,
                )
                continue
            except Exception:  # a push is a convenience: the page asks when none comes
                release()
                log.exception("tracked changes of document %s were not pushed", document_id)
                continue
            try:
                for payload in found:
                    socketio.emit("changes_updated", payload, to=tracked_room_of(document_id))
            except Exception:  # the task must go on: it alone clears the document's flag
                log.exception("tracked changes of document %s were not sent", document_id)


def payloads(document_id: int, batch: dict[str, set[int]]) -> list[dict[str, Any]]:
    """One `changes_updated` message per queued paragraph (SPEC §11), each with the version
    its changes were computed at, read in one transaction."""
    from drafting.services import revisions
    from drafting.services.changes import change_set

    document = db.session.get(Document, document_id)
    circulated = revisions.latest_circulated(document) if document else None
    if circulated is None:
        return []
    out = []
    for lang, paragraph_ids in sorted(batch.items()):
        heads = dict(
            db.session.execute(
                select(Version.paragraph_id, func.max(Version.seq))
                .where(Version.paragraph_id.in_(paragraph_ids), Version.lang == lang)
                .group_by(Version.paragraph_id)
            ).all()
        )
        found = change_set(document, circulated.label, None, lang, paragraph_ids=paragraph_ids)
        for entry in found.as_json()["paragraphs"]:
            out.append(
                {
                    "paragraph_id": entry["id"],
                    "lang": lang,
                    "version": heads.get(entry["id"], 0),
                    "from": circulated.label,
                    "paragraph": entry,
                }
            )
    return out
