"""HTML pages (thin): login, processes, documents, audit."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

from drafting.web import (  # noqa: E402,F401  (routes)
    amendments,
    auth,
    changes,
    documents,
    formats,
)
