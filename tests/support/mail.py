"""A real SMTP server for tests (aiosmtpd on a free port) and the `mailbox` fixture that
points the app at it, so a test reads what actually arrived."""

from __future__ import annotations

import email
import email.policy
import re
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from drafting.extensions import mail

LINK = re.compile(r"https?://\S+/password/set/\S+")


@dataclass
class Mailbox:
    """What the server received, as parsed messages."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 5) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"{len(self.messages)} mails arrived, not {count}"
        return self.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    @staticmethod
    def link(message: EmailMessage) -> str:
        found = LINK.search(message.get_content())
        assert found, message.get_content()
        return found.group(0)


def smtp_server() -> tuple[Controller, Mailbox]:
    """A started aiosmtpd server on a free port and the mailbox it fills."""
    from support.live_server import free_port

    box = Mailbox("127.0.0.1", free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    return controller, box


@pytest.fixture
def mailbox(app):
    """The app sends by SMTP to a local server; the test reads the mailbox."""
    controller, box = smtp_server()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER=box.host, MAIL_PORT=box.port)
    mail.init_app(app)
    yield box
    controller.stop()
