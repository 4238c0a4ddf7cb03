"""App-wide error handlers: one JSON format for the API ({"error": ...} with the right
status), plain messages for pages, and a rollback before either so nothing is half-written."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from drafting.extensions import db
from drafting.models import FrozenDocument, ImmutableRow
from drafting.reasons import Reason, as_json, render
from drafting.services.errors import ServiceError
from drafting.services.people import LoginRefused

log = logging.getLogger(__name__)


def json_error(status: int, message: str, **extra):
    return jsonify(error=message, **extra), status


def error_body(error: ServiceError) -> dict[str, Any]:
    """`{"error", ...extra}` plus `reasons` in the requester's language and `reason_codes`;
    called inside the request (or socket event), so the locale is the caller's."""
    answer = {"error": render(error.message), **error.extra}
    if error.reasons is not None:
        answer.update(as_json(error.reasons))
    return answer


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        db.session.rollback()
        return jsonify(error_body(error)), error.status

    @app.errorhandler(FrozenDocument)
    def frozen(error: FrozenDocument):
        db.session.rollback()
        return json_error(409, str(error), **as_json([Reason.of("adopted")]))

    @app.errorhandler(ImmutableRow)
    def immutable(error: ImmutableRow):
        db.session.rollback()
        return json_error(409, f"refused: {error}")

    @app.errorhandler(LoginRefused)
    def login_refused(error: LoginRefused):
        return json_error(error.status, str(error))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if request.path.startswith("/api/"):
            return json_error(400, f"CSRF check failed: {error.description}")
        return error.description, 400

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(error: Exception):
        # A value the database cannot hold (a 100-digit id, say) is bad input, not a crash;
        # the parsers refuse most of them first, this catches the rest.
        db.session.rollback()
        log.info("refused a value out of range on %s %s: %s", request.method, request.path, error)
        if request.path.startswith("/api/"):
            return json_error(400, "a value in the request is out of range")
        return "A value in the request is out of range.", 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.response is not None:  # already built (the login throttle's 429)
            return error.response
        if request.path.startswith("/api/"):
            db.session.rollback()
            messages = {413: "the request body is too large"}
            return json_error(error.code or 500, messages.get(error.code, error.description))
        return error

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        log.exception("unexpected error on %s %s", request.method, request.path)
        if request.path.startswith("/api/"):
            return json_error(500, "internal error; nothing was changed")
        return "Internal error; nothing was changed.", 500
