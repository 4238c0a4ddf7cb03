"""The round dashboard page: who opened the text, who filed, who stayed silent."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from drafting.extensions import db
from drafting.handlers import flash_error, visible_or_404
from drafting.policy import Action, can
from drafting.reasons import render
from drafting.services import rounds
from drafting.services.errors import ServiceError
from drafting.web import bp


def may_see_rounds(document) -> bool:
    return can(
        current_user if current_user.is_authenticated else None, Action.VIEW_ROUNDS, document
    ).allowed


@bp.record_once
def _register(state) -> None:
    state.app.jinja_env.globals.update(may_see_rounds=may_see_rounds)


@bp.get("/documents/<int:document_id>/rounds")
@bp.get("/documents/<int:document_id>/rounds/<int:number>")
@login_required
def rounds_page(document_id: int, number: int | None = None):
    document = visible_or_404(document_id)
    if not may_see_rounds(document):
        abort(403)
    held = rounds.rounds_of(document)
    if number is not None and not 1 <= number <= len(held):
        abort(404)  # as the API: no such round (none before the first one is opened)
    number = number or len(held)
    deadline = held[number - 1] if held else None
    return render_template(
        "rounds.html",
        document=document,
        held=held,
        number=number,
        deadline=deadline,
        standings=rounds.standings(document, deadline) if deadline else [],
        is_open=deadline is not None and rounds.open_round(document) is deadline,
        may_remind=can(current_user, Action.REMIND_SILENT, document).allowed,
    )


@bp.post("/documents/<int:document_id>/rounds/<int:number>/remind")
@login_required
def remind_silent(document_id: int, number: int):
    document = visible_or_404(document_id)
    decision = can(current_user, Action.REMIND_SILENT, document)
    try:
        if not decision.allowed:
            flash(render(decision.reasons[0]), "error")
            return redirect(url_for("web.rounds_page", document_id=document_id, number=number))
        reminded = rounds.remind_silent(document, number, current_user)
        db.session.commit()
        if reminded:
            flash(_("Reminder sent to %(codes)s.", codes=", ".join(reminded)), "ok")
        else:
            flash(_("No delegation is silent in this round: nobody was reminded."), "ok")
    except ServiceError as error:
        flash_error(error)
    return redirect(url_for("web.rounds_page", document_id=document_id, number=number))
