"""HTML pages (thin), one module per concept with the same names as services/."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

from drafting.web import (  # noqa: E402,F401  (routes)
    amendments,
    audit,
    changes,
    discussion,
    documents,
    exports,
    history,
    importing,
    notifications,
    pages,
    paragraphs,
    passwords,
    positions,
    processes,
    rounds,
    session,
    signoffs,
    tags,
    workflow,
)
