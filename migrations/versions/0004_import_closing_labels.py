"""closing paragraphs, source labels and the document's label style

Revision ID: 0004_import_closing_labels
Revises: 0003_integrity_chain
Create Date: 2026-12-01 22:00:00.000000

The section column is a non-native enum string of length 20, so "closing" needs no change.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_import_closing_labels"
down_revision = "0003_integrity_chain"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "label_style",
                sa.Enum("computed", "source", name="labelstyle", native_enum=False, length=20),
                nullable=False,
                server_default="computed",
            )
        )
    with op.batch_alter_table("paragraph", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_label", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("paragraph", schema=None) as batch_op:
        batch_op.drop_column("source_label")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("label_style")
