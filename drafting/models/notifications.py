"""Notifications: what a person is told, how they want to be told, and the mail owed them.

A notification and its mail delivery are written in the transaction of the event they
announce; the delivery is sent afterwards by whichever worker claims it first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow
from drafting.models.people import User


class Notification(db.Model):
    """One event told to one person; its words are rendered in the reader's language from
    `event` and `params` whenever it is shown or mailed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("mail_delivery.id"), index=True)

    user: Mapped[User] = relationship()


class MailDelivery(db.Model):
    """A mail owed to a person: one notification (`immediate`) or a day's notifications
    (`digest`). Claimed by one worker at a time (`claim_token` with a lease), retried with
    back-off while the mail server fails, and marked `sent_at` once it went out."""

    __tablename__ = "mail_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # immediate | digest
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


class NotificationSetting(db.Model):
    """How one person wants one event: `mail` is immediate, digest or off (in the app it is
    always shown). Absent rows mean the event's default."""

    __tablename__ = "notification_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    mail: Mapped[str] = mapped_column(String(10))

    __table_args__ = (UniqueConstraint("user_id", "event"),)
