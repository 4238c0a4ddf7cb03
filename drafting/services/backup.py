"""Export a whole process (people, documents, versions, amendments, audit) as one JSON
document, and import it into another database with the same ids, so that the audit hash
chain, the rows it vouches for and the adopted texts' SHA-256 still verify after a restore.

A backup holds the participants' names and e-mail addresses (a restore needs them to know
who did what) but not their password hashes unless asked for: a leaked backup should not
hand out material for cracking passwords. Users restored from a backup without hashes
cannot log in until a password is set for them (`flask set-password EMAIL`)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, text

from drafting.extensions import db
from drafting.models.base import UTCDateTime
from drafting.models.people import NO_PASSWORD
from drafting.services.errors import BadInput, NotFound

FORMAT = "drafting-process-backup/1"
# The columns that name the people a process's rows involve.
USER_COLUMNS = ("author_id", "user_id", "decided_by_id", "created_by_id", "recommended_by_id")


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def _rows(table: Table, column: str, values: set[int]) -> list[dict[str, Any]]:
    if not values:
        return []
    result = db.session.execute(
        select(table)
        .where(table.c[column].in_(sorted(values)))
        .order_by(table.c[next(iter(table.primary_key.columns)).name])
    )
    return [dict(row._mapping) for row in result]


def _ids(rows: list[dict[str, Any]], column: str = "id") -> set[int]:
    return {row[column] for row in rows if row.get(column) is not None}


def collect(process_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row that belongs to the process, table by table."""
    t = db.metadata.tables
    out: dict[str, list[dict[str, Any]]] = {}
    out["process"] = _rows(t["process"], "id", {process_id})
    if not out["process"]:
        raise NotFound(f"no process {process_id}")
    out["membership"] = _rows(t["membership"], "process_id", {process_id})
    out["document"] = _rows(t["document"], "process_id", {process_id})
    documents = _ids(out["document"])
    for name in (
        "paragraph",
        "revision",
        "amendment",
        "comment",
        "reservation",
        "deadline",
        "paragraph_position",
        "audit_entry",
        "change_review",
    ):
        out[name] = _rows(t[name], "document_id", documents)
    paragraphs, revisions, amendments = (
        _ids(out[n]) for n in ("paragraph", "revision", "amendment")
    )
    out["version"] = _rows(t["version"], "paragraph_id", paragraphs)
    out["paragraph_tag"] = _rows(t["paragraph_tag"], "paragraph_id", paragraphs)
    out["revision_paragraph"] = _rows(t["revision_paragraph"], "revision_id", revisions)
    out["revision_version"] = _rows(t["revision_version"], "revision_id", revisions)
    out["amendment_text"] = _rows(t["amendment_text"], "amendment_id", amendments)
    out["co_sponsor"] = _rows(t["co_sponsor"], "amendment_id", amendments)
    out["tag"] = _rows(t["tag"], "id", _ids(out["paragraph_tag"], "tag_id"))
    users = _ids(out["membership"], "user_id")
    for rows in out.values():
        for column in (
            "author_id",
            "user_id",
            "decided_by_id",
            "created_by_id",
            "recommended_by_id",
        ):
            users |= _ids(rows, column)
    out["user"] = _rows(t["user"], "id", users)
    delegations: set[int] = set()
    for rows in out.values():
        for column in ("delegation_id", "proposer_delegation_id"):
            delegations |= _ids(rows, column)
    out["delegation"] = _rows(t["delegation"], "id", delegations)
    return out


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def export_process(process_id: int, *, with_password_hashes: bool = False) -> dict[str, Any]:
    """The backup of one process; password hashes only when asked for."""
    tables = collect(process_id)
    if not with_password_hashes:
        for user in tables["user"]:
            del user["password_hash"]
    ordered = [t.name for t in db.metadata.sorted_tables if t.name in tables]
    return {
        "format": FORMAT,
        "process_id": process_id,
        "password_hashes": with_password_hashes,
        "tables": {
            name: [{k: _encode(v) for k, v in row.items()} for row in tables[name]]
            for name in ordered
        },
    }


def dumps(backup: dict[str, Any]) -> str:
    return json.dumps(backup, ensure_ascii=False, sort_keys=True, indent=1)


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    decoded = {}
    for key, value in row.items():
        if key not in table.c:
            raise BadInput(f"unknown column {table.name}.{key} in the backup")
        if value is not None and isinstance(table.c[key].type, UTCDateTime):
            value = datetime.fromisoformat(value)
        decoded[key] = value
    return decoded


def import_process(backup: Any) -> int:
    """Insert every row with its original id; refuses if any of them already exists (a
    restore goes into a database that does not hold this process). Users the backup holds
    without a password hash are created without a password."""
    if not isinstance(backup, dict) or backup.get("format") != FORMAT:
        raise BadInput(f"not a {FORMAT} file")
    tables = backup.get("tables")
    if not isinstance(tables, dict):
        raise BadInput("the backup holds no tables")
    ordered = [t for t in db.metadata.sorted_tables if t.name in tables]
    for table in ordered:
        rows = tables[table.name]
        if table.name in ("delegation", "tag", "user"):
            continue  # shared rows: checked for identity below, inserted only when absent
        key = next(iter(table.primary_key.columns))
        ids = {row[key.name] for row in rows}
        if ids and db.session.scalar(select(func.count()).select_from(table).where(key.in_(ids))):
            raise BadInput(
                f"{table.name} rows of this backup already exist; restore into a "
                "database that does not hold this process"
            )
    for table in ordered:
        rows = [_decode(table, row) for row in tables[table.name]]
        if table.name == "user":
            for row in rows:
                row.setdefault("password_hash", NO_PASSWORD)  # cannot log in until one is set
        if table.name in ("delegation", "tag", "user"):
            rows = _absent(table, rows)
        if table.name == "version" or table.name == "paragraph" or table.name == "comment":
            rows.sort(key=lambda r: r["id"])  # self references point to earlier rows
        for row in rows:
            db.session.execute(insert(table).values(**row))
    _advance_sequences(ordered)
    db.session.flush()
    return int(backup["process_id"])


def _absent(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Shared rows (delegations, tags, users) already present must be the same ones."""
    unique = {"delegation": "code", "tag": None, "user": "email"}[table.name]
    fresh = []
    for row in rows:
        existing = (
            db.session.execute(select(table).where(table.c.id == row["id"])).mappings().first()
        )
        if existing is None:
            fresh.append(row)
        elif unique and existing[unique] != row[unique]:
            raise BadInput(
                f"{table.name} {row['id']} in this database is not the one in the backup"
            )
    return fresh


def _advance_sequences(tables: list[Table]) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        if (
            "id" in table.c
            and table.c.id.autoincrement in (True, "auto")
            and table.c.id.primary_key
        ):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'GREATEST((SELECT COALESCE(MAX(id), 0) FROM "{table.name}"), 1))'
                )
            )
