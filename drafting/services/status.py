"""Negotiation status set by the chair: agreed ad referendum, agreed, or open again."""

from __future__ import annotations

from drafting.database import lock_row
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Document, Paragraph, User
from drafting.models.text import ParagraphStatus
from drafting.services import audit
from drafting.services.editing import latest_by_lang, paragraph_of
from drafting.services.errors import BadInput, Conflict

SETTABLE = {"agreed_ad_ref", "agreed", "open"}


def set_status(document: Document, paragraph_id: int, user: User, status: object) -> Paragraph:
    if not isinstance(status, str) or status not in SETTABLE:
        raise BadInput(f"status must be one of {', '.join(sorted(SETTABLE))}")
    paragraph = paragraph_of(document, paragraph_id)
    lock_row(Paragraph, paragraph.id)
    if paragraph.status == ParagraphStatus.DELETED:
        raise Conflict("the paragraph is deleted")
    texts = latest_by_lang(paragraph.id)
    bracketed = any("[" in v.text for v in texts.values())
    if status != "open" and bracketed:
        raise Conflict(
            "a bracketed paragraph cannot be agreed; remove the brackets first",
            reasons=["the text holds brackets"],
        )
    new = ParagraphStatus(status)
    if status == "open" and bracketed:
        new = ParagraphStatus.BRACKETED
    before = paragraph.status
    paragraph.status = new
    audit.record(
        "status",
        document=document,
        user=user,
        from_state=before.value,
        to_state=new.value,
        paragraph_id=paragraph.id,
    )
    publish(
        db.session,
        document.id,
        "status_changed",
        {"paragraph_id": paragraph.id, "status": new.value, "by": user.delegation.code},
    )
    return paragraph
