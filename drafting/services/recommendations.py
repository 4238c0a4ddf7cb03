"""The drafting committee's recommendation on an amendment before the decision: accept,
accept with changes (in its wording), reject, or seek a compromise. (Rival amendments and
compromises: services/amendments.py files them, services/merging.py settles them.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drafting import clock
from drafting.models import Amendment, Document, User
from drafting.models.amendments import AmendmentKind, Recommendation
from drafting.services import audit
from drafting.services.amendments import announce, primary_text, require_pending, text_field
from drafting.services.errors import BadInput
from drafting.services.paragraphs import validate_text

MAX_NOTE = 2_000


@dataclass(frozen=True)
class Advice:
    """A checked recommendation; `value` None clears it."""

    value: Recommendation | None
    note: str | None = None
    text: str | None = None


def parse(document: Document, amendment: Amendment, data: dict[str, Any]) -> Advice:
    if "recommendation" not in data:
        raise BadInput("recommendation is required (null clears it)")
    raw = data["recommendation"]
    if raw is None:
        if data.get("note") or data.get("text"):
            raise BadInput("a note or a wording needs a recommendation")
        return Advice(None)
    try:
        value = Recommendation(raw)
    except (ValueError, TypeError):
        choices = ", ".join(r.value for r in Recommendation)
        raise BadInput(f"recommendation must be one of {choices}, or null") from None
    note = data.get("note")
    if note is not None:
        note = text_field(note, "note").strip() or None
    if note and len(note) > MAX_NOTE:
        raise BadInput(f"the note may hold at most {MAX_NOTE} characters")
    text = data.get("text")
    if value == Recommendation.ACCEPT_WITH_CHANGES:
        if text is None or not text_field(text, "text").strip():
            raise BadInput("accept_with_changes needs the wording the committee recommends")
        if amendment.kind == AmendmentKind.DELETE:
            raise BadInput("a deletion cannot be accepted with changes")
        main = primary_text(amendment)
        lang = main.lang if main else document.languages[0]
        text = validate_text(document, lang, text)
    elif text is not None:
        raise BadInput("only accept_with_changes carries a wording")
    return Advice(value, note, text)


def recommend(document: Document, amendment: Amendment, user: User, advice: Advice) -> Amendment:
    """Set (or clear) the committee's recommendation on a pending amendment; audited."""
    require_pending(amendment)
    amendment.recommendation = advice.value
    amendment.recommendation_note = advice.note
    amendment.recommendation_text = advice.text
    amendment.recommended_by_id = user.id if advice.value else None
    amendment.recommended_at = clock.now() if advice.value else None
    audit.record(
        "amendment_recommended",
        document=document,
        user=user,
        amendment_id=amendment.id,
        recommendation=advice.value.value if advice.value else None,
        note=advice.note,
        text=advice.text,
    )
    announce(document, amendment)
    return amendment
