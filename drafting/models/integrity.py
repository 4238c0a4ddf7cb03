"""What each record the audit chain vouches for hashes to.

A row's hash covers the columns that say what happened, never its id: the database gives
the id only at INSERT, and the audit entry that records the row binds id and hash together
(``details["rows"]``, chained like the rest of the entry). An amendment's hash also covers
its texts, a revision's its paragraph and version rows, so a record and its parts are
vouched for as one. An amendment's decision, which is updated in place by design, has a
hash of its own that every audited decision carries.

The functions take plain mappings, so the models and the migration that backfilled rows
written before the chain covered them compute the very same bytes.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from drafting import clock

# The columns each hashed table's hash covers, in no particular order (keys are sorted).
COLUMNS: dict[str, tuple[str, ...]] = {
    # what a document is, fixed when it is created (its state and seal are checked apart)
    "document": (
        "process_id",
        "kind",
        "title",
        "symbol",
        "languages",
        "workflow",
        "proposer_delegation_id",
        "allow_observer_comments",
        "created_at",
    ),
    "version": (
        "paragraph_id",
        "lang",
        "seq",
        "text",
        "author_id",
        "delegation_id",
        "created_at",
        "source",
        "amendment_id",
        "base_version_id",
        "translation_of_id",
    ),
    "amendment": (
        "document_id",
        "kind",
        "paragraph_id",
        "as_child",
        "delegation_id",
        "author_id",
        "rationale",
        "revision_label",
        "created_at",
    ),
    "co_sponsor": ("amendment_id", "delegation_id", "user_id", "created_at"),
    "reservation": (
        "document_id",
        "paragraph_id",
        "delegation_id",
        "author_id",
        "kind",
        "text",
        "lang",
        "created_at",
    ),
    "comment": (
        "document_id",
        "paragraph_id",
        "parent_id",
        "author_id",
        "delegation_id",
        "body",
        "lang",
        "anchor_start",
        "anchor_end",
        "anchor_version_id",
        "created_at",
    ),
    "revision": ("document_id", "label", "state", "created_at", "created_by_id", "sha256"),
    # when a round or silence ends, as set (whether it was handled or cancelled changes later)
    "deadline": ("document_id", "kind", "due_at", "utc_offset", "created_at", "created_by_id"),
}
AMENDMENT_TEXT_COLUMNS = ("lang", "text", "base_version_id")
REVISION_PARAGRAPH_COLUMNS = ("paragraph_id", "parent_id", "position", "section", "status")
# A document's paragraph tree as it stands (places and negotiation statuses change in place).
LAYOUT_COLUMNS = ("id", "parent_id", "position", "section", "status")
# The columns of an amendment that its decision changes (needs_review is advice, not a
# decision, and is left out).
DECISION_COLUMNS = (
    "status",
    "decided_by_id",
    "decided_at",
    "decision_note",
    "created_paragraph_id",
)


def plain(value: Any) -> Any:
    """A JSON value that reads the same whichever database the row came from."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return clock.as_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def digest(kind: str, payload: Mapping[str, Any]) -> str:
    """SHA-256 of compact, key-sorted JSON of the payload, tagged with its kind."""
    body = {"kind": kind, **{key: plain(value) for key, value in payload.items()}}
    encoded = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def row_hash(table: str, row: Mapping[str, Any], **parts: Any) -> str:
    """The hash of one row of a hashed table (plus its parts, for amendments and revisions)."""
    return digest(table, {**{column: row[column] for column in COLUMNS[table]}, **parts})


def amendment_hash(row: Mapping[str, Any], texts: Iterable[Mapping[str, Any]]) -> str:
    """An amendment with its texts, given in id order (the first is the main one)."""
    return row_hash("amendment", row, texts=[[t[c] for c in AMENDMENT_TEXT_COLUMNS] for t in texts])


def revision_hash(
    row: Mapping[str, Any],
    paragraphs: Iterable[Mapping[str, Any]],
    version_ids: Iterable[int],
    produced_by: Mapping[str, Any] | None = None,
) -> str:
    """A revision with where each paragraph stood, which versions it holds and what produced
    it (revisions taken before provenance was recorded have none and hash as they did)."""
    layout = sorted([plain(p[c]) for c in REVISION_PARAGRAPH_COLUMNS] for p in paragraphs)
    parts: dict[str, Any] = {"paragraphs": layout, "versions": sorted(version_ids)}
    if produced_by is not None:
        parts["produced_by"] = produced_by
    return row_hash("revision", row, **parts)


def layout_hash(paragraphs: Iterable[Mapping[str, Any]]) -> str:
    """Where every paragraph of a document stands and its negotiation status."""
    return digest(
        "layout", {"paragraphs": sorted([plain(p[c]) for c in LAYOUT_COLUMNS] for p in paragraphs)}
    )


def decision_hash(row: Mapping[str, Any]) -> str:
    """An amendment's decision as it stands: status, by whom, when, the note, the paragraph."""
    return digest("amendment_decision", {c: row[c] for c in DECISION_COLUMNS})


ENTRY_COLUMNS = (
    "document_id",
    "process_id",
    "at",
    "user_id",
    "delegation_id",
    "action",
    "from_state",
    "to_state",
    "reason",
    "details",
    "prev_hash",
)


def entry_payload(entry: Mapping[str, Any]) -> bytes:
    """The bytes an audit entry's hash covers: every field that records what happened and
    the hash of the entry before it (the format entries have been hashed in from the start)."""
    at = entry["at"]
    payload = {
        "document_id": entry["document_id"],
        "process_id": entry["process_id"],
        "at": at.isoformat(timespec="microseconds") if at else None,
        "user_id": entry["user_id"],
        "delegation_id": entry["delegation_id"],
        "action": entry["action"],
        "from_state": entry["from_state"],
        "to_state": entry["to_state"],
        "reason": entry["reason"],
        "details": entry["details"] or {},
        "prev_hash": entry["prev_hash"],
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(entry_payload(entry)).hexdigest()


def values_of(obj: object, columns: Iterable[str]) -> dict[str, Any]:
    """A model instance's attributes as the mapping the functions above take."""
    return {column: getattr(obj, column) for column in columns}


class Hashed:
    """A row the audit chain vouches for: its ``hash`` is set when it is first written, and
    the audit entry recording it carries the same hash."""

    __tablename__: str
    hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # True where the hash also covers rows written after this one (an amendment's texts, a
    # revision's layout): the service sets the hash once those exist.
    hash_has_parts = False

    def content_hash(self) -> str:
        """The hash of what the row holds now (equal to ``hash`` unless it was changed)."""
        return row_hash(self.__tablename__, values_of(self, COLUMNS[self.__tablename__]))


@event.listens_for(Session, "before_flush")
def _hash_new_rows(session: Session, flush_context, instances) -> None:
    """Every new row of a hashed table carries the hash of its content from its INSERT on."""
    for obj in session.new:
        if isinstance(obj, Hashed) and not obj.hash_has_parts and not obj.hash:
            _apply_defaults(obj)
            obj.hash = obj.content_hash()


def _apply_defaults(obj: Hashed) -> None:
    """Column defaults are applied by the INSERT, after the hash is taken: apply the hashed
    columns' defaults now, so the hash covers the values the row will hold."""
    columns = obj.__table__.c  # type: ignore[attr-defined]
    for name in COLUMNS[obj.__tablename__]:
        default = columns[name].default
        if getattr(obj, name) is None and default is not None:
            setattr(obj, name, default.arg(None) if default.is_callable else default.arg)
