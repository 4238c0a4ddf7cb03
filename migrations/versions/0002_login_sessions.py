"""login sessions kept on the server

Revision ID: 0002_login_sessions
Revises: 0001_initial
Create Date: 2026-11-30 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import drafting.models.base


# revision identifiers, used by Alembic.
revision = "0002_login_sessions"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", drafting.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", drafting.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", drafting.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_login_session_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_user_id"))

    op.drop_table("login_session")
