"""Amendments over JSON: file, list, co-sponsor, withdraw, recommend, decide (SPEC §7, §12)."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.api.signoffs import held
from drafting.extensions import db
from drafting.handlers import body, document_for, record_for, require_record, viewer
from drafting.models import Amendment, Document
from drafting.policy import Action, require
from drafting.services import amendments, merging, recommendations, signoff
from drafting.services.errors import BadInput, NotFound


def amendment_for(amendment_id: int, action: Action = Action.VIEW) -> tuple[Amendment, Document]:
    """The amendment and its document, if the caller may see it (else 404) and act (403/409)."""
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None:
        raise NotFound("amendment not found")
    document = document_for(amendment.document_id)
    require_record(document)
    require(viewer(), action, document)
    return amendment, document


def _answer(amendment: Amendment, document: Document, status: int = 200):
    return jsonify(amendments.listing([amendment], document)[0]), status


@bp.post("/documents/<int:document_id>/amendments")
@login_required
def file_amendment(document_id: int):
    document = document_for(document_id)
    data = body()
    require(viewer(), Action.PROPOSE_AMENDMENT, document)
    if signoff.required(current_user, document):
        return held(signoff.hold(document, current_user, "amendment", data))
    proposal = amendments.parse_proposal(document, data)
    amendment = amendments.file(document, current_user, proposal)
    db.session.commit()
    answer = amendments.listing([amendment], document)[0]
    return jsonify({**answer, "id": amendment.id, "status": amendment.status.value}), 201


@bp.get("/documents/<int:document_id>/amendments")
def list_amendments(document_id: int):
    document = record_for(document_id)
    paragraph = request.args.get("paragraph_id")
    if paragraph is not None and not paragraph.isdigit():
        raise BadInput("paragraph_id must be an integer")
    found = amendments.for_document(
        document,
        delegation=request.args.get("delegation") or None,
        status=request.args.get("status") or None,
        paragraph_id=int(paragraph) if paragraph else None,
    )
    return jsonify(amendments.listing(found, document))


@bp.get("/amendments/<int:amendment_id>")
def get_amendment(amendment_id: int):
    amendment, document = amendment_for(amendment_id)
    return _answer(amendment, document)


def _pending_step(amendment_id: int, action: Action, step):
    """Co-sponsor or withdraw: the policy, the service, the amendment as it now stands."""
    amendment, document = amendment_for(amendment_id, action)
    step(document, amendment, current_user)
    db.session.commit()
    return _answer(amendment, document)


@bp.post("/amendments/<int:amendment_id>/co-sponsor")
@login_required
def co_sponsor(amendment_id: int):
    return _pending_step(amendment_id, Action.CO_SPONSOR, amendments.co_sponsor)


@bp.post("/amendments/<int:amendment_id>/withdraw")
@login_required
def withdraw(amendment_id: int):
    return _pending_step(amendment_id, Action.WITHDRAW_AMENDMENT, amendments.withdraw)


@bp.post("/amendments/<int:amendment_id>/recommendation")
@login_required
def recommend(amendment_id: int):
    """The committee's advice before the decision; `{"recommendation": null}` clears it."""
    amendment, document = amendment_for(amendment_id, Action.RECOMMEND_AMENDMENT)
    advice = recommendations.parse(document, amendment, body())
    recommendations.recommend(document, amendment, current_user, advice)
    db.session.commit()
    return _answer(amendment, document)


@bp.post("/amendments/<int:amendment_id>/decision")
@login_required
def decide(amendment_id: int):
    amendment, document = amendment_for(amendment_id, Action.DECIDE_AMENDMENT)
    decision = merging.parse_decision(document, amendment, body())
    merging.decide(document, amendment.id, current_user, decision)
    db.session.commit()
    return _answer(amendment, document)


@bp.get("/amendments/<int:amendment_id>/merge")
@login_required
def merge_preview(amendment_id: int):
    """What accepting would do now: the merged texts, or the three texts of a conflict."""
    amendment, _document = amendment_for(amendment_id)
    if amendment.kind.value != "modify":
        raise BadInput("only a modify amendment is merged")
    outcome = merging.preview(amendment)
    if outcome.conflicts:
        return jsonify(applies=False, **merging.conflict_payload(outcome))
    return jsonify(applies=True, texts=outcome.texts)
