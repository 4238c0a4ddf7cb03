"""Process and document pages, workflow buttons and the audit page."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from drafting import clock
from drafting.extensions import db
from drafting.handlers import visible_or_404
from drafting.models import Document, Membership, Process, User
from drafting.policy import Action, can, can_import, role_in, visible_documents
from drafting.services import workflow
from drafting.services.documents import tree
from drafting.web import bp
from workflows import template as workflow_template


def viewer():
    return current_user if current_user.is_authenticated else None


@bp.get("/")
def home():
    if current_user.is_authenticated:
        documents = visible_documents(current_user)
        memberships = {m.process_id: m.role.value for m in current_user.memberships}
    else:
        documents = list(db.session.scalars(select(Document).where(Document.state == "adopted")))
        memberships = {}
    processes = {d.process_id: d.process for d in documents}
    for process_id in memberships:
        processes.setdefault(process_id, db.session.get(Process, process_id))
    return render_template(
        "home.html", documents=documents, processes=processes, memberships=memberships
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
    user = viewer()
    paragraphs = tree(document)
    options = (
        workflow.options(user, document) if user and role_in(user, document.process_id) else []
    )
    deadline = workflow.active_deadline(document)
    rounds = sum(1 for r in document.revisions if r.label.startswith("Rev."))
    silence_over = bool(
        deadline and deadline.kind.value == "silence" and deadline.due_at <= clock.now()
    )
    return render_template(
        "document.html",
        document=document,
        paragraphs=paragraphs,
        options=options,
        deadline=deadline,
        deadline_label=workflow.format_deadline(deadline) if deadline else None,
        template=workflow_template(document.workflow),
        role=role_in(user, document.process_id),
        can_edit=bool(user) and can(user, Action.EDIT_TEXT, document).allowed,
        can_status=bool(user) and can(user, Action.SET_STATUS, document).allowed,
        now_iso=clock.now().isoformat(),
        round_number=rounds,
        silence_over=silence_over,
    )
