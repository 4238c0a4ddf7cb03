"""amendments need a rationale unless the process says otherwise

Revision ID: 0008_rationale_required
Revises: 0007_notifications
Create Date: 2026-12-02 02:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_rationale_required"
down_revision = "0007_notifications"
branch_labels = None
depends_on = None


def upgrade():
    # In place (ALTER TABLE ... ADD COLUMN); existing processes require a rationale too.
    op.add_column(
        "process",
        sa.Column("rationale_required", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade():
    op.drop_column("process", "rationale_required")
