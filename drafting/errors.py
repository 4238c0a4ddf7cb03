"""App-wide error handlers: one JSON format for the API ({"error": ...} with the right
status), plain messages for pages, and a rollback before either so nothing is half-written."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
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


# What a page says for each status, in the reader's language (others read as 400 or 500).
PAGES = {
    400: (
        _l("The request could not be read"),
        _l("Something in it is missing or malformed; nothing was changed."),
    ),
    403: (_l("Not open to you"), _l("Your role does not give you access to this page.")),
    404: (
        _l("Page not found"),
        _l("There is nothing at this address, or it is not visible to you."),
    ),
    405: (_l("Not possible here"), _l("This address does not take that kind of request.")),
    413: (_l("Too large"), _l("What was sent is larger than this site accepts.")),
    500: (
        _l("Something went wrong"),
        _l("An internal error stopped the request; nothing was changed."),
    ),
}


EXPIRED_FORM = (
    _l("The form has expired"),
    _l("Its security token (CSRF) is missing or too old: reload the page and send it again."),
)


def error_page(status: int, words: tuple[Any, Any] | None = None):
    """A styled page in the reader's language with a way back; plain text if even that fails
    (a broken database can stop the layout from rendering)."""
    heading, explanation = words or PAGES.get(status) or PAGES[500 if status >= 500 else 400]
    try:
        body = render_template("error.html", code=status, heading=heading, explanation=explanation)
    except Exception:  # the last resort must answer
        log.exception("the error page for %s could not be rendered", status)
        body = f"{heading}. {explanation}"
    return body, status


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
        return json_error(error.status, render(error.reason))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if request.path.startswith("/api/"):
            return json_error(400, f"CSRF check failed: {error.description}")
        return error_page(400, EXPIRED_FORM)

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(error: Exception):
        # A value the database cannot hold (a 100-digit id, say) is bad input, not a crash;
        # the parsers refuse most of them first, this catches the rest.
        db.session.rollback()
        log.info("refused a value out of range on %s %s: %s", request.method, request.path, error)
        if request.path.startswith("/api/"):
            return json_error(400, "a value in the request is out of range")
        return error_page(400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.response is not None:  # already built (the login throttle's 429)
            return error.response
        if request.path.startswith("/api/"):
            db.session.rollback()
            messages = {413: "the request body is too large"}
            return json_error(error.code or 500, messages.get(error.code, error.description))
        if error.code and error.code < 400:
            return error
        return error_page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        log.exception("unexpected error on %s %s", request.method, request.path)
        if request.path.startswith("/api/"):
            return json_error(500, "internal error; nothing was changed")
        return error_page(500)
