"""integrity chain: row hashes, the sealed Final revision, the chain's length and head

Revision ID: 0003_integrity_chain
Revises: 0002_login_sessions
Create Date: 2026-12-01 21:30:00.000000

Adds a content hash to every record the audit chain vouches for (documents, versions,
amendments, co-sponsors, reservations, comments, revisions, deadlines), the SHA-256 a Final revision
seals, and the chain's length and head on the document. Rows written before this migration
are hashed and recorded, with every amendment's decision and the paragraph tree as they
stand, by one `integrity_backfill` entry appended to each document's chain, so that `flask verify` passes
on an upgraded database (and vouches for those rows from the time of the upgrade). Rows some
entry already records are left alone, so running it again after a downgrade adds nothing
twice.

The hashes are computed by drafting.models.integrity, the functions the application uses.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import drafting.models.base
from drafting.models import integrity

# revision identifiers, used by Alembic.
revision = "0003_integrity_chain"
down_revision = "0002_login_sessions"
branch_labels = None
depends_on = None

HASHED = (
    "document",
    "version",
    "amendment",
    "co_sponsor",
    "reservation",
    "comment",
    "revision",
    "deadline",
)
BACKFILL = "integrity_backfill"
REASON = "records written before the audit chain covered them (migration 0002)"

_TYPES = {
    "at": drafting.models.base.UTCDateTime(),
    "created_at": drafting.models.base.UTCDateTime(),
    "due_at": drafting.models.base.UTCDateTime(),
    "decided_at": drafting.models.base.UTCDateTime(),
    "as_child": sa.Boolean(),
    "allow_observer_comments": sa.Boolean(),
    "languages": sa.JSON(),
    "details": sa.JSON(),
}


def _table(name, *columns):
    """A lightweight table with just the columns this migration reads and writes."""
    return sa.table(name, *(sa.column(c, _TYPES.get(c)) for c in dict.fromkeys(columns)))


document = _table(
    "document", "id", "hash", "sha256", "chain_length", "chain_head", *integrity.COLUMNS["document"]
)
paragraph = _table("paragraph", "document_id", *integrity.LAYOUT_COLUMNS)
version = _table("version", "id", "hash", *integrity.COLUMNS["version"])
amendment = _table(
    "amendment", "id", "hash", *integrity.COLUMNS["amendment"], *integrity.DECISION_COLUMNS
)
amendment_text = _table("amendment_text", "id", "amendment_id", *integrity.AMENDMENT_TEXT_COLUMNS)
co_sponsor = _table("co_sponsor", "id", "hash", *integrity.COLUMNS["co_sponsor"])
reservation = _table("reservation", "id", "hash", *integrity.COLUMNS["reservation"])
comment = _table("comment", "id", "hash", *integrity.COLUMNS["comment"])
revision_ = _table("revision", "id", "hash", *integrity.COLUMNS["revision"])
revision_paragraph = _table(
    "revision_paragraph", "revision_id", *integrity.REVISION_PARAGRAPH_COLUMNS
)
revision_version = _table("revision_version", "revision_id", "version_id")
deadline = _table("deadline", "id", "hash", *integrity.COLUMNS["deadline"])
audit_entry = _table("audit_entry", "id", "hash", *integrity.ENTRY_COLUMNS)


def upgrade():
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chain_length", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("chain_head", sa.String(length=64), nullable=False, server_default="")
        )
    for name in HASHED:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("hash", sa.String(length=64), nullable=False, server_default="")
            )
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))

    connection = op.get_bind()
    for row in connection.execute(sa.select(document).order_by(document.c.id)).mappings():
        _backfill(connection, row)


def downgrade():
    # The integrity_backfill entries stay: they are part of the chain. Plain columns are
    # dropped in place (SQLite 3.35+): copying a table referenced by foreign keys, as batch
    # mode otherwise does on SQLite, would break those references.
    with op.batch_alter_table("revision", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("sha256")
    for name in reversed(HASHED):
        with op.batch_alter_table(name, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("hash")
    with op.batch_alter_table("document", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("chain_head")
        batch_op.drop_column("chain_length")


def _references(entries, key):
    for entry in entries:
        yield from (entry["details"] or {}).get(key, [])


def _hash_rows(connection, table, rows, compute):
    """Store each row's hash; answer [table, id, hash] for every row."""
    hashed = [(row["id"], compute(row)) for row in rows]
    if hashed:
        connection.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values(hash=sa.bindparam("row_hash")),
            [{"row_id": row_id, "row_hash": value} for row_id, value in hashed],
        )
    return [[table.name, row_id, value] for row_id, value in hashed]


