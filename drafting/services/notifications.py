"""Notifications: who is told of what, in the app and by mail.

Services call one function per event (`workflow_step`, `amendment_filed`, ...) inside the
transaction of the event: the notification rows, and the mail deliveries each reader's
settings ask for, commit or roll back with it; `services/deliveries.py` mails them
afterwards. Reminders before a deadline are claimed the way deadlines are
(`UPDATE deadline ... WHERE reminded_*_at IS NULL`), so each is sent once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select, update

from drafting import clock, localtime
from drafting.events import publish_to_user
from drafting.extensions import db
from drafting.models import (
    Amendment,
    AuditEntry,
    Comment,
    CoSponsor,
    Deadline,
    Delegation,
    Document,
    MailDelivery,
    Membership,
    Notification,
    NotificationSetting,
    Reservation,
    User,
)
from drafting.models.base import MAX_ID
from drafting.models.people import DelegationKind, Role
from drafting.models.text import DeadlineKind, sealed_final_exists
from drafting.services.errors import BadInput, NotFound

log = logging.getLogger(__name__)

EVENTS = (
    "round_opened",
    "silence_started",
    "deadline_reminder",
    "round_closed",
    "silence_broken",
    "adopted",
    "amendment_filed",
    "amendment_decided",
    "comment_reply",
    "ad_ref_expired",
)
MAIL_MODES = ("immediate", "digest", "off")
# What a person gets by mail unless they chose otherwise: every step they must act on.
DEFAULTS = {
    "round_opened": "immediate",
    "silence_started": "immediate",
    "deadline_reminder": "immediate",
    "round_closed": "off",
    "silence_broken": "immediate",
    "adopted": "immediate",
    "amendment_filed": "off",
    "amendment_decided": "immediate",
    "comment_reply": "off",
    "ad_ref_expired": "immediate",
}
EVENT_LABELS = {
    "round_opened": _l("A round opens"),
    "silence_started": _l("The silence procedure starts"),
    "deadline_reminder": _l("Reminder before a deadline (24 h and 2 h)"),
    "round_closed": _l("A round closes"),
    "silence_broken": _l("Silence is broken"),
    "adopted": _l("A document is adopted"),
    "amendment_filed": _l("An amendment is filed (committee, PPT, secretariat)"),
    "amendment_decided": _l("Your delegation's amendment is decided"),
    "comment_reply": _l("Someone replies to your comment"),
    "ad_ref_expired": _l("An agreement ad referendum expires unconfirmed (PPT)"),
}
WORKFLOW_EVENTS = {
    "open_round": "round_opened",
    "start_silence": "silence_started",
    "close_round": "round_closed",
    "break_silence": "silence_broken",
    "adopt": "adopted",
}
REMINDERS = (("reminded_24h_at", timedelta(hours=24)), ("reminded_2h_at", timedelta(hours=2)))
STAFF = (Role.COMMITTEE, Role.PPT, Role.SECRETARIAT)
UNSUBSCRIBE_SALT = "drafting.unsubscribe"
ALL_EVENTS = "*"


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


def settings_of(user: User) -> dict[str, dict[str, str]]:
    """`{"<event>": {"mail": "immediate" | "digest" | "off"}}` for every event (SPEC §10)."""
    chosen = {
        s.event: s.mail
        for s in db.session.scalars(
            select(NotificationSetting).where(NotificationSetting.user_id == user.id)
        )
    }
    return {event: {"mail": chosen.get(event, DEFAULTS[event])} for event in EVENTS}


def parse_settings(data: Any) -> dict[str, str]:
    """The modes asked for, by event; anything unknown is a 400 before anything is stored."""
    if not isinstance(data, dict):
        raise BadInput('send an object of events, e.g. {"adopted": {"mail": "digest"}}')
    modes = {}
    for event, value in data.items():
        if event not in EVENTS:
            raise BadInput(f"unknown event {event!r}; events are {', '.join(EVENTS)}")
        mode = value.get("mail") if isinstance(value, dict) else None
        if mode not in MAIL_MODES:
            raise BadInput(f"{event}: mail must be one of {', '.join(MAIL_MODES)}")
        modes[event] = mode
    return modes


def update_settings(user: User, modes: dict[str, str]) -> dict[str, dict[str, str]]:
    """Store the modes given (others keep theirs); answers the whole settings."""
    rows = {
        s.event: s
        for s in db.session.scalars(
            select(NotificationSetting).where(NotificationSetting.user_id == user.id)
        )
    }
    for event, mode in modes.items():
        if event in rows:
            rows[event].mail = mode
        else:
            db.session.add(NotificationSetting(user_id=user.id, event=event, mail=mode))
    db.session.flush()
    return settings_of(user)


def set_timezone(user: User, name: str | None) -> None:
    """The reader's time zone for pages and mails; empty means the process's."""
    name = (name or "").strip() or None
    if name is not None and not localtime.is_zone(name):
        raise BadInput(f"{name!r} is not a time zone (IANA name, e.g. America/Mexico_City)")
    user.timezone = name


def _modes_for(user_ids: Iterable[int], event: str) -> dict[int, str]:
    ids = list(user_ids)
    chosen = dict(
        db.session.execute(
            select(NotificationSetting.user_id, NotificationSetting.mail).where(
                NotificationSetting.user_id.in_(ids), NotificationSetting.event == event
            )
        ).all()
    )
    return {uid: chosen.get(uid, DEFAULTS[event]) for uid in ids}


# --------------------------------------------------------------------------------------------
# Unsubscribe links
# --------------------------------------------------------------------------------------------


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, event: str) -> str:
    """A signed link token that turns off mail for one event (or `*`: all) of one person."""
    return _signer().dumps({"user": user.id, "event": event})


def read_unsubscribe(token: str) -> tuple[User, str]:
    """The person and event a token names; a forged or altered one is refused."""
    try:
        data = _signer().loads(token)
    except BadSignature:
        raise BadInput("this link is not valid") from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    event = data.get("event") if isinstance(data, dict) else None
    if user is None or (event != ALL_EVENTS and event not in EVENTS):
        raise BadInput("this link is not valid")
    return user, event


def unsubscribe(token: str) -> tuple[User, str]:
    """Turn off the mail a token names."""
    user, event = read_unsubscribe(token)
    update_settings(user, {e: "off" for e in (EVENTS if event == ALL_EVENTS else (event,))})
    return user, event


# --------------------------------------------------------------------------------------------
# Recording events
# --------------------------------------------------------------------------------------------


def members_of(process_id: int, roles: Iterable[Role] | None = None) -> list[User]:
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.process_id == process_id)
        .order_by(User.id)
    )
    if roles is not None:
        query = query.where(Membership.role.in_(list(roles)))
    return list(db.session.scalars(query))


def _digest_due(moment: datetime, zone: str) -> datetime:
    """The next digest hour in the reader's zone after `moment`."""
    hour = current_app.config.get("NOTIFICATION_DIGEST_HOUR", 7)
    local = localtime.in_zone(moment, zone)
    due = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if due <= local:
        due = (local + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return clock.as_utc(due)


def _delivery_for(user: User, mode: str, now: datetime, zone: str) -> MailDelivery | None:
    if mode == "immediate":
        delivery = MailDelivery(
            user_id=user.id, kind="immediate", due_at=now, next_attempt_at=now, created_at=now
        )
        db.session.add(delivery)
        return delivery
    if mode != "digest":
        return None
    due = _digest_due(now, zone)
    delivery = db.session.scalar(
        select(MailDelivery).where(
            MailDelivery.user_id == user.id,
            MailDelivery.kind == "digest",
            MailDelivery.due_at == due,
            MailDelivery.sent_at.is_(None),
        )
    )
    if delivery is None:
        delivery = MailDelivery(
            user_id=user.id, kind="digest", due_at=due, next_attempt_at=due, created_at=now
        )
        db.session.add(delivery)
    return delivery


def notify(
    event: str,
    document: Document,
    recipients: Iterable[User],
    params: dict[str, Any],
    *,
    actor: User | None = None,
) -> list[Notification]:
    """Record `event` for each recipient (the actor excepted) with the mail their settings
    ask for, and tell their open pages once the transaction commits."""
    now = clock.now()
    people = {u.id: u for u in recipients if actor is None or u.id != actor.id}
    if not people:
        return []
    params = {
        "document": document.title,
        "symbol": document.symbol,
        "timezone": document.process.timezone,
        **params,
    }
    modes = _modes_for(people, event)
    made = []
    for user in people.values():
        zone = localtime.zone_name_for(user, document.process.timezone)
        delivery = _delivery_for(user, modes[user.id], now, zone)
        db.session.flush()
        notification = Notification(
            user_id=user.id,
            event=event,
            document_id=document.id,
            params=params,
            created_at=now,
            delivery_id=delivery.id if delivery else None,
        )
        db.session.add(notification)
        made.append(notification)
    db.session.flush()
    unread = _unread_counts(list(people))
    for notification in made:
        user = people[notification.user_id]
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            payload = as_json(notification, user)
        payload["unread"] = unread.get(user.id, 0)
        publish_to_user(db.session, user.id, "notification", payload)
    return made


def workflow_step(document: Document, user: User | None, trigger: str, reason: str | None) -> None:
    """A workflow step that people must hear of: rounds, silence, adoption."""
    event = WORKFLOW_EVENTS.get(trigger)
    if event is None:
        return
    params: dict[str, Any] = {}
    if event in ("round_opened", "silence_started"):
        deadline = _open_deadline(document)
        if deadline is not None:
            params.update(deadline=deadline.due_at.isoformat(), deadline_id=deadline.id)
        if document.current_revision:
            params["revision"] = document.current_revision.label
    if event == "silence_broken":
        params.update(
            name=user.name if user else "",
            delegation=user.delegation.code if user else "",
            reason=reason or "",
        )
    if event == "adopted":
        params["sha256"] = document.sha256
    notify(event, document, members_of(document.process_id), params, actor=user)


def amendment_filed(document: Document, amendment: Amendment) -> None:
    """Tell the committee, the PPT and the secretariat of a new amendment."""
    notify(
        "amendment_filed",
        document,
        members_of(document.process_id, STAFF),
        {
            "delegation": amendment.delegation.code,
            "kind": amendment.kind.value,
            "paragraph": _number(document, amendment),
            "amendment_id": amendment.id,
        },
        actor=amendment.author,
    )


def amendment_decided(document: Document, amendment: Amendment, user: User) -> None:
    """Tell the proposing and co-sponsoring delegations how their amendment was decided."""
    delegations = {amendment.delegation_id} | {c.delegation_id for c in amendment.co_sponsors}
    recipients = [u for u in members_of(document.process_id) if u.delegation_id in delegations]
    notify(
        "amendment_decided",
        document,
        recipients,
        {
            "paragraph": _number(document, amendment),
            "decision": amendment.status.value,
            "note": amendment.decision_note or "",
            "amendment_id": amendment.id,
        },
        actor=user,
    )


def _number(document: Document, amendment: Amendment) -> str:
    from drafting.services.documents import numbers

    found = numbers(document).get(amendment.paragraph_id)
    return found.number if found else ""


def comment_added(document: Document, comment: Comment) -> None:
    """A reply is told to the author of the comment it answers."""
    if comment.parent_id is None:
        return
    parent = db.session.get(Comment, comment.parent_id)
    if parent is None:
        return
    excerpt = comment.body if len(comment.body) <= 200 else comment.body[:199] + "…"
    notify(
        "comment_reply",
        document,
        [parent.author],
        {
            "name": comment.author.name,
            "delegation": comment.delegation.code,
            "excerpt": excerpt,
            "comment_id": comment.id,
        },
        actor=comment.author,
    )


def _open_deadline(document: Document) -> Deadline | None:
    return db.session.scalar(
        select(Deadline)
        .where(
            Deadline.document_id == document.id,
            Deadline.handled_at.is_(None),
            Deadline.cancelled_at.is_(None),
        )
        .order_by(Deadline.id.desc())
        .limit(1)
    )


# --------------------------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------------------------


def acted_delegations(deadline: Deadline) -> set[int]:
    """Delegations that filed, co-sponsored, commented or made a reservation since the round
    (or silence) began."""
    since = deadline.created_at
    document_id = deadline.document_id
    acted: set[int] = set()
    for model in (Amendment, Comment, Reservation):
        acted.update(
            db.session.scalars(
                select(model.delegation_id).where(
                    model.document_id == document_id, model.created_at >= since
                )
            )
        )
    acted.update(
        db.session.scalars(
            select(CoSponsor.delegation_id)
            .join(Amendment, Amendment.id == CoSponsor.amendment_id)
            .where(Amendment.document_id == document_id, CoSponsor.created_at >= since)
        )
    )
    return acted


def _claim_reminder(deadline_id: int, column: str) -> bool:
    """The deadlines' claim-once: only the process whose UPDATE touched the row goes on."""
    result = db.session.execute(
        update(Deadline)
        .where(
            Deadline.id == deadline_id,
            getattr(Deadline, column).is_(None),
            Deadline.handled_at.is_(None),
            Deadline.cancelled_at.is_(None),
        )
        .values({column: clock.now()})
    )
    return result.rowcount == 1


def _reminder_owed(deadline: Deadline, now: datetime) -> str | None:
    """Which reminder is due now, if any: the last window entered, and only windows that
    began after the deadline was set (a 10-hour round gets no 24-hour reminder)."""
    for column, before in reversed(REMINDERS):
        starts = deadline.due_at - before
        if now >= starts and getattr(deadline, column) is None:
            return column if deadline.created_at < starts else None
    return None


def public_url() -> str:
    return current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"


@contextlib.contextmanager
def in_request() -> Iterator[None]:
    """Workers render words and links as a request to PUBLIC_URL would (no request here)."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/", base_url=public_url()):
        yield


def remind_due() -> int:
    """Send the reminders owed before open deadlines; one transaction each, each once."""
    with in_request():
        return _remind_due()


def _remind_due() -> int:
    db.session.rollback()
    now = clock.now()
    candidates = list(
        db.session.scalars(
            select(Deadline)
            .join(Document, Document.id == Deadline.document_id)
            .where(
                Deadline.handled_at.is_(None),
                Deadline.cancelled_at.is_(None),
                Deadline.due_at > now,
                Deadline.due_at <= now + REMINDERS[0][1],
                or_(Deadline.reminded_24h_at.is_(None), Deadline.reminded_2h_at.is_(None)),
                ~sealed_final_exists(),
            )
        )
    )
    sent = 0
    for deadline in candidates:
        column = _reminder_owed(deadline, now)
        if column is None:
            continue
        try:
            if not _claim_reminder(deadline.id, column):
                db.session.rollback()
                continue
            if column == "reminded_2h_at":  # past the 24 h window too: never send it late
                db.session.execute(
                    update(Deadline)
                    .where(Deadline.id == deadline.id, Deadline.reminded_24h_at.is_(None))
                    .values(reminded_24h_at=now)
                )
            _remind(deadline, column)
            db.session.commit()
            sent += 1
        except Exception:
            db.session.rollback()
            log.exception("reminder for deadline %s failed", deadline.id)
    return sent


def _remind(deadline: Deadline, column: str) -> None:
    document = deadline.document
    acted = acted_delegations(deadline)
    # Member delegations that negotiate; the PPT chairs the round it opened.
    recipients = [
        u
        for u in members_of(document.process_id, (Role.DELEGATE, Role.COMMITTEE))
        if u.delegation.kind == DelegationKind.MEMBER_STATE and u.delegation_id not in acted
    ]
    notify(
        "deadline_reminder",
        document,
        recipients,
        {
            "kind": deadline.kind.value,
            "deadline": deadline.due_at.isoformat(),
            "deadline_id": deadline.id,
            "hours": 24 if column == "reminded_24h_at" else 2,
        },
    )


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def time_in(value: str | None, zone: str) -> str:
    """An ISO time kept in a notification, as the reader reads it."""
    return localtime.format_time(datetime.fromisoformat(value), zone) if value else ""


def describe(notification: Notification, zone: str) -> str:
    """The notification in the current language, times in `zone`."""
    p = dict(notification.params or {})
    p["deadline"] = time_in(p.get("deadline"), zone)
    event = notification.event
    if event == "round_opened":
        return _(
            "%(document)s: %(revision)s is open for amendments and comments until %(deadline)s.",
            document=p["document"],
            revision=p.get("revision", ""),
            deadline=p["deadline"],
        )
    if event == "silence_started":
        return _(
            "%(document)s: the silence procedure has started. It ends %(deadline)s; a member "
            "delegation that cannot accept the text may break it before then.",
            document=p["document"],
            deadline=p["deadline"],
        )
    if event == "deadline_reminder":
        if p.get("kind") == DeadlineKind.SILENCE.value:
            return _(
                "%(document)s: the silence procedure ends %(deadline)s (in %(hours)s hours).",
                document=p["document"],
                deadline=p["deadline"],
                hours=p.get("hours"),
            )
        return _(
            "%(document)s: the round closes %(deadline)s (in %(hours)s hours) and your "
            "delegation has not filed anything in it yet.",
            document=p["document"],
            deadline=p["deadline"],
            hours=p.get("hours"),
        )
    if event == "round_closed":
        return _(
            "%(document)s: the round has closed; the drafting committee now reviews the text.",
            document=p["document"],
        )
    if event == "silence_broken":
        return _(
            "%(document)s: silence was broken by %(name)s (%(delegation)s). Reason: %(reason)s",
            document=p["document"],
            name=p.get("name", ""),
            delegation=p.get("delegation", ""),
            reason=p.get("reason", ""),
        )
    if event == "adopted":
        return _(
            "%(document)s has been adopted. SHA-256 of the adopted text: %(sha256)s",
            document=p["document"],
            sha256=p.get("sha256", ""),
        )
    if event == "amendment_filed":
        return _(
            "%(document)s: %(delegation)s filed an amendment on paragraph %(paragraph)s.",
            document=p["document"],
            delegation=p.get("delegation", ""),
            paragraph=p.get("paragraph", ""),
        )
    if event == "amendment_decided":
        text = _(
            "%(document)s: the amendment on paragraph %(paragraph)s was %(decision)s.",
            document=p["document"],
            paragraph=p.get("paragraph", ""),
            decision=decision_label(p.get("decision", "")),
        )
        if p.get("note"):
            text += " " + _("Note: %(note)s", note=p["note"])
        return text
    if event == "comment_reply":
        return _(
            "%(document)s: %(name)s (%(delegation)s) replied to your comment: %(excerpt)s",
            document=p["document"],
            name=p.get("name", ""),
            delegation=p.get("delegation", ""),
            excerpt=p.get("excerpt", ""),
        )
    if event == "ad_ref_expired":
        return _(
            "%(document)s: %(delegation)s did not confirm its agreement ad referendum to "
            "paragraph %(paragraph)s by %(deadline)s; the paragraph is open again.",
            document=p["document"],
            delegation=p.get("delegation", ""),
            paragraph=p.get("paragraph", ""),
            deadline=time_in(p.get("until"), zone),
        )
    return p["document"]


def decision_label(status: str) -> str:
    return {
        "accepted": _("accepted"),
        "merged": _("accepted with changes"),
        "rejected": _("rejected"),
    }.get(status, status)


def zone_of(notification: Notification, user: User) -> str:
    return localtime.zone_name_for(user, (notification.params or {}).get("timezone"))


def as_json(notification: Notification, user: User) -> dict[str, Any]:
    """SPEC §10: `{id, event, document_id, text, created_at, read}`."""
    return {
        "id": notification.id,
        "event": notification.event,
        "document_id": notification.document_id,
        "text": describe(notification, zone_of(notification, user)),
        "created_at": clock.as_utc(notification.created_at).isoformat(),
        "read": notification.read_at is not None,
    }


def for_user(user: User, limit: int = 100) -> list[Notification]:
    """The person's own notifications, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def _unread_counts(user_ids: list[int]) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Notification.user_id, func.count(Notification.id))
            .where(Notification.user_id.in_(user_ids), Notification.read_at.is_(None))
            .group_by(Notification.user_id)
        ).all()
    )


