"""Logging in and out over JSON; the answer carries the CSRF token for later writes."""

from __future__ import annotations

from flask import current_app, jsonify, session
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from drafting.api import bp
from drafting.extensions import csrf, db
from drafting.handlers import body, end_session, start_session, string
from drafting.services.errors import BadInput
from drafting.services.people import authenticate


def user_json(user) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "delegation": {
            "code": user.delegation.code,
            "name": user.delegation.name,
            "kind": user.delegation.kind.value,
        },
        "roles": {str(m.process_id): m.role.value for m in user.memberships},
    }


@bp.post("/login")
@csrf.exempt
def login():
    data = body()
    user = authenticate(
        data.get("email"),
        data.get("password"),
        max_failures=current_app.config["LOGIN_MAX_FAILURES"],
        lockout_seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"],
    )
    db.session.commit()
    start_session(user)
    return jsonify(user=user_json(user), csrf_token=generate_csrf())


@bp.post("/logout")
@login_required
def logout():
    end_session()
    return jsonify(ok=True)


@bp.get("/me")
@login_required
def me():
    return jsonify(user=user_json(current_user), csrf_token=generate_csrf())


@bp.post("/me/locale")
@login_required
def set_locale():
    locale = string(body(), "locale")
    if locale not in current_app.config["LANGUAGES"]:
        raise BadInput(f"locale must be one of {', '.join(current_app.config['LANGUAGES'])}")
    current_user.locale = locale
    session["lang"] = locale
    db.session.commit()
    return jsonify(locale=locale)
