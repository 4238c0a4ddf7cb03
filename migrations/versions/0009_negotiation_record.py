"""the negotiation record: committee recommendations and compromises on amendments,
what produced each revision, indicative positions per paragraph

Revision ID: 0009_negotiation_record
Revises: 0008_rationale_required
Create Date: 2026-12-02 02:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import drafting.models.base


# revision identifiers, used by Alembic.
revision = "0009_negotiation_record"
down_revision = "0008_rationale_required"
branch_labels = None
depends_on = None

FK_RECOMMENDED_BY = "fk_amendment_recommended_by_id_user"


def upgrade():
    # Columns are added in place, never by batch mode's table copy (see 0005).
    op.add_column(
        "amendment", sa.Column("replaces", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column("amendment", sa.Column("recommendation", sa.String(length=30), nullable=True))
    op.add_column("amendment", sa.Column("recommendation_note", sa.Text(), nullable=True))
    op.add_column("amendment", sa.Column("recommendation_text", sa.Text(), nullable=True))
    op.add_column("amendment", sa.Column("recommended_by_id", sa.Integer(), nullable=True))
    op.add_column(
        "amendment",
        sa.Column(
            "recommended_at", drafting.models.base.UTCDateTime(timezone=True), nullable=True
        ),
    )
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot add a constraint in place
        op.create_foreign_key(FK_RECOMMENDED_BY, "amendment", "user", ["recommended_by_id"], ["id"])
    op.add_column("revision", sa.Column("produced_by", sa.JSON(), nullable=True))
    op.create_table(
        "paragraph_position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stance", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", drafting.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["delegation_id"], ["delegation.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["paragraph_id"], ["paragraph.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("paragraph_id", "delegation_id"),
    )
    op.create_index(
        op.f("ix_paragraph_position_document_id"), "paragraph_position", ["document_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_paragraph_position_document_id"), table_name="paragraph_position")
    op.drop_table("paragraph_position")
    op.drop_column("revision", "produced_by")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK_RECOMMENDED_BY, "amendment", type_="foreignkey")
    for column in (
        "recommended_at",
        "recommended_by_id",
        "recommendation_text",
        "recommendation_note",
        "recommendation",
        "replaces",
    ):
        op.drop_column("amendment", column)
