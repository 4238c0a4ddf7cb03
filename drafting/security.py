"""Sessions, security headers and request-size limits."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from drafting.extensions import db, login_manager
from drafting.models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Session ids carry an epoch; bumping it (password change, lock-out) ends old sessions."""
    try:
        user_id, epoch = (int(part) for part in token.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
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
    @app.before_request
    def limit_json_bodies() -> None:
        # JSON bodies are capped at 1 MB, uploads at MAX_CONTENT_LENGTH; werkzeug stops
        # reading at the limit and answers 413, so a huge body is never read whole.
        if request.mimetype == "application/json":
            limit = app.config["MAX_JSON_LENGTH"]
            if request.content_length is not None and request.content_length > limit:
                raise RequestEntityTooLarge()
            request.max_content_length = limit

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith("/api/") or request.endpoint in ("web.login",):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
