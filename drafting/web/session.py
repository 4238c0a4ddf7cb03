"""Login and logout forms, and the account page (interface language)."""

from __future__ import annotations

from flask import (
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.wrappers import Response
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from drafting.extensions import db
from drafting.handlers import end_session, safe_next, start_session
from drafting.reasons import render
from drafting.services.people import LoginRefused, authenticate
from drafting.throttle import (
    LoginThrottled,
    count_account_attempt,
    forget_account_attempts,
    per_address,
    retry_after,
)
from drafting.web import bp


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


def throttled(form: LoginForm, seconds: int) -> Response:
    """The form again, with 429 and Retry-After, whichever limit was hit."""
    minutes = max(1, -(-seconds // 60))
    form.password.errors = [
        ngettext(
            "Too many login attempts. Try again in %(num)d minute.",
            "Too many login attempts. Try again in %(num)d minutes.",
            minutes,
        )
    ]
    response = make_response(render_template("login.html", form=form), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def address_breached(limit: RequestLimit) -> Response:
    return throttled(LoginForm(), retry_after(limit))


@bp.route("/login", methods=["GET", "POST"])
@per_address(address_breached)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            count_account_attempt(form.email.data)
            user = authenticate(form.email.data, form.password.data)
        except LoginThrottled as refused:
            return throttled(form, refused.retry_after)
        except LoginRefused as refused:
            form.password.errors.append(render(refused.reason))
            status = refused.status
        else:
            db.session.commit()
            forget_account_attempts(form.email.data)
            start_session(user)
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    end_session()
    flash(_("You are logged out."))
    return redirect(url_for("web.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's interface language, kept with the account."""
    from flask import current_app

    supported = current_app.config["LANGUAGES"]
    if request.method == "POST":
        locale = request.form.get("locale")
        if locale not in supported:
            flash(_("Choose English or Spanish."), "error")
            return redirect(url_for("web.account")), 303
        current_user.locale = locale
        session["lang"] = locale
        db.session.commit()
        with force_locale(locale):
            flash(_("Your language preference is saved."), "ok")
        return redirect(url_for("web.account")), 303
    return render_template("account.html", supported=supported)
