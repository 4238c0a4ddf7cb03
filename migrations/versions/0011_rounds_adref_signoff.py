"""negotiation record: first opening of the text per delegation and round, agreements ad
referendum with an expiry, filings awaiting their head of delegation's sign-off

Revision ID: 0011_rounds_adref_signoff
Revises: 0010_change_review
Create Date: 2026-12-02 03:10:00.000000

"""

from alembic import op
import sqlalchemy as sa

import drafting.models.base


# revision identifiers, used by Alembic.
revision = "0011_rounds_adref_signoff"
down_revision = "0010_change_review"
branch_labels = None
depends_on = None


def _time(name, **kwargs):
    return sa.Column(name, drafting.models.base.UTCDateTime(), **kwargs)


def upgrade():
    op.add_column(
        "process",
        sa.Column("head_signoff", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "round_opening",
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        _time("opened_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["deadline_id"], ["deadline.id"], name=op.f("fk_round_opening_deadline_id_deadline")
        ),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegation.id"],
            name=op.f("fk_round_opening_delegation_id_delegation"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_round_opening_user_id_user")),
        sa.PrimaryKeyConstraint("deadline_id", "delegation_id", name=op.f("pk_round_opening")),
    )
    op.create_table(
        "ad_referendum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        _time("until", nullable=False),
        sa.Column("utc_offset", sa.String(length=6), nullable=False),
        _time("created_at", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _time("settled_at", nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("settled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_ad_referendum_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["paragraph_id"], ["paragraph.id"], name=op.f("fk_ad_referendum_paragraph_id_paragraph")
        ),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegation.id"],
            name=op.f("fk_ad_referendum_delegation_id_delegation"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_ad_referendum_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["settled_by_id"], ["user.id"], name=op.f("fk_ad_referendum_settled_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_referendum")),
    )
    for column in ("document_id", "paragraph_id", "until", "settled_at"):
        op.create_index(op.f(f"ix_ad_referendum_{column}"), "ad_referendum", [column])
    op.create_table(
        "pending_filing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _time("created_at", nullable=False),
        _time("signed_at", nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_pending_filing_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegation.id"],
            name=op.f("fk_pending_filing_delegation_id_delegation"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["user.id"], name=op.f("fk_pending_filing_filed_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["user.id"], name=op.f("fk_pending_filing_signed_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_filing")),
    )
    op.create_index(op.f("ix_pending_filing_document_id"), "pending_filing", ["document_id"])


def downgrade():
    op.drop_index(op.f("ix_pending_filing_document_id"), table_name="pending_filing")
    for column in ("document_id", "paragraph_id", "until", "settled_at"):
        op.drop_index(op.f(f"ix_ad_referendum_{column}"), table_name="ad_referendum")
    op.drop_table("ad_referendum")
    op.drop_table("round_opening")
    op.drop_table("pending_filing")
    op.drop_column("process", "head_signoff")
