"""The audit log and tamper evidence: every step recorded and chained by SHA-256, the
canonical text whose SHA-256 seals an adopted document, and the check that recomputes both.

What the chain vouches for. Each entry hashes its content and the hash of the entry before
it. The records a step writes (the document's description, versions, amendments with their
texts, co-sponsorships, reservations, comments, revisions with their layout, the deadlines
of rounds and silences) carry a hash of their content, and the entry recording the step
lists them by table, id and hash (``details["rows"]``). What changes in place by design is
hashed as it stands after each step that changes it: an amendment's decision
(``details["decisions"]``) and the paragraph tree with its negotiation statuses
(``details["layout"]``). The document row keeps the chain's length and the hash of its last
entry, written in the same transaction as the entry.

`verify` recomputes all of it, so a direct change to any of those records shows: a rewritten
entry, row, decision or tree; a row no entry records, or one recorded twice; an entry whose
row is gone; entries cut off the end or all deleted; a state the last transition does not
explain; an adopted document whose state was set back; an adopted text that no longer hashes
to its seal.

Limits. The chain and everything it covers live in the same database, with no secret. Someone
who can write it and knows this scheme can still forge a consistent shorter history: cut the
last entries *and* delete every row they recorded *and* undo what they changed in place *and*
rewind the document's chain length, chain head and state. An entry that recorded nothing but
itself (tags, a silence that ended) can be cut that way with the two chain columns alone. The
answer is an anchor kept outside the database: the length and head `flask verify` prints, or
the adopted text's SHA-256 published with the text; compared later, they show any rewrite.
Not chained at all: tags, whether a deadline was handled, an amendment's needs-review flag,
people, memberships.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, event, func, select, update
from sqlalchemy.orm import Session, SessionTransaction, selectinload

from drafting import clock
from drafting.database import append_row, transaction_memo
from drafting.extensions import db
from drafting.models import (
    Amendment,
    AuditEntry,
    Comment,
    CoSponsor,
    Deadline,
    Delegation,
    Document,
    Paragraph,
    Process,
    Reservation,
    Revision,
    User,
    Version,
)
from drafting.models.integrity import LAYOUT_COLUMNS, Hashed, entry_hash, layout_hash
from drafting.services.documents import tree
from workflows import all_templates


@dataclass(frozen=True)
class RowRef:
    """A hashed row written without the ORM (a bulk INSERT): its table, id and hash."""

    __tablename__: str
    id: int
    hash: str


# Entries that set the document's state; the last one must agree with the state column.
STATE_ACTIONS = frozenset({"import", "transition"})


def record(
    action: str,
    *,
    document: Document | None = None,
    process: Process | None = None,
    user: User | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    rows: Iterable[Hashed | RowRef] = (),
    decided: Iterable[Amendment] = (),
    layout: bool = False,
    **details: Any,
) -> AuditEntry:
    """Add one entry; the caller's transaction commits it together with the change it
    describes, so the log never claims what did not happen. ``rows`` are the records the
    step wrote, ``decided`` the amendments whose decision it set, and ``layout`` says that it
    moved paragraphs or changed their status: the entry carries the hashes of all that, which
    is what lets `verify` notice when one of them is changed later. A step of a whole
    process (the presidency handed over) names the `process` and joins the chain of entries
    without a document."""
    document_id = document.id if document else None
    previous = _chain_head(document) if document is not None else None
    db.session.flush()  # new rows get their hashes
    references = [[row.__tablename__, row.id, row.hash] for row in rows]
    if any(not ref[2] for ref in references):
        raise ValueError(f"unhashed rows cannot be recorded: {references}")
    if references:
        details["rows"] = references
    decisions = [[amendment.id, amendment.decision_hash()] for amendment in decided]
    if decisions:
        details["decisions"] = decisions
    if layout and document is not None:
        details["layout"] = current_layout(document)
    if document is None:
        previous = db.session.scalar(
            select(AuditEntry.hash)
            .where(AuditEntry.document_id.is_(None))
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
    values = {
        "document_id": document_id,
        "process_id": document.process_id if document else (process.id if process else None),
        "at": clock.now(),
        "user_id": user.id if user else None,
        "delegation_id": user.delegation_id if user else None,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
        "details": details,
        "prev_hash": previous or "",
    }
    values["hash"] = entry_hash(values)
    entry = append_row(AuditEntry, values)  # append-only: nothing for a flush to check
    if document_id is not None:
        # An UPDATE statement, not an attribute change: the chain grows even once the
        # document is adopted and frozen.
        db.session.connection().execute(
            EXTEND_CHAIN, {"document_id": document_id, "head": entry.hash}
        )
        transaction_memo(CHAIN_HEADS)[document_id] = entry.hash
    return entry


CHAIN_HEADS = "audit chain heads"  # transaction memo: document id -> the head it wrote
_document = Document.__table__
EXTEND_CHAIN = (
    update(_document)
    .where(_document.c.id == bindparam("document_id"))
    .values(chain_length=_document.c.chain_length + 1, chain_head=bindparam("head"))
)
CHAIN_HEAD = select(Document.chain_head).where(Document.id == bindparam("document_id"))


def _chain_head(document: Document) -> str:
    """The hash the document's chain ends with, read under the document's row lock, so one
    writer extends a chain at a time. On SQLite the transaction has held the write lock since
    it began, so the document as read in it is current, unless the transaction itself has
    grown the chain since (an UPDATE statement the loaded object does not see); then the head
    it wrote last is the head, the row being locked since it first read it (the entries of a
    group of edits stored together follow each other without asking)."""
    written = transaction_memo(CHAIN_HEADS)
    if written.get(document.id) is not None:
        return written[document.id]
    session = db.session()
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite and document.id not in written:
        return document.chain_head or ""
    query = CHAIN_HEAD
    if not sqlite:
        query = query.with_for_update(key_share=True)  # FOR NO KEY UPDATE, as lock_row takes
    return session.connection().scalar(query, {"document_id": document.id}) or ""


@event.listens_for(Session, "after_soft_rollback")
def _forget_heads_rolled_back(session: Session, _previous: SessionTransaction) -> None:
    """A savepoint rolled back took entries with it: the heads are asked again."""
    written = transaction_memo(CHAIN_HEADS, session)
    written.update(dict.fromkeys(written, None))


def current_layout(document: Document) -> str:
    """The hash of the document's paragraph tree and statuses as the database holds them."""
    paragraphs = db.session.execute(
        select(*(getattr(Paragraph, c) for c in LAYOUT_COLUMNS)).where(
            Paragraph.document_id == document.id
        )
    )
    return layout_hash(row._mapping for row in paragraphs)


