"""The audit log page: newest first, filtered by person, delegation, action or paragraph,
a page at a time."""

from __future__ import annotations

from flask import render_template, request

from drafting.handlers import record_or_403
from drafting.services import audit as audit_log
from drafting.services.documents import tree
from drafting.web import bp

PER_PAGE = 50


@bp.get("/documents/<int:document_id>/audit")
def audit(document_id: int):
    document = record_or_403(document_id)
    numbers = {p.id: p.number for p in tree(document, include_deleted=True)}
    by_number = {number: pid for pid, number in numbers.items() if number}
    chosen = {
        key: request.args.get(key, "").strip()
        for key in ("person", "delegation", "action", "paragraph")
    }
    wanted = audit_log.LogFilter(
        user_id=_integer(chosen["person"]),
        delegation_id=_integer(chosen["delegation"]),
        action=chosen["action"] or None,
        paragraph_id=by_number.get(chosen["paragraph"], -1) if chosen["paragraph"] else None,
    )
    log = audit_log.log_page(document, wanted, request.args.get("page", 1, type=int) or 1, PER_PAGE)
    return render_template("audit.html", document=document, log=log, chosen=chosen, numbers=numbers)


def _integer(value: str) -> int | None:
    """A filter's id, or None (any) when it is empty or not a number."""
    return int(value) if value.isdigit() and len(value) < 12 else None
