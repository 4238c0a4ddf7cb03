"""The workflow buttons of the document page."""

from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from drafting.extensions import db
from drafting.handlers import flash_error, visible_or_404
from drafting.labels import transition_label
from drafting.services import signoff, workflow
from drafting.services.errors import BadInput, ServiceError
from drafting.web import bp
from drafting.web.signoffs import held_message

KEPT = "kept_transition_form"  # what a refused step's form held, shown again once
KEPT_FIELDS = ("deadline", "timezone", "reason")


@bp.post("/documents/<int:document_id>/transitions/<name>")
@login_required
def take_transition(document_id: int, name: str):
    document = visible_or_404(document_id)
    try:
        if name == "break_silence" and signoff.required(current_user, document):
            signoff.hold(document, current_user, name, {"reason": request.form.get("reason")})
            db.session.commit()
            flash(held_message(), "ok")
            return redirect(url_for("web.document", document_id=document_id))
        workflow.transition(
            current_user,
            document,
            name,
            reason=request.form.get("reason"),
            deadline=deadline_from(request.form.get("deadline"), request.form.get("timezone")),
        )
        db.session.commit()
        flash(_("%(step)s: done.", step=transition_label(name)), "ok")
    except ServiceError as error:
        flash_error(error)
        session[KEPT] = {
            "document": document_id,
            "step": name,
            **{key: request.form.get(key, "")[:200] for key in KEPT_FIELDS},
        }
        return redirect(url_for("web.document", document_id=document_id, _anchor="workflow"))
    return redirect(url_for("web.document", document_id=document_id))


@functools.cache
def time_zones() -> list[str]:
    """Every IANA time zone, for the deadline's choice."""
    return sorted(available_timezones())


def kept_form(document_id: int) -> dict[str, str]:
    """The fields of the step just refused on this document (once), so nothing typed is lost."""
    if KEPT not in session:
        return {}  # reading alone leaves the session cookie as it is
    kept = session.pop(KEPT)
    return kept if isinstance(kept, dict) and kept.get("document") == document_id else {}


def deadline_from(typed: str | None, zone: str | None) -> str | None:
    """The form's local date and time read in the chosen IANA time zone, as ISO 8601 with
    its offset (what the service takes); a value that already has an offset passes as is."""
    if not typed or not zone:
        return typed or None
    if zone not in available_timezones():
        raise BadInput(f"unknown time zone {zone[:60]!r}")
    try:
        local = datetime.fromisoformat(typed)
    except ValueError:
        return typed  # the service says what is wrong with it
    if local.tzinfo is not None:
        return typed
    return local.replace(tzinfo=ZoneInfo(zone)).isoformat()
