"""The interface language (English or Spanish), chosen by the user or asked per API call."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from drafting.extensions import babel


def select_locale() -> str:
    """`?lang=`, then for API calls an Accept-Language the app speaks (a client asks per
    request), then the session's or the user's choice, then the browser's header."""
    supported = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang") if request else None
    if wanted in supported:
        session["lang"] = wanted
        return wanted
    if request and request.path.startswith("/api/") and request.accept_languages:
        asked = request.accept_languages.best_match(supported)
        if asked:
            return asked
    if session.get("lang") in supported:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
        return current_user.locale
    return (request.accept_languages.best_match(supported) if request else None) or "en"


def init_app(app: Flask) -> None:
    from drafting import ROOT

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "drafting" / "translations"),
    )
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