def _all(connection, query):
    return connection.execute(query).mappings().all()


def _backfill(connection, doc):
    entries = _all(
        connection,
        sa.select(audit_entry)
        .where(audit_entry.c.document_id == doc["id"])
        .order_by(audit_entry.c.id),
    )
    document_id = doc["id"]
    paragraph_ids = sa.select(paragraph.c.id).where(paragraph.c.document_id == document_id)
    amendment_ids = sa.select(amendment.c.id).where(amendment.c.document_id == document_id)

    rows = _hash_rows(connection, document, [doc], lambda r: integrity.row_hash("document", r))
    versions = _all(
        connection,
        sa.select(version).where(version.c.paragraph_id.in_(paragraph_ids)).order_by(version.c.id),
    )
    rows += _hash_rows(connection, version, versions, lambda r: integrity.row_hash("version", r))

    amendments = _all(
        connection,
        sa.select(amendment).where(amendment.c.document_id == document_id).order_by(amendment.c.id),
    )
    texts = {}
    for text in _all(
        connection,
        sa.select(amendment_text)
        .where(amendment_text.c.amendment_id.in_(amendment_ids))
        .order_by(amendment_text.c.id),
    ):
        texts.setdefault(text["amendment_id"], []).append(text)
    rows += _hash_rows(
        connection,
        amendment,
        amendments,
        lambda r: integrity.amendment_hash(r, texts.get(r["id"], [])),
    )

    for table, where in (
        (co_sponsor, co_sponsor.c.amendment_id.in_(amendment_ids)),
        (reservation, reservation.c.document_id == document_id),
        (comment, comment.c.document_id == document_id),
        (deadline, deadline.c.document_id == document_id),
    ):
        found = _all(connection, sa.select(table).where(where).order_by(table.c.id))
        rows += _hash_rows(
            connection, table, found, lambda r, name=table.name: integrity.row_hash(name, r)
        )

    revisions = []
    for row in _all(
        connection,
        sa.select(revision_).where(revision_.c.document_id == document_id).order_by(revision_.c.id),
    ):
        row = dict(row)
        if row["label"] == "Final" and doc["sha256"] and not row["sha256"]:
            # An adopted document: its Final revision now carries the seal (and freezes it).
            row["sha256"] = doc["sha256"]
            connection.execute(
                sa.update(revision_)
                .where(revision_.c.id == row["id"])
                .values(sha256=doc["sha256"])
            )
        revisions.append(row)

    def revision_hash(row):
        layout = _all(
            connection,
            sa.select(revision_paragraph).where(revision_paragraph.c.revision_id == row["id"]),
        )
        held = connection.execute(
            sa.select(revision_version.c.version_id).where(
                revision_version.c.revision_id == row["id"]
            )
        ).scalars()
        return integrity.revision_hash(row, layout, held)

    rows += _hash_rows(connection, revision_, revisions, revision_hash)

    recorded = {(ref[0], ref[1]) for ref in _references(entries, "rows")}
    last_decision = {ref[0]: ref[1] for ref in _references(entries, "decisions")}
    unrecorded = [ref for ref in rows if (ref[0], ref[1]) not in recorded]
    decisions = [
        [row["id"], integrity.decision_hash(row)]
        for row in amendments
        if last_decision.get(row["id"]) != integrity.decision_hash(row)
    ]
    layout = integrity.layout_hash(
        _all(connection, sa.select(paragraph).where(paragraph.c.document_id == document_id))
    )
    recorded_layouts = [
        (entry["details"] or {}).get("layout")
        for entry in entries
        if isinstance((entry["details"] or {}).get("layout"), str)
    ]
    head = entries[-1]["hash"] if entries else ""
    length = len(entries)
    if unrecorded or decisions or recorded_layouts[-1:] != [layout]:
        details = {"rows": unrecorded, "decisions": decisions, "layout": layout}
        entry = {
            "document_id": document_id,
            "process_id": doc["process_id"],
            "at": datetime.now(UTC),
            "user_id": None,
            "delegation_id": None,
            "action": BACKFILL,
            "from_state": None,
            "to_state": None,
            "reason": REASON,
            "details": details,
            "prev_hash": head,
        }
        entry["hash"] = head = integrity.entry_hash(entry)
        connection.execute(sa.insert(audit_entry).values(**entry))
        length += 1
    connection.execute(
        sa.update(document)
        .where(document.c.id == document_id)
        .values(chain_length=length, chain_head=head)
    )
