"""tracked changes reviewed one by one: change_review rows, suggestions (an amendment typed
into the text) and the process setting that allows them

Revision ID: 0010_change_review
Revises: 0009_negotiation_record
Create Date: 2026-12-02 02:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

import drafting.models.base


# revision identifiers, used by Alembic.
revision = "0010_change_review"
down_revision = "0009_negotiation_record"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "change_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("change_id", sa.String(length=40), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("created_at", drafting.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegation.id"],
            name=op.f("fk_change_review_delegation_id_delegation"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_change_review_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["paragraph_id"], ["paragraph.id"], name=op.f("fk_change_review_paragraph_id_paragraph")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_change_review_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["version.id"], name=op.f("fk_change_review_version_id_version")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_review")),
    )
    op.create_index(
        op.f("ix_change_review_document_id"), "change_review", ["document_id"], unique=False
    )
    op.create_index(
        op.f("ix_change_review_paragraph_id"), "change_review", ["paragraph_id"], unique=False
    )
    op.add_column(
        "process",
        sa.Column("allow_suggestions", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "amendment",
        sa.Column("suggestion", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    op.drop_column("amendment", "suggestion")
    op.drop_column("process", "allow_suggestions")
    op.drop_index(op.f("ix_change_review_paragraph_id"), table_name="change_review")
    op.drop_index(op.f("ix_change_review_document_id"), table_name="change_review")
    op.drop_table("change_review")
