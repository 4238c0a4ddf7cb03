"""the secretariat's desk: site administrators, process settings, heads of delegation,
the presidency that adopted a document

Revision ID: 0005_desk_processes
Revises: 0004_import_closing_labels
Create Date: 2026-12-01 22:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import drafting.models.base


# revision identifiers, used by Alembic.
revision = "0005_desk_processes"
down_revision = "0004_import_closing_labels"
branch_labels = None
depends_on = None


# Columns are added in place (ALTER TABLE ... ADD COLUMN), never by batch mode's table copy:
# on SQLite that copy drops and recreates tables other rows point at, which the enforced
# foreign keys refuse once the database holds a negotiation.
FK_ADOPTED_BY = "fk_document_adopted_by_delegation_id_delegation"


def upgrade():
    op.add_column(
        "user", sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "process",
        sa.Column("languages", sa.JSON(), nullable=False, server_default='["en", "es"]'),
    )
    op.add_column(
        "process",
        sa.Column("public_record", sa.String(length=10), nullable=False, server_default="text"),
    )
    op.add_column(
        "process",
        sa.Column("archived_at", drafting.models.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "membership", sa.Column("head", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("document", sa.Column("adopted_by_delegation_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot add a constraint in place
        op.create_foreign_key(
            FK_ADOPTED_BY, "document", "delegation", ["adopted_by_delegation_id"], ["id"]
        )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK_ADOPTED_BY, "document", type_="foreignkey")
    op.drop_column("document", "adopted_by_delegation_id")
    op.drop_column("membership", "head")
    op.drop_column("process", "archived_at")
    op.drop_column("process", "public_record")
    op.drop_column("process", "languages")
    op.drop_column("user", "is_admin")
