"""The secretariat's desk over JSON (SPEC §9): processes, participants, the presidency."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import body, viewer
from drafting.models import Process
from drafting.policy import can_manage_process
from drafting.services import invitations, processes
from drafting.services.errors import BadInput, Forbidden

NOT_STAFF = "only the secretariat of this process or a site administrator may do this"


def managed(process_id: int | None) -> Process | None:
    """The process (None when creating one) if the caller runs the desk for it; else 403
    (404 for a process that does not exist). Writes read their body first, so a malformed
    one is a 400 for everyone, as on every other route."""
    process = processes.get(process_id) if process_id is not None else None
    if not can_manage_process(viewer(), process_id):
        raise Forbidden([NOT_STAFF])
    return process


def fields() -> dict:
    """The JSON body of a desk write: every one of them needs some fields, so an empty or
    non-JSON body is a 400 whoever sends it, before any permission is looked up."""
    data = body()
    if not data:
        raise BadInput("send the fields as a JSON object")
    return data


def process_json(process: Process) -> dict:
    return {
        "id": process.id,
        "name": process.name,
        "acronym": process.acronym,
        "description": process.description,
        "languages": process.languages,
        "timezone": process.timezone,
        "public_record": process.public_record,
        "rationale_required": process.rationale_required,
        "allow_suggestions": process.allow_suggestions,
        "head_signoff": process.head_signoff,
        "archived": process.archived_at is not None,
    }


@bp.post("/processes")
@login_required
def create_process():
    data = fields()
    managed(None)
    process = processes.create(current_user, data)
    db.session.commit()
    return jsonify({"id": process.id}), 201


@bp.get("/processes/<int:process_id>")
@login_required
def get_process(process_id: int):
    return jsonify(process_json(managed(process_id)))


@bp.patch("/processes/<int:process_id>")
@login_required
def update_process(process_id: int):
    data = fields()
    process = managed(process_id)
    processes.update(process, data)
    db.session.commit()
    return jsonify(process_json(process))


@bp.get("/processes/<int:process_id>/participants")
@login_required
def list_participants(process_id: int):
    process = managed(process_id)
    return jsonify([p.as_json() for p in processes.participants(process)])


@bp.post("/processes/<int:process_id>/participants")
@login_required
def add_participant(process_id: int):
    data = fields()
    process = managed(process_id)
    user, invite = processes.add(process, data)
    db.session.commit()
    if invite:
        invitations.send_invitation(user, process)
    return jsonify({"user_id": user.id}), 201


@bp.patch("/processes/<int:process_id>/participants/<int:user_id>")
@login_required
def change_participant(process_id: int, user_id: int):
    data = fields()
    process = managed(process_id)
    user = processes.member(process, user_id)
    processes.change(process, user, data)
    db.session.commit()
    found = next(p for p in processes.participants(process) if p.user.id == user.id)
    return jsonify(found.as_json())


@bp.delete("/processes/<int:process_id>/participants/<int:user_id>")
@login_required
def remove_participant(process_id: int, user_id: int):
    process = managed(process_id)
    processes.remove(process, processes.member(process, user_id))
    db.session.commit()
    return "", 204


@bp.post("/processes/<int:process_id>/presidency")
@login_required
def hand_over_presidency(process_id: int):
    data = fields()
    process = managed(process_id)
    delegation = processes.hand_over(process, data.get("delegation"), current_user)
    db.session.commit()
    return jsonify({"ppt": delegation.code})
