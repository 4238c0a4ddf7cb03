"""Workflow steps and the audit log over JSON."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.api.signoffs import held
from drafting.extensions import db
from drafting.handlers import body, document_for, optional_string
from drafting.reasons import as_json
from drafting.services import signoff, workflow


@bp.get("/documents/<int:document_id>/transitions")
@login_required
def transitions(document_id: int):
    document = document_for(document_id)
    return jsonify(
        [
            {**option, **as_json(option["reasons"])}
            for option in workflow.options(current_user, document)
        ]
    )


@bp.post("/documents/<int:document_id>/transitions/<name>")
@login_required
def take_transition(document_id: int, name: str):
    document = document_for(document_id)
    data = body()
    if name == "break_silence" and signoff.required(current_user, document):
        return held(
            signoff.hold(document, current_user, "break_silence", {"reason": data.get("reason")})
        )
    state = workflow.transition(
        current_user,
        document,
        name,
        reason=optional_string(data.get("reason")),
        deadline=data.get("deadline"),
    )
    db.session.commit()
    return jsonify(state=state)
