"""Process and document pages, workflow buttons and the audit page."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from drafting.extensions import db
from drafting.handlers import viewer, visible_or_404
from drafting.models import Document, Membership, Process, User
from drafting.policy import can_import, published_documents, role_in, visible_documents
from drafting.services import rounds
from drafting.web import bp
from drafting.web.pages import document_page, waiting_for
from drafting.web.workflow import kept_form, time_zones


@bp.get("/")
def home():
    """The first screen: for a participant, what waits for them in each document; for a
    visitor, what the site is, how to log in, and the texts made public."""
    if not current_user.is_authenticated:
        return render_template("home.html", documents=published_documents(), items=[])
    documents = visible_documents(current_user)
    roles = {m.process_id: m.role for m in current_user.memberships}
    items = [
        (d, roles.get(d.process_id), waiting_for(current_user, d, roles.get(d.process_id)))
        for d in documents
    ]
    processes = {d.process_id: d.process for d in documents}
    for process_id in roles:
        processes.setdefault(process_id, db.session.get(Process, process_id))
    return render_template(
        "home.html", documents=documents, items=items, processes=processes, roles=roles
    )


@bp.get("/processes/<int:process_id>")
@login_required
def process(process_id: int):
    process = db.session.get(Process, process_id)
    if process is None or role_in(current_user, process_id) is None:
        abort(404)
    documents = db.session.scalars(
        select(Document).where(Document.process_id == process_id).order_by(Document.id)
    ).all()
    participants = db.session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.process_id == process_id)
        .order_by(Membership.role, User.name)
    ).all()
    return render_template(
        "process.html",
        process=process,
        documents=documents,
        participants=participants,
        role=role_in(current_user, process_id),
        may_import=can_import(current_user, process_id).allowed,
    )


@bp.get("/documents/<int:document_id>")
def document(document_id: int):
    document = visible_or_404(document_id)
    if rounds.record_open(document, viewer()):
        db.session.commit()
    page = document_page(document, viewer())
    return render_template(
        "document.html",
        document=document,
        page=page,
        kept=kept_form(document.id),
        time_zones=time_zones(),
        lines=request.args.get("lines") == "1",
    )
