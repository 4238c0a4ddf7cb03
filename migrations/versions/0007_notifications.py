"""notifications: notifications, their mail deliveries, settings per person and event, a
time zone per person, and the reminders claimed on a deadline

Revision ID: 0007_notifications
Revises: 0006_document_title_es
Create Date: 2026-12-02 02:10:00.000000

"""

from alembic import op
import sqlalchemy as sa

import drafting.models.base


# revision identifiers, used by Alembic.
revision = "0007_notifications"
down_revision = "0006_document_title_es"
branch_labels = None
depends_on = None


def _time(name, **kwargs):
    return sa.Column(name, drafting.models.base.UTCDateTime(), **kwargs)


def upgrade():
    # Columns added in place (see 0005): no batch table copies.
    op.add_column("user", sa.Column("timezone", sa.String(length=64), nullable=True))
    op.add_column("deadline", _time("reminded_24h_at", nullable=True))
    op.add_column("deadline", _time("reminded_2h_at", nullable=True))
    op.create_table(
        "mail_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        _time("due_at", nullable=False),
        _time("next_attempt_at", nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        _time("claimed_until", nullable=True),
        _time("sent_at", nullable=True),
        _time("failed_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _time("created_at", nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_mail_delivery_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_delivery")),
    )
    for column in ("user_id", "due_at", "next_attempt_at", "sent_at"):
        op.create_index(op.f(f"ix_mail_delivery_{column}"), "mail_delivery", [column])
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        _time("created_at", nullable=False),
        _time("read_at", nullable=True),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user")),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_notification_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["mail_delivery.id"],
            name=op.f("fk_notification_delivery_id_mail_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    for column in ("user_id", "document_id", "created_at", "delivery_id"):
        op.create_index(op.f(f"ix_notification_{column}"), "notification", [column])
    op.create_table(
        "notification_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("mail", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_setting_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_setting")),
        sa.UniqueConstraint(
            "user_id", "event", name=op.f("uq_notification_setting_user_id")
        ),
    )
    op.create_index(
        op.f("ix_notification_setting_user_id"), "notification_setting", ["user_id"]
    )


def downgrade():
    op.drop_table("notification_setting")
    op.drop_table("notification")
    op.drop_table("mail_delivery")
    op.drop_column("deadline", "reminded_2h_at")
    op.drop_column("deadline", "reminded_24h_at")
    op.drop_column("user", "timezone")
