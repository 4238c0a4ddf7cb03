"""Mailing notifications: the worker that sends each due mail delivery once.

`send_due` runs in the server's scheduler every pass and in `flask notifications send`. It
claims a delivery with one atomic UPDATE and a lease (on SQLite and PostgreSQL alike), so
several processes never send the same mail; a failed send is retried with exponential
back-off; deliveries are rows, so a restart loses none. A mail is marked sent in the commit
right after the mail server accepted it: only a crash between those two instants could send
it again (after the lease), and then it carries the same Message-ID.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from drafting import clock, localtime
from drafting.extensions import db
from drafting.models import MailDelivery, Notification
from drafting.services.notifications import (
    ALL_EVENTS,
    EVENT_LABELS,
    describe,
    in_request,
    time_in,
    unsubscribe_token,
    zone_of,
)

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a worker that dies mid-send frees its claim after this
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)

# Subjects are rendered at send time, in the recipient's language.
SUBJECTS = {
    "round_opened": lambda **p: _l("Round open: %(document)s", **p),
    "silence_started": lambda **p: _l("Silence procedure started: %(document)s", **p),
    "deadline_reminder": lambda **p: _l("Reminder: deadline %(deadline)s, %(document)s", **p),
    "round_closed": lambda **p: _l("Round closed: %(document)s", **p),
    "silence_broken": lambda **p: _l("Silence broken by %(delegation)s: %(document)s", **p),
    "adopted": lambda **p: _l("Adopted: %(document)s", **p),
    "amendment_filed": lambda **p: _l("New amendment by %(delegation)s: %(document)s", **p),
    "amendment_decided": lambda **p: _l("Your amendment was decided: %(document)s", **p),
    "comment_reply": lambda **p: _l("Reply to your comment: %(document)s", **p),
    "ad_ref_expired": lambda **p: _l("Ad referendum agreement expired: %(document)s", **p),
}


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, ... at most 6 h between tries."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def _sendable(now: datetime):
    return (
        MailDelivery.sent_at.is_(None),
        MailDelivery.failed_at.is_(None),
        MailDelivery.due_at <= now,
        MailDelivery.next_attempt_at <= now,
        or_(MailDelivery.claimed_until.is_(None), MailDelivery.claimed_until < now),
    )


def _claim(delivery_id: int, token: str, now: datetime) -> bool:
    result = db.session.execute(
        update(MailDelivery)
        .where(MailDelivery.id == delivery_id, *_sendable(now))
        .values(claim_token=token, claimed_until=now + LEASE)
    )
    return result.rowcount == 1


def send_due(limit: int = 200) -> int:
    """Send every mail that is due; returns how many went out. Safe in many processes."""
    with in_request():
        return _send_due(limit)


def _send_due(limit: int) -> int:
    db.session.rollback()
    now = clock.now()
    ids = list(
        db.session.scalars(
            select(MailDelivery.id)
            .where(*_sendable(now))
            .order_by(MailDelivery.next_attempt_at, MailDelivery.id)
            .limit(limit)
        )
    )
    db.session.rollback()
    sent = 0
    for delivery_id in ids:
        token = uuid.uuid4().hex
        if not _claim(delivery_id, token, clock.now()):
            db.session.rollback()
            continue
        db.session.commit()  # the claim holds before anything leaves
        try:
            ok = _send_one(delivery_id)
        except Exception:
            log.exception("mail delivery %s could not be rendered", delivery_id)
            ok = False
        db.session.rollback()
        _settle(delivery_id, token, ok)
        db.session.commit()
        if not ok:
            # The mail server is likely down: each try may wait MAIL_TIMEOUT, and the same
            # scheduler acts on deadlines, so the rest wait for the next pass.
            log.warning("mail server unavailable; the other due mails wait for the next pass")
            break
        sent += 1
    return sent


def _settle(delivery_id: int, token: str, ok: bool) -> None:
    now = clock.now()
    delivery = db.session.get(MailDelivery, delivery_id)
    if delivery is None or delivery.claim_token != token:
        return
    delivery.claim_token = None
    delivery.claimed_until = None
    if ok:
        delivery.sent_at = now
        return
    delivery.attempts += 1
    delivery.last_error = "the mail server refused or could not be reached"
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.failed_at = now
        log.error("mail delivery %s given up after %s attempts", delivery_id, delivery.attempts)
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)


def _send_one(delivery_id: int) -> bool:
    delivery = db.session.get(MailDelivery, delivery_id)
    assert delivery is not None
    items = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.delivery_id == delivery_id)
            .order_by(Notification.created_at, Notification.id)
        )
    )
    if not items:
        return True  # nothing left to tell
    return _mail(delivery, items)


def _mail(delivery: MailDelivery, items: list[Notification]) -> bool:
    from drafting.services import calendar, mail

    user = delivery.user
    zone = zone_of(items[0], user)
    first = items[0]
    if delivery.kind == "digest":
        subject = _l("Your daily summary from Drafting (%(count)s)", count=len(items))
        unsubscribe_event = ALL_EVENTS
    else:
        params = {**first.params, "deadline": time_in(first.params.get("deadline"), zone)}
        subject = SUBJECTS[first.event](**_subject_params(params))
        unsubscribe_event = first.event
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        attachments = [
            calendar.invitation(n, _document_link(n))
            for n in items
            if n.event in ("round_opened", "silence_started") and n.params.get("deadline")
        ]
    unsubscribe = url_for(
        "web.unsubscribe", token=unsubscribe_token(user, unsubscribe_event), _external=True
    )
    return mail.send(
        user,
        subject,
        "notification",
        items=items,
        describe=lambda n: describe(n, zone),
        when=lambda n: localtime.format_time(n.created_at, zone),
        link=_document_link,
        digest=delivery.kind == "digest",
        unsubscribe=unsubscribe,
        unsubscribe_event=unsubscribe_event,
        event_label=lambda event: EVENT_LABELS[event],
        attachments=attachments,
        has_invitation=bool(attachments),
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "Message-ID": f"<delivery-{delivery.id}@{_mail_domain()}>",
        },
    )


def _subject_params(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "document": params.get("document", ""),
        "delegation": params.get("delegation", ""),
        "deadline": params.get("deadline", ""),
    }


def _mail_domain() -> str:
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or "drafting@localhost"
    return sender.rsplit("@", 1)[-1].strip("> ") or "localhost"


def _document_link(notification: Notification) -> str:
    if notification.document_id is None:
        return url_for("web.home", _external=True)
    return url_for("web.document", document_id=notification.document_id, _external=True)
