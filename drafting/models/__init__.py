"""The data model, one module per concept; imported here so Alembic sees every table."""

from drafting.models.amendments import Amendment, AmendmentText, CoSponsor
from drafting.models.audit import AuditEntry
from drafting.models.base import FrozenDocument, ImmutableRow, utcnow
from drafting.models.discussion import Comment, Reservation
from drafting.models.negotiation import AdReferendum, PendingFiling, RoundOpening
from drafting.models.notifications import MailDelivery, Notification, NotificationSetting
from drafting.models.people import Delegation, LoginSession, Membership, Process, User
from drafting.models.positions import ParagraphPosition, Stance
from drafting.models.review import ChangeReview
from drafting.models.tags import ParagraphTag, Tag
from drafting.models.text import (
    Deadline,
    Document,
    Paragraph,
    Revision,
    RevisionParagraph,
    RevisionVersion,
    Version,
)

__all__ = [
    "AdReferendum",
    "Amendment",
    "AmendmentText",
    "AuditEntry",
    "ChangeReview",
    "CoSponsor",
    "Comment",
    "Deadline",
    "Delegation",
    "Document",
    "FrozenDocument",
    "ImmutableRow",
    "LoginSession",
    "MailDelivery",
    "Membership",
    "Notification",
    "NotificationSetting",
    "Paragraph",
    "ParagraphPosition",
    "ParagraphTag",
    "PendingFiling",
    "Process",
    "Reservation",
    "Revision",
    "RevisionParagraph",
    "RevisionVersion",
    "RoundOpening",
    "Stance",
    "Tag",
    "User",
    "Version",
    "utcnow",
]
from drafting.models import guards as _guards  # noqa: F401  (registers the invariants)
