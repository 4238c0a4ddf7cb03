"""Engine set-up per backend and the row locks that keep concurrent writes safe.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every transaction
starts with BEGIN IMMEDIATE, so two writers never interleave: the second waits for the
first instead of failing half-way. PostgreSQL uses SELECT ... FOR UPDATE on the rows a
write depends on. Live edits to one document also queue in this process, and those that
queue are stored together (drafting.group_commit).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import Insert, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, SessionTransaction

from drafting.extensions import db

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
READER = "drafting_reader"  # execution option: a read-only transaction (SQLite: deferred)


def engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def configure_sqlite(engine: Engine, cooperative: bool = False) -> None:
    """WAL, busy timeout, foreign keys, and transactions that take the write lock at BEGIN.

    `cooperative` (gevent): SQLite's own busy handler sleeps inside C, which would stop every
    greenlet of the process, the one holding the lock included, until the timeout; so the
    wait for the lock is a loop of BEGIN attempts with sleeps that let the others run."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={0 if cooperative else BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        if connection.get_execution_options().get(READER):
            connection.exec_driver_sql("BEGIN")  # a snapshot to read from; writers go on
        elif cooperative:
            begin_yielding(connection.connection.driver_connection)
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def begin_yielding(dbapi_connection: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, waiting for another writer with sleeps that yield (gevent patches
    time.sleep), up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.0005
    while True:
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.02)


def read_only() -> None:
    """Make this session's next transaction one that only reads: on SQLite it then takes no
    write lock, so work done in the background never holds up an edit. Call it first."""
    db.session.connection(execution_options={READER: True})


def release() -> None:
    """Roll the session back, also when its connection is already gone (the database
    restarting, the connection cut): the connection is then dropped from the pool."""
    try:
        db.session.rollback()
    except (OperationalError, InterfaceError):
        db.session.invalidate()


def init_engine(app: Flask) -> None:
    from drafting import concurrency

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine, cooperative=concurrency.active() == "gevent")
        elif engine.dialect.driver == "psycopg" and concurrency.active() == "gevent":
            connection_class = holding_connection_class()
            event.listen(
                engine,
                "do_connect",
                lambda _dialect, _record, cargs, cparams: connection_class.connect(
                    *cargs, **cparams
                ),
            )


class _Waits(threading.local):  # per greenlet under gevent
    held = False


_waits = _Waits()


def holding_on() -> AbstractContextManager[None]:
    """Wait for PostgreSQL's answers without letting other greenlets run (gevent): for the
    edits of a document being stored together (drafting.group_commit).

    Each statement's answer comes back in about 50 µs, but a greenlet that yields while
    waiting for it gets the process back only once every other ready greenlet has run, and
    with a hundred sockets that was 0.4-2 ms per statement, for each of an edit's eight, while
    the document's edits waited behind it. Held, a group's statements take what SQLite's
    take; waiting for another process's row lock still lets the others run (lock_row)."""
    return _waiting(held=True)


def letting_others_run() -> AbstractContextManager[None]:
    """The opposite, inside holding_on(): for a wait that may be long (a row lock)."""
    return _waiting(held=False)


@contextmanager
def _waiting(held: bool) -> Iterator[None]:
    previous, _waits.held = _waits.held, held
    try:
        yield
    finally:
        _waits.held = previous


def holding_connection_class() -> type:
    """A psycopg connection whose waits follow holding_on()."""
    import psycopg
    from psycopg import waiting

    class HoldingConnection(psycopg.Connection):
        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            if _waits.held:  # the interval bounds each poll: without it wait_c would spin
                return waiting.wait_c(gen, self.pgconn.socket, interval, timeout)
            return super().wait(gen, interval=interval, timeout=timeout)

    return HoldingConnection


def locked(model: type[T], ident: int) -> T | None:
    """Load a row and lock it until the transaction ends (SQLite is already serialised by
    BEGIN IMMEDIATE)."""
    statement = select(model).where(model.id == ident)  # type: ignore[attr-defined]
    if db.session.get_bind().dialect.name != "sqlite":
        statement = statement.with_for_update(of=model, key_share=True)  # FOR NO KEY UPDATE OF
    return db.session.execute(
        statement.execution_options(populate_existing=True)
    ).scalar_one_or_none()


_INSERTS: dict[type, Insert] = {}  # one statement per table, built once


def append_row(model: type[T], values: dict) -> T:
    """INSERT one row of an append-only table (a version, an audit entry) with one statement
    built once, and return it as an object that is not in the session: an ORM flush of one
    new row cost more than everything else an edit does with the database.

    The values must name every column but the id (what the row holds is what the caller
    hashed), and nothing of the ORM runs: the caller does what a flush would check
    (models.guards.refuse_frozen)."""
    statement = _INSERTS.get(model)
    if statement is None:
        statement = _INSERTS[model] = insert(model.__table__)  # type: ignore[attr-defined]
    result = db.session.connection().execute(statement, values)
    return model(id=result.inserted_primary_key[0], **values)


LOCKED_AHEAD = "paragraphs locked ahead"  # transaction memo: paragraph ids locked for a group


def lock_row(model: type, ident: int) -> None:
    """Take the row lock without reloading the object (keeps unflushed changes intact).

    On PostgreSQL every write inside a document takes the document's row lock first, so
    writers of one document queue in one order and can never deadlock (a paragraph lock
    held by an edit against a revision snapshot's foreign-key checks, say). FOR NO KEY
    UPDATE leaves foreign-key checks of concurrent inserts unblocked.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return
    from drafting.models import Document, Paragraph

    if model is Paragraph and ident in transaction_memo(LOCKED_AHEAD):
        return  # locked with the others of its group (lock_paragraphs)

    with letting_others_run():  # another process may hold the lock for a while
        if model is Paragraph:
            db.session.execute(
                select(Document.id)
                .join(Paragraph, Paragraph.document_id == Document.id)
                .where(Paragraph.id == ident)
                .with_for_update(of=Document, key_share=True)
            )
        db.session.execute(
            select(model.id).where(model.id == ident).with_for_update(key_share=True)
        )


def lock_paragraphs(document_id: int, paragraph_ids: list[int]) -> None:
    """Lock a document and some of its paragraphs in two statements, for a group of edits
    stored together: the document first and the paragraphs in id order, the order every
    writer takes, so two groups cannot deadlock. The locks last until the transaction ends;
    lock_row() then knows these are held (taken outside any savepoint, no rollback of one
    edit's savepoint lets them go)."""
    if db.session.get_bind().dialect.name == "sqlite" or not paragraph_ids:
        return
    from drafting.models import Document, Paragraph

    with letting_others_run():  # another process may hold the locks for a while
        db.session.execute(
            select(Document.id).where(Document.id == document_id).with_for_update(key_share=True)
        )
        locked = db.session.scalars(
            select(Paragraph.id)
            .where(Paragraph.id.in_(paragraph_ids), Paragraph.document_id == document_id)
            .order_by(Paragraph.id)
            .with_for_update(key_share=True)
        )
        transaction_memo(LOCKED_AHEAD).update(dict.fromkeys(locked, True))


MEMOS = "drafting.database.memos"  # session.info: name -> what the transaction has read


def transaction_memo(name: str, session: Session | None = None) -> dict:
    """A dict kept with the session's transaction and dropped when it ends (committed or
    rolled back), for what was read or locked in it and holds only as long as it does."""
    info = (session or db.session).info
    return info.setdefault(MEMOS, {}).setdefault(name, {})


@event.listens_for(Session, "after_transaction_end")
def _forget_memos(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # a savepoint's end keeps them; the transaction's does not
        session.info.pop(MEMOS, None)
