"""The JSON API (SPEC §7); thin handlers over the services."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

from drafting.api import (  # noqa: E402,F401  (routes)
    amendments,
    changes,
    discussion,
    documents,
    formats,
    session,
    workflow,
)


@bp.record_once
def _errors(state) -> None:
    from drafting.api.errors import register

    register(state.app)
