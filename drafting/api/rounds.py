"""The round dashboard as JSON or CSV, and reminding the silent delegations."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_login import login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import document_for, viewer
from drafting.policy import Action
from drafting.services import rounds


@bp.get("/documents/<int:document_id>/rounds/<int:number>")
@login_required
def round_dashboard(document_id: int, number: int):
    document = document_for(document_id, Action.VIEW_ROUNDS)
    standings = rounds.standings(document, rounds.round_of(document, number))
    if request.args.get("format") == "csv":
        return Response(
            rounds.as_csv(standings),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="round-{number}-{document.id}.csv"'
            },
        )
    return jsonify([s.as_json() for s in standings])


@bp.post("/documents/<int:document_id>/rounds/<int:number>/remind")
@login_required
def remind_silent(document_id: int, number: int):
    document = document_for(document_id, Action.REMIND_SILENT)
    reminded = rounds.remind_silent(document, number, viewer())
    db.session.commit()
    return jsonify(reminded=reminded)
