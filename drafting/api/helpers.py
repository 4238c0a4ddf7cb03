"""Parsing request bodies and asking the policy, shared by the API handlers."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_login import current_user
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from drafting.models import Document
from drafting.policy import Action, can
from drafting.services.documents import MAX_ID, get_visible
from drafting.services.errors import BadInput, Conflict, Forbidden


def body() -> dict[str, Any]:
    """The JSON object sent; malformed JSON or another shape is a 400."""
    if not request.is_json:
        if request.get_data(cache=True):
            raise BadInput("send the body as JSON (Content-Type: application/json)")
        return {}
    # A body sent without a length (chunked) is cut at the limit rather than refused up
    # front (security.limit_json_bodies); what was cut is still too large.
    limit = current_app.config["MAX_JSON_LENGTH"]
    if request.content_length is None and len(request.get_data(cache=True)) >= limit:
        raise RequestEntityTooLarge()
    try:
        data = request.get_json()
    except RequestEntityTooLarge:
        raise
    except BadRequest:
        raise BadInput("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadInput("the body must be a JSON object")
    return data


def user():
    return current_user if current_user.is_authenticated else None


def document_for(document_id: int, action: Action = Action.VIEW) -> Document:
    """Load a document the caller can see (else 404) and check `action` (403 / 409)."""
    document = get_visible(user(), document_id)
    require(action, document)
    return document


def require(action: Action, document: Document) -> None:
    decision = can(user(), action, document)
    if decision.allowed:
        return
    if decision.forbidden:
        raise Forbidden(decision.reasons)
    raise Conflict(decision.reasons[0], reasons=list(decision.reasons))


def integer(data: dict[str, Any], key: str, *, required: bool = True) -> int | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{key} must be an integer")
    if abs(value) > MAX_ID:  # no column holds it; SQLite could not even bind it
        raise BadInput(f"{key} is out of range")
    return value


def string(data: dict[str, Any], key: str, *, required: bool = True, default: str = "") -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise BadInput(f"{key} is required")
        return default
    if not isinstance(value, str):
        raise BadInput(f"{key} must be a string")
    return value
