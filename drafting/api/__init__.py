"""The JSON API (SPEC §7); thin handlers over the services, one module per concept with the
same names as services/."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

from drafting.api import (  # noqa: E402,F401  (routes)
    amendments,
    audit,
    changes,
    discussion,
    documents,
    exports,
    history,
    importing,
    notifications,
    paragraphs,
    positions,
    processes,
    review,
    revisions,
    rounds,
    session,
    signoffs,
    tags,
    workflow,
)
