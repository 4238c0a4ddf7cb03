"""Mail to people, in the recipient's interface language, through Flask-Mailman: SMTP when
MAIL_SERVER is configured, else one .eml file per message in instance/mail/ (the
`EmailBackend` below), so a fresh install works offline."""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import LazyString, force_locale
from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend

from drafting.extensions import mail
from drafting.models import User

log = logging.getLogger(__name__)


class EmailBackend(BaseEmailBackend):
    """Writes each message to MAIL_FILE_PATH as `<time>-<id>.eml` (RFC 822, opens in any
    mail client) and logs its subject and recipients."""

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        folder = Path(current_app.config["MAIL_FILE_PATH"])
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:12]}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
            log.info("mail written to %s: %r to %s", folder / name, message.subject, message.to)
        return len(email_messages)


def send(
    to_user: User,
    subject: LazyString | str,
    template: str,
    *,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    headers: dict[str, str] | None = None,
    **context: Any,
) -> bool:
    """Render templates/mail/<template>.txt and the subject (a lazy_gettext string) in the
    recipient's language (their account's, else the site default) and send it. False when
    the mail server refused or could not be reached: the change it announces is already
    committed, so the failure is logged rather than turned into an error page.
    `attachments` are (file name, content, MIME type); `headers` extra mail headers."""
    locale = to_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        translated = str(subject)
        text = render_template(f"mail/{template}.txt", user=to_user, **context)
    message = EmailMessage(
        subject=translated,
        body=text,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to_user.email],
        connection=mail.get_connection(),
        headers=headers,
    )
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    try:
        message.send()
    except (OSError, smtplib.SMTPException):
        log.exception("mail to %s could not be sent: %r", to_user.email, translated)
        return False
    return True
