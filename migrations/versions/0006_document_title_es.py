"""a document's title in Spanish

Revision ID: 0006_document_title_es
Revises: 0005_desk_processes
Create Date: 2026-12-02 02:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_document_title_es"
down_revision = "0005_desk_processes"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("document", sa.Column("title_es", sa.String(length=500), nullable=True))


def downgrade():
    op.drop_column("document", "title_es")
