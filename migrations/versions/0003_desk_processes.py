"""the secretariat's desk: site administrators, process settings, heads of delegation,
the presidency that adopted a document

Revision ID: 0003_desk_processes
Revises: 0002_login_sessions
Create Date: 2026-12-01 22:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import drafting.models.base


# revision identifiers, used by Alembic.
revision = "0003_desk_processes"
down_revision = "0002_login_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("process", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("languages", sa.JSON(), nullable=False, server_default='["en", "es"]')
        )
        batch_op.add_column(
            sa.Column("public_record", sa.String(length=10), nullable=False, server_default="text")
        )
        batch_op.add_column(
            sa.Column(
                "archived_at", drafting.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("head", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("adopted_by_delegation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_document_adopted_by_delegation_id_delegation"),
            "delegation",
            ["adopted_by_delegation_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_document_adopted_by_delegation_id_delegation"), type_="foreignkey"
        )
        batch_op.drop_column("adopted_by_delegation_id")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("head")
    with op.batch_alter_table("process", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("public_record")
        batch_op.drop_column("languages")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("is_admin")