def unread_count(user: User) -> int:
    return _unread_counts([user.id]).get(user.id, 0)


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the person's own notifications read; anyone else's is a 404."""
    found = 0 < notification_id <= MAX_ID  # SQLite could not even bind a larger one
    notification = db.session.get(Notification, notification_id) if found else None
    if notification is None or notification.user_id != user.id:
        raise NotFound("notification not found")
    if notification.read_at is None:
        notification.read_at = clock.now()
    return notification


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )


@dataclass(frozen=True)
class SilenceBreak:
    """Who broke silence, for which delegation, why and when: shown on the document page
    until the next workflow step."""

    name: str
    delegation: str
    reason: str
    at: datetime


def silence_break(document: Document) -> SilenceBreak | None:
    """The break of silence, if it is the document's latest workflow step."""
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.document_id == document.id, AuditEntry.action == "transition")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None or (entry.details or {}).get("transition") != "break_silence":
        return None
    delegation = entry.delegation or (entry.user.delegation if entry.user else None)
    return SilenceBreak(
        name=entry.user.name if entry.user else "",
        delegation=_delegation_name(delegation),
        reason=entry.reason or "",
        at=entry.at,
    )


def _delegation_name(delegation: Delegation | None) -> str:
    if delegation is None:
        return ""
    return f"{delegation.name} ({delegation.code})"
