"""Delegations, users, processes and the role a user holds in each process."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from drafting.extensions import db
from drafting.models.base import UTCDateTime, utcnow


class DelegationKind(enum.StrEnum):
    MEMBER_STATE = "member_state"
    OBSERVER = "observer"
    CIVIL_SOCIETY = "civil_society"
    SECRETARIAT = "secretariat"


class Role(enum.StrEnum):
    SECRETARIAT = "secretariat"
    PPT = "ppt"
    COMMITTEE = "committee"
    DELEGATE = "delegate"
    OBSERVER = "observer"


class Delegation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_es: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[DelegationKind] = mapped_column(
        Enum(
            DelegationKind,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )

    @property
    def color(self) -> str:
        """A stable colour per delegation for tracked changes and presence."""
        digest = hashlib.sha256(self.code.encode()).digest()
        return f"hsl({digest[0] * 360 // 256}, 65%, 38%)"

    def __repr__(self) -> str:
        return f"<Delegation {self.code}>"


# The password hash of an account that has no password yet (restored from a backup without
# hashes): no password matches it.
NO_PASSWORD = ""


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    # IANA zone for times in pages and mails; None: the process's zone.
    timezone: Mapped[str | None] = mapped_column(String(64))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_epoch: Mapped[int] = mapped_column(default=0)
    # A site administrator may create processes without being the secretariat of one.
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    delegation: Mapped[Delegation] = relationship(lazy="joined")
    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    def set_password(self, password: str) -> None:
        from flask import current_app

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return self.password_hash != NO_PASSWORD and check_password_hash(
            self.password_hash, password
        )

    def get_id(self) -> str:
        # The epoch in the id lets a password change or lock-out end old sessions.
        return f"{self.id}:{self.session_epoch}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Process(db.Model):
    """A negotiating body's process, e.g. the RCM with its member countries."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    acronym: Mapped[str] = mapped_column(String(40), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="America/Panama")
    description: Mapped[str] = mapped_column(String(2000), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en", "es"])
    # What the public sees of an adopted document: "text" (the text, its SHA-256 and the
    # reservations) or "full" (the whole record, never e-mails).
    public_record: Mapped[str] = mapped_column(String(10), default="text")
    # Filings by a delegation's members count once its head signs them off (issue 20, 3).
    head_signoff: Mapped[bool] = mapped_column(default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="process")


class Membership(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    head: Mapped[bool] = mapped_column(default=False)  # head of their delegation

    user: Mapped[User] = relationship(back_populates="memberships")
    process: Mapped[Process] = relationship(back_populates="memberships")

    __table_args__ = (UniqueConstraint("user_id", "process_id"),)


class LoginSession(db.Model):
    """One login, kept on the server so that logging out (or a password change, or a
    lock-out) ends it for good: a cookie saved before is worthless afterwards."""

    __tablename__ = "login_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
