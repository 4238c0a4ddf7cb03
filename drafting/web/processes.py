"""The secretariat's desk in the browser: list, create, edit and archive processes, run
their participants and hand the presidency over. Forms are read into the same shapes the
JSON API takes, so services/processes.py checks both alike."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from drafting.extensions import db
from drafting.handlers import flash_error, viewer
from drafting.models import Delegation, Process
from drafting.models.people import DelegationKind, Role
from drafting.policy import can_manage_process
from drafting.services import invitations, people, processes
from drafting.services.errors import NotFound, ServiceError
from drafting.web import bp


def _managed(process_id: int | None) -> Process | None:
    """Pages: a process the viewer may not run is simply not there (404); 403 for a
    logged-in person who runs no desk at all."""
    try:
        process = processes.get(process_id) if process_id is not None else None
    except NotFound:
        abort(404)
    if not can_manage_process(viewer(), process_id):
        abort(404 if process_id is not None else 403)
    return process


def _settings_form() -> dict[str, Any]:
    form = request.form
    return {
        "name": form.get("name", ""),
        "acronym": form.get("acronym", ""),
        "description": form.get("description", ""),
        "timezone": form.get("timezone", "").strip(),
        "languages": [lang for lang in form.getlist("languages") if lang]
        or [s.strip() for s in form.get("other_languages", "").split(",") if s.strip()],
        "public_record": form.get("public_record", "text"),
        "rationale_required": form.get("rationale_required") == "1",
        "allow_suggestions": form.get("allow_suggestions") == "1",
        "head_signoff": form.get("head_signoff") == "1",
    }


def _form_page(process: Process | None, values: dict[str, Any], status: int = 200):
    return (
        render_template("process_form.html", process=process, values=values, choices=LANGS),
        status,
    )


LANGS = ("en", "es", "fr", "pt")


@bp.get("/processes")
@login_required
def processes_list():
    """The processes the viewer runs; 403 for someone who runs none and may create none."""
    listed = processes.listing(current_user)
    can_create = can_manage_process(current_user, None)
    if not can_create and not listed:
        abort(403)
    holders = {p.id: people.presidency_of(p.id) for p in listed}
    return render_template(
        "processes.html",
        processes=listed,
        can_create=can_create,
        presidency={
            pid: db.session.get(Delegation, d) if d else None for pid, d in holders.items()
        },
    )


@bp.route("/processes/new", methods=["GET", "POST"])
@login_required
def process_new():
    _managed(None)
    if request.method == "GET":
        return _form_page(
            None, {"languages": ["en", "es"], "public_record": "text", "rationale_required": True}
        )
    values = _settings_form()
    try:
        process = processes.create(current_user, values)
        db.session.commit()
    except ServiceError as error:
        flash_error(error)
        return _form_page(None, values, 400)
    flash(_("Process created. Now add its participants."), "ok")
    return redirect(url_for("web.participants", process_id=process.id), 303)


@bp.route("/processes/<int:process_id>/edit", methods=["GET", "POST"])
@login_required
def process_edit(process_id: int):
    process = _managed(process_id)
    assert process is not None
    if request.method == "GET":
        return _form_page(process, _values(process))
    values = _settings_form()
    if "archive" in request.form:
        values = {"archived": request.form["archive"] == "1"}
    try:
        processes.update(process, values)
        db.session.commit()
    except ServiceError as error:
        flash_error(error)
        return _form_page(process, {**_values(process), **values}, 400)
    flash(_("The process is saved."), "ok")
    return redirect(url_for("web.processes_list"), 303)


def _values(process: Process) -> dict[str, Any]:
    return {
        "name": process.name,
        "acronym": process.acronym,
        "description": process.description,
        "timezone": process.timezone,
        "languages": process.languages,
        "public_record": process.public_record,
        "rationale_required": process.rationale_required,
        "allow_suggestions": process.allow_suggestions,
        "head_signoff": process.head_signoff,
    }


def _participants_page(process: Process, values: dict[str, Any] | None = None, status=200):
    delegations = list(db.session.scalars(select(Delegation).order_by(Delegation.code)))
    return (
        render_template(
            "participants.html",
            process=process,
            participants=processes.participants(process),
            delegations=delegations,
            member_states=[d for d in delegations if d.kind == DelegationKind.MEMBER_STATE],
            presidency=people.presidency_of(process.id),
            roles=list(Role),
            kinds=list(DelegationKind),
            values=values or {},
        ),
        status,
    )


@bp.route("/processes/<int:process_id>/participants", methods=["GET", "POST"])
@login_required
def participants(process_id: int):
    process = _managed(process_id)
    assert process is not None
    if request.method == "GET":
        return _participants_page(process)
    form = request.form
    new_code = form.get("new_code", "").strip()
    data = {
        "email": form.get("email", "").strip(),
        "name": form.get("name", "").strip() or None,
        "role": form.get("role"),
        "head": form.get("head") == "1",
        "delegation": (
            {"code": new_code, "name": form.get("new_name", "").strip(), "kind": form.get("kind")}
            if new_code
            else form.get("delegation") or None
        ),
    }
    try:
        user, invite = processes.add(process, data)
        db.session.commit()
    except ServiceError as error:
        flash_error(error)
        return _participants_page(process, dict(form), 400)
    if invite and not invitations.send_invitation(user, process):
        flash(
            _("%(name)s is added, but the invitation mail could not be sent.", name=user.name),
            "error",
        )
    elif invite:
        flash(
            _(
                "%(name)s is added; an invitation was mailed to %(email)s.",
                name=user.name,
                email=user.email,
            ),
            "ok",
        )
    else:
        flash(_("%(name)s is added.", name=user.name), "ok")
    return redirect(url_for("web.participants", process_id=process.id), 303)


def _back(process: Process) -> Response:
    return redirect(url_for("web.participants", process_id=process.id), 303)


@bp.post("/processes/<int:process_id>/participants/<int:user_id>")
@login_required
def participant_change(process_id: int, user_id: int):
    process = _managed(process_id)
    assert process is not None
    try:
        user = processes.member(process, user_id)
        processes.change(
            process,
            user,
            {"role": request.form.get("role"), "head": request.form.get("head") == "1"},
        )
        db.session.commit()
        flash(_("%(name)s is saved.", name=user.name), "ok")
    except ServiceError as error:
        flash_error(error)
    return _back(process)


@bp.post("/processes/<int:process_id>/participants/<int:user_id>/remove")
@login_required
def participant_remove(process_id: int, user_id: int):
    process = _managed(process_id)
    assert process is not None
    try:
        user = processes.member(process, user_id)
        processes.remove(process, user)
        db.session.commit()
        flash(_("%(name)s no longer takes part.", name=user.name), "ok")
    except ServiceError as error:
        flash_error(error)
    return _back(process)


@bp.post("/processes/<int:process_id>/presidency")
@login_required
def presidency(process_id: int):
    process = _managed(process_id)
    assert process is not None
    try:
        delegation = processes.hand_over(process, request.form.get("delegation"), current_user)
        db.session.commit()
        flash(_("The PPT is now %(code)s.", code=delegation.code), "ok")
    except ServiceError as error:
        flash_error(error)
    return _back(process)
