"""Sessions, security headers and request-size limits."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, redirect, request, session, url_for
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from drafting.extensions import login_manager
from drafting.models import User
from drafting.models.base import MAX_ID
from drafting.services import sessions

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route. A number larger than any row id becomes 0, an id no row
    has, so the view answers its own 404 ("document not found") instead of a query failing
    to bind it (SQLite raises OverflowError past 64 bits)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


class BoundedJSONProvider(DefaultJSONProvider):
    """JSON nested too deeply for the parser (100,000 levels) is malformed JSON, not a
    crash: request.get_json() and request.json then answer 400 like any other bad body."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The cookie counts only while its server-side session is live: logging out, changing
    the password or a lock-out ends it, and a copy of the cookie kept from before is refused."""
    try:
        user_id, epoch = (int(part) for part in token.split(":", 1))
    except ValueError:
        return None
    user = sessions.user_of(session.get(sessions.COOKIE_KEY), user_id)
    if user is None or user.session_epoch != epoch:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        return jsonify(error="log in first"), 401
    return redirect(url_for("web.login", next=request.full_path))


def is_api() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Before the blueprints are registered: the id converter applies to the rules added later."""
    app.url_map.converters["int"] = DatabaseId
    app.json = BoundedJSONProvider(app)

    def limit_json_bodies() -> None:
        # JSON bodies are capped at 1 MB, uploads at MAX_CONTENT_LENGTH; werkzeug stops
        # reading at the limit and answers 413, so a huge body is never read whole.
        if request.mimetype == "application/json":
            limit = app.config["MAX_JSON_LENGTH"]
            if request.content_length is not None and request.content_length > limit:
                raise RequestEntityTooLarge()
            request.max_content_length = limit

    # First of all hooks: the CSRF check opens the body stream, and a stream opened before
    # the limit is set would let a body without Content-Length (chunked) run to 10 MB.
    app.before_request_funcs.setdefault(None, []).insert(0, limit_json_bodies)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith("/api/") or request.endpoint in ("web.login",):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