def _entries(document_id: int | None) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.document_id == document_id)
            .order_by(AuditEntry.id)
            .execution_options(populate_existing=True)
        )
    )


def verify_chain(document_id: int | None) -> list[str]:
    """Problems found when recomputing the chain (empty when intact)."""
    return _check_links(_entries(document_id))


def _check_links(entries: list[AuditEntry]) -> list[str]:
    problems = []
    previous = ""
    for entry in entries:
        if entry.prev_hash != previous:
            problems.append(f"entry {entry.id}: previous hash does not match entry before it")
        if entry.compute_hash() != entry.hash:
            problems.append(f"entry {entry.id}: content does not match its hash")
        previous = entry.hash
    return problems


def canonical_text(document: Document, paragraphs: Iterable[Any] | None = None) -> bytes:
    """Title, symbol and every paragraph's number, section and texts, in reading order,
    as compact sorted JSON in UTF-8: the same text always gives the same bytes.
    `paragraphs` (anything with number, section and text) is the current tree by default;
    an export passes the rows of the revision it prints."""
    payload = {
        "title": document.title,
        "symbol": document.symbol,
        "languages": list(document.languages),
        "paragraphs": [
            {"number": p.number, "section": p.section, "text": dict(sorted(p.text.items()))}
            for p in (tree(document) if paragraphs is None else paragraphs)
        ],
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sha256_of(document: Document) -> str:
    """The SHA-256 that adoption seals (and `verify` recomputes) for the current text."""
    return hashlib.sha256(canonical_text(document)).hexdigest()


def verify(document: Document) -> list[str]:
    """Everything about the document's record that does not add up, each problem saying
    where (entry, table and row id); empty when intact. See the module docstring for what
    this can and cannot catch."""
    entries = _entries(document.id)
    db.session.expire(document)  # read the row and its revisions as they are now
    rows = hashed_rows(document)
    return [
        *_check_links(entries),
        *_check_ends(document, entries),
        *_check_rows(rows, entries),
        *_check_decisions(rows["amendment"], entries),
        *_check_layout(document, entries),
        *_check_state(document, entries),
    ]


def _check_ends(document: Document, entries: list[AuditEntry]) -> list[str]:
    """Entries cut off the end (or all of them) no longer reach the recorded length/head."""
    problems = []
    where = f"document {document.id}"
    if len(entries) != document.chain_length:
        problems.append(
            f"{where}: {len(entries)} audit entries found, the document records "
            f"{document.chain_length} (entries deleted or added)"
        )
    head = entries[-1] if entries else None
    if (head.hash if head else "") != document.chain_head:
        problems.append(
            f"{where}: the last audit entry"
            + (f" (entry {head.id})" if head else " (none left)")
            + f" is not the chain head the document records ({document.chain_head or 'none'})"
        )
    return problems


def hashed_rows(document: Document) -> dict[str, list[Hashed]]:
    """Every record of the document that the chain vouches for, table by table."""
    fresh = {"populate_existing": True}
    queries = {
        "document": select(Document).where(Document.id == document.id),
        "version": select(Version)
        .join(Paragraph, Paragraph.id == Version.paragraph_id)
        .where(Paragraph.document_id == document.id),
        "amendment": select(Amendment)
        .where(Amendment.document_id == document.id)
        .options(selectinload(Amendment.texts)),
        "co_sponsor": select(CoSponsor)
        .join(Amendment, Amendment.id == CoSponsor.amendment_id)
        .where(Amendment.document_id == document.id),
        "reservation": select(Reservation).where(Reservation.document_id == document.id),
        "comment": select(Comment).where(Comment.document_id == document.id),
        "revision": select(Revision)
        .where(Revision.document_id == document.id)
        .options(selectinload(Revision.paragraph_rows), selectinload(Revision.version_rows)),
        "deadline": select(Deadline).where(Deadline.document_id == document.id),
    }
    return {
        table: list(db.session.scalars(query.execution_options(**fresh)))
        for table, query in queries.items()
    }


def _details(entry: AuditEntry) -> dict[str, Any]:
    return entry.details if isinstance(entry.details, dict) else {}


def _references(
    entries: list[AuditEntry], key: str, shape: tuple[type, ...]
) -> list[tuple[int, list]]:
    """(entry id, reference) for every well-formed reference under details[key]; a
    malformed one can only come from a rewritten entry, which the chain reports."""
    out = []
    for entry in entries:
        references = _details(entry).get(key, [])
        for reference in references if isinstance(references, list) else []:
            if (
                isinstance(reference, list)
                and len(reference) == len(shape)
                and all(isinstance(v, t) for v, t in zip(reference, shape, strict=True))
            ):
                out.append((entry.id, reference))
    return out


def _check_rows(rows: dict[str, list[Hashed]], entries: list[AuditEntry]) -> list[str]:
    """Each row must hash to its stored hash, and be recorded, with that hash, by exactly
    one entry; each row an entry records must exist."""
    recorded: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for entry_id, (table, row_id, row_hash) in _references(entries, "rows", (str, int, str)):
        recorded.setdefault((table, row_id), []).append((entry_id, row_hash))
    problems = []
    for table, found in rows.items():
        for row in sorted(found, key=lambda r: r.id):
            where = f"{table} {row.id}"
            if row.content_hash() != row.hash:
                problems.append(f"{where}: content does not match its hash")
            records = recorded.pop((table, row.id), [])
            if not records:
                problems.append(f"{where}: no audit entry records it")
            elif len(records) > 1:
                ids = ", ".join(str(entry_id) for entry_id, _ in records)
                problems.append(f"{where}: recorded by several entries ({ids})")
            for entry_id, row_hash in records:
                if row_hash != row.hash:
                    problems.append(f"{where}: hash is not the one entry {entry_id} recorded")
    for (table, row_id), records in sorted(recorded.items(), key=str):
        for entry_id, _ in records:
            problems.append(f"entry {entry_id}: records {table} {row_id}, which is missing")
    return problems


def _check_decisions(amendments: list[Amendment], entries: list[AuditEntry]) -> list[str]:
    """Decisions change the amendment row in place, so the row must read as the last
    decision recorded for it."""
    last: dict[int, tuple[int, str]] = {}
    for entry_id, (amendment_id, decision) in _references(entries, "decisions", (int, str)):
        last[amendment_id] = (entry_id, decision)
    problems = []
    for amendment in sorted(amendments, key=lambda a: a.id):
        where = f"amendment {amendment.id}"
        if amendment.id not in last:
            problems.append(f"{where}: no audit entry records its decision")
            continue
        entry_id, decision = last[amendment.id]
        if amendment.decision_hash() != decision:
            problems.append(
                f"{where}: status, decision or note differ from what entry {entry_id} recorded"
            )
    return problems


def _check_layout(document: Document, entries: list[AuditEntry]) -> list[str]:
    """Paragraphs move and change status in place; the tree must be the one last recorded."""
    where = f"document {document.id}"
    last = next((e for e in reversed(entries) if isinstance(_details(e).get("layout"), str)), None)
    if last is None:
        return [f"{where}: no audit entry records its paragraphs' places and statuses"]
    if current_layout(document) != _details(last)["layout"]:
        return [
            f"{where}: the paragraphs' places or statuses are not those entry {last.id} recorded"
        ]
    return []


def _check_state(document: Document, entries: list[AuditEntry]) -> list[str]:
    """The state column must be where the last transition left it, and "adopted" must agree
    with the sealed Final revision, which is what the application goes by."""
    problems = []
    where = f"document {document.id}"
    last = next((e for e in reversed(entries) if e.action in STATE_ACTIONS and e.to_state), None)
    if last is not None and document.state != last.to_state:
        problems.append(
            f"{where}: state is {document.state}, but entry {last.id} left it {last.to_state}"
        )
    final = document.sealed_final
    workflow = all_templates().get(document.workflow)  # (a rewritten name is reported above)
    adopted_state = document.state in (workflow.final_states if workflow else ("adopted",))
    if final is None:
        if adopted_state:
            problems.append(f"{where}: state is {document.state} but no Final revision is sealed")
        return problems
    if not adopted_state:
        problems.append(
            f"{where}: revision {final.id} (Final) is sealed, so the document is adopted, "
            f"but its state is {document.state}"
        )
    if document.sha256 != final.sha256:
        problems.append(
            f"{where}: SHA-256 {document.sha256} is not the one revision {final.id} (Final) "
            f"sealed, {final.sha256}"
        )
    actual = sha256_of(document)
    if actual != final.sha256:
        problems.append(f"adopted text SHA-256 is {actual}, recorded {final.sha256}")
    return problems


@dataclass(frozen=True)
class LogFilter:
    """What the audit page narrows the log to; None means any."""

    user_id: int | None = None
    delegation_id: int | None = None
    action: str | None = None
    paragraph_id: int | None = None


@dataclass(frozen=True)
class LogPage:
    """One page of a document's log, newest first, and what the filters may choose from."""

    entries: list[AuditEntry]
    total: int
    page: int
    pages: int
    people: list[tuple[int, str]]
    delegations: list[tuple[int, str]]
    actions: list[str]


def log_page(document: Document, wanted: LogFilter, page: int = 1, per_page: int = 50) -> LogPage:
    """The entries of `document` that match `wanted`, newest first, `per_page` at a time."""
    conditions = [AuditEntry.document_id == document.id]
    if wanted.user_id is not None:
        conditions.append(AuditEntry.user_id == wanted.user_id)
    if wanted.delegation_id is not None:
        conditions.append(AuditEntry.delegation_id == wanted.delegation_id)
    if wanted.action:
        conditions.append(AuditEntry.action == wanted.action)
    if wanted.paragraph_id is not None:
        conditions.append(AuditEntry.details["paragraph_id"].as_integer() == wanted.paragraph_id)
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    pages = max(1, -(-(total or 0) // per_page))
    page = min(max(1, page), pages)
    entries = db.session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .options(selectinload(AuditEntry.user))
        .order_by(AuditEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    mine = AuditEntry.document_id == document.id
    people = db.session.execute(
        select(User.id, User.name)
        .join(AuditEntry, AuditEntry.user_id == User.id)
        .where(mine)
        .distinct()
        .order_by(User.name)
    ).all()
    delegations = db.session.execute(
        select(Delegation.id, Delegation.code)
        .join(AuditEntry, AuditEntry.delegation_id == Delegation.id)
        .where(mine)
        .distinct()
        .order_by(Delegation.code)
    ).all()
    actions = db.session.scalars(
        select(AuditEntry.action).where(mine).distinct().order_by(AuditEntry.action)
    ).all()
    return LogPage(
        entries=list(entries),
        total=total or 0,
        page=page,
        pages=pages,
        people=[tuple(row) for row in people],
        delegations=[tuple(row) for row in delegations],
        actions=list(actions),
    )
