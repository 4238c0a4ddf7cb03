"""Filings waiting for the head of delegation's sign-off, and signing them off."""

from __future__ import annotations

from flask import jsonify
from flask_login import login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import body, document_for, viewer
from drafting.models import PendingFiling
from drafting.services import signoff


def held(filing: PendingFiling):
    """The answer to a filing held for sign-off: accepted, not yet counting."""
    db.session.commit()
    return jsonify(id=filing.id, status="awaiting_signoff", kind=filing.kind), 202


@bp.get("/documents/<int:document_id>/signoffs")
def awaiting_signoff(document_id: int):
    document = document_for(document_id)
    return jsonify([signoff.as_json(f) for f in signoff.awaiting(document, viewer())])


@bp.post("/signoffs/<int:filing_id>")
@login_required
def sign_off(filing_id: int):
    body()
    filing = signoff.sign_off(filing_id, viewer())
    db.session.commit()
    return jsonify(signoff.as_json(filing)), 201
