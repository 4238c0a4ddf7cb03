"""Delegations, users, processes and the role a user holds in each process."""

from __future__ import annotations

import colorsys
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


def _luminance(red: float, green: float, blue: float) -> float:
    """WCAG 2 relative luminance of an sRGB colour (channels 0..1)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def readable_colour(hue: int, contrast: float = 5.0) -> str:
    """`hsl(hue, 65%, L%)` with the lightest L (at most 38%) whose contrast with white is at
    least `contrast`: 5:1 leaves AA's 4.5:1 on the page's light grey too. Yellows and greens
    get darker than blues, so every delegation reads alike."""
    for lightness in range(38, 0, -1):
        rgb = colorsys.hls_to_rgb(hue / 360, lightness / 100, 0.65)
        if 1.05 / (_luminance(*rgb) + 0.05) >= contrast:
            return f"hsl({hue}, 65%, {lightness}%)"
    return f"hsl({hue}, 65%, 20%)"


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
        """A stable colour per delegation for tracked changes, presence and badges; dark
        enough that it reads as text on white and carries white text (WCAG AA)."""
        digest = hashlib.sha256(self.code.encode()).digest()
        return readable_colour(digest[0] * 360 // 256)

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
    # Every amendment must say why (the rationale a compilation circulates); on by default.
    rationale_required: Mapped[bool] = mapped_column(default=True)
    # Delegates may type suggestions into the text in committee review and plenary reading
    # (pending tracked changes until the committee or the PPT accepts them).
    allow_suggestions: Mapped[bool] = mapped_column(default=False)
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
