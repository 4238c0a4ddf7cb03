"""Helpers for the tamper-evidence tests: a record with one of every row the audit chain
vouches for, changes made behind the application's back, and a database as migration 0001
left it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask
from sqlalchemy import DateTime, MetaData, create_engine, insert, text

from drafting import clock, create_app
from drafting.extensions import db
from support.amendments import EIGHT_A, decide, edit, file

GMT_6 = timezone(timedelta(hours=-6))
# What migration 0002 added; a database at 0001 has none of it.
ADDED_COLUMNS = {
    "document": ("hash", "chain_length", "chain_head"),
    "version": ("hash",),
    "amendment": ("hash",),
    "co_sponsor": ("hash",),
    "reservation": ("hash",),
    "comment": ("hash",),
    "revision": ("hash", "sha256"),
    "deadline": ("hash",),
}


def tamper(app, sql: str, **params: Any) -> None:
    """Someone with database access changes the record behind the application's back."""
    with app.app_context():
        db.session.execute(text(sql), params)
        db.session.commit()


def scalar(app, sql: str, **params: Any) -> Any:
    with app.app_context():
        return db.session.execute(text(sql), params).scalar()


def negotiate(auth, demo) -> dict[str, int]:
    """Edits in both languages, an amendment rejected after a co-sponsor joined, one
    withdrawn, one accepted (a new paragraph), a reservation and a comment; nothing pending,
    so the text can go to silence. Answers the ids of what it made."""
    edit(auth, demo, "elsalvador@demo.test", "3", "To thank UNHCR warmly.")
    edit(auth, demo, "elsalvador@demo.test", "3", "Agradecer calurosamente al ACNUR.", "es")
    rejected = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " A.", rationale="Because.")
    assert rejected.status_code == 201, rejected.get_json()
    rejected_id = rejected.get_json()["id"]
    auth.login("canada@demo.test")
    assert auth.post(f"/api/amendments/{rejected_id}/co-sponsor").status_code == 200
    assert decide(auth, rejected_id, decision="reject", note="Not now.").status_code == 200
    withdrawn = file(auth, demo, "guatemala@demo.test", "8.a", EIGHT_A + " B.")
    withdrawn_id = withdrawn.get_json()["id"]
    assert auth.post(f"/api/amendments/{withdrawn_id}/withdraw").status_code == 200
    inserted = file(
        auth,
        demo,
        "honduras@demo.test",
        "8.a",
        "To welcome the regional health initiative.",
        kind="insert",
        texts={"es": "Acoger la iniciativa regional de salud."},
        rationale="Health matters.",
    )
    inserted_id = inserted.get_json()["id"]
    assert decide(auth, inserted_id, decision="accept").status_code == 200
    auth.login("usa@demo.test")
    paragraph = demo.paragraph("8.a")["id"]
    reservation = auth.post(
        f"/api/documents/{demo.id}/reservations",
        {"paragraph_id": paragraph, "text": "The United States does not join consensus."},
    )
    assert reservation.status_code == 201, reservation.get_json()
    comment = auth.post(
        f"/api/documents/{demo.id}/comments", {"body": "Why 8 a?", "paragraph_id": paragraph}
    )
    assert comment.status_code == 201, comment.get_json()
    return {
        "rejected": rejected_id,
        "withdrawn": withdrawn_id,
        "inserted": inserted_id,
        "reservation": reservation.get_json()["id"],
        "comment": comment.get_json()["id"],
    }


def as_before_the_chain(backup: dict[str, Any]) -> dict[str, dict[str, list[dict]]]:
    """The backup's rows as the application wrote them before migration 0002: without the
    columns it added, and audit entries without row references, chained as they were."""
    from drafting.models import integrity

    tables = {
        name: [{k: v for k, v in r.items() if k not in ADDED_COLUMNS.get(name, ())} for r in rows]
        for name, rows in backup["tables"].items()
    }
    previous: dict[Any, str] = {}
    for entry in sorted(tables["audit_entry"], key=lambda e: e["id"]):
        for key in ("rows", "decisions", "layout"):
            entry["details"].pop(key, None)
        entry["prev_hash"] = previous.get(entry["document_id"], "")
        stamped = {**entry, "at": clock.as_utc(_datetime(entry["at"]))}
        entry["hash"] = previous[entry["document_id"]] = integrity.entry_hash(stamped)
    return tables


def load_rows(url: str, tables: dict[str, list[dict]]) -> None:
    """Insert rows into the database at ``url`` as its own schema has them (reflected):
    columns later migrations added are left out, as the application of then wrote none."""
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            rows = sorted(tables.get(table.name, []), key=lambda r: r.get("id") or 0)
            for row in rows:
                values = {k: _value(table, k, v) for k, v in row.items() if k in table.c}
                connection.execute(insert(table).values(**values))
            if engine.dialect.name == "postgresql" and "id" in table.c and rows:
                # rows came with their ids: move the sequence past them
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), :n)"),
                    {"n": max(r["id"] for r in rows)},
                )
    engine.dispose()


def _datetime(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _value(table, column: str, value: Any) -> Any:
    """Backups carry times as ISO strings; reflected columns want datetimes."""
    if isinstance(value, str) and isinstance(table.c[column].type, DateTime):
        return clock.as_utc(_datetime(value))
    return value


@contextmanager
def empty_database(app, databases, revision: str = "head") -> Iterator[tuple[Flask, str]]:
    """Another application on a database of its own, built by the migrations up to
    ``revision`` and holding nothing; dropped afterwards."""
    from flask_migrate import upgrade

    from drafting.cli import drop_everything

    url = databases.new()
    other = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": url})
    with other.app_context():
        drop_everything()
        upgrade(revision=revision)
    try:
        yield other, url
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        databases.drop(url)
