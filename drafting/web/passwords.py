"""Setting a password from an invitation or reset link, and asking for a reset link."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from drafting.extensions import db
from drafting.handlers import start_session
from drafting.services import invitations
from drafting.services.errors import ServiceError
from drafting.services.people import MIN_PASSWORD
from drafting.web import bp


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set my password"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """The same answer whether or not the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        invitations.send_reset(form.email.data)
        flash(_("If this address has an account, a link to set a new password is on its way."))
        return redirect(url_for("web.login"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("password_forgot.html", form=form), status


LINK_ERRORS = {
    "this link has expired; ask for a new one": _l("This link has expired; ask for a new one."),
    "this link has already been used": _l("This link has already been used."),
}


@bp.route("/password/set/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Redeem an invitation or reset link; the new password logs the person in."""
    try:
        user = invitations.user_for(token)
    except ServiceError as error:
        message = LINK_ERRORS.get(error.message, _l("This link is not valid."))
        return render_template("password_set.html", form=None, invalid=message), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        invitations.set_password(token, form.password.data)
        db.session.commit()
        start_session(user)
        flash(_("Your password is set. Welcome, %(name)s.", name=user.name), "ok")
        return redirect(url_for("web.home"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("password_set.html", form=form, user=user, invalid=None), status
