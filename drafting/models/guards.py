"""Invariants the model layer enforces whatever the caller: versions and the audit log are
append-only, and nothing belonging to an adopted document can be written. Adopted means a
sealed Final revision exists (Document.is_adopted), not what the state column says."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, SessionTransaction

from drafting.models.amendments import Amendment, AmendmentText, CoSponsor
from drafting.models.audit import AuditEntry
from drafting.models.base import FrozenDocument, ImmutableRow
from drafting.models.discussion import Comment, Reservation
from drafting.models.positions import ParagraphPosition
from drafting.models.tags import ParagraphTag
from drafting.models.text import (
    Deadline,
    Document,
    Paragraph,
    Revision,
    RevisionParagraph,
    RevisionVersion,
    Version,
    sealed_final_exists,
)

APPEND_ONLY = (Version, AuditEntry, RevisionParagraph, RevisionVersion)


def _document_id(session: Session, obj: object) -> int | None:
    """The document a row belongs to, looked up without flushing."""
    match obj:
        case Document():
            return obj.id
        case (
            Paragraph()
            | Amendment()
            | Comment()
            | Reservation()
            | Revision()
            | Deadline()
            | ParagraphPosition()
        ):
            return obj.document_id
        case Version() | ParagraphTag():
            return _paragraph_document(session, obj.paragraph_id)
        case AmendmentText() | CoSponsor():
            return session.scalar(
                select(Amendment.document_id).where(Amendment.id == obj.amendment_id)
            )
        case RevisionParagraph() | RevisionVersion():
            return session.scalar(
                select(Revision.document_id).where(Revision.id == obj.revision_id)
            )
    return None


def _paragraph_document(session: Session, paragraph_id: int | None) -> int | None:
    if paragraph_id is None:
        return None
    paragraph = session.identity_map.get((Paragraph, (paragraph_id,), None))
    if paragraph is not None:
        return paragraph.document_id
    return session.scalar(select(Paragraph.document_id).where(Paragraph.id == paragraph_id))


ADOPTED_AMONG = select(Document.id).where(
    Document.id.in_(bindparam("ids", expanding=True)), sealed_final_exists()
)
NOT_ADOPTED = "drafting.guards.not_adopted"  # session.info: documents found open this transaction


def _adopted_in_database(session: Session, document_ids: Iterable[int]) -> set[int]:
    """The documents among these that a sealed Final revision freezes. On SQLite a document
    found open stays open for the rest of the transaction unless the transaction itself
    writes a revision (see _guard_flush): it has held the write lock since BEGIN, so nobody
    else can seal it meanwhile, and the flushes of an edit (or of a batch of them) ask once.
    On PostgreSQL another transaction may commit between two flushes: every flush asks."""
    ids = {i for i in document_ids if i is not None}
    if ids <= session.info.get(NOT_ADOPTED, set()):  # only SQLite remembers (no statement)
        return set()
    connection = session.connection()
    remembered = connection.dialect.name == "sqlite"
    known_open = session.info.setdefault(NOT_ADOPTED, set()) if remembered else set()
    ids -= known_open
    if not ids:
        return set()
    # On the connection, not through the ORM: a plain query, asked on every flush of an edit
    frozen = {row[0] for row in connection.execute(ADOPTED_AMONG, {"ids": list(ids)})}
    known_open.update(ids - frozen)
    return frozen


def found_open(session: Session, document: Document) -> None:
    """A document read with its revisions in this transaction: on SQLite, one that is not
    adopted stays so until the transaction ends (_adopted_in_database), and the writes into
    it need not ask the database again."""
    if session.get_bind().dialect.name == "sqlite" and not document.is_adopted:
        session.info.setdefault(NOT_ADOPTED, set()).add(document.id)


def refuse_frozen(session: Session, document_id: int) -> None:
    """What a flush checks before it writes into a document, for a row written without one
    (database.append_row): raises FrozenDocument when the document is adopted."""
    if _adopted_in_database(session, [document_id]):
        raise FrozenDocument(document_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_open_documents(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(NOT_ADOPTED, None)


@event.listens_for(Session, "before_flush")
def _guard_flush(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, APPEND_ONLY):
            raise ImmutableRow(f"{type(obj).__name__} rows are never deleted")
    for obj in session.dirty:
        if isinstance(obj, APPEND_ONLY) and session.is_modified(obj):
            raise ImmutableRow(f"{type(obj).__name__} rows are never updated")

    touched = [
        obj
        for obj in (*session.new, *session.deleted, *session.dirty)
        if not isinstance(obj, AuditEntry)
        and (obj in session.new or obj in session.deleted or session.is_modified(obj))
    ]
    if not touched:
        return
    with session.no_autoflush:
        owners = {id(obj): _document_id(session, obj) for obj in touched}
        frozen = _adopted_in_database(session, owners.values())
    if any(isinstance(obj, Revision) for obj in touched):
        session.info.pop(NOT_ADOPTED, None)  # it may be the sealed Final: ask again next time
    for obj in touched:
        if owners[id(obj)] in frozen:
            raise FrozenDocument(owners[id(obj)])


@event.listens_for(Session, "do_orm_execute")
def _guard_bulk(state) -> None:
    """Bulk UPDATE/DELETE statements bypass flush events; refuse them on append-only tables."""
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_arguments.get("mapper")
    if mapper is not None and mapper.class_ in APPEND_ONLY:
        raise ImmutableRow(
            f"bulk {'update' if state.is_update else 'delete'} of {mapper.class_.__name__}"
        )
