"""Process and document pages, workflow buttons and the audit page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from drafting import clock
from drafting.extensions import db
from drafting.labels import reason_label, transition_label
from drafting.models import AuditEntry, Document, Membership, Process, User
from drafting.policy import Action, can
from drafting.services import workflow
from drafting.services.documents import (
    get_visible,
    published_documents,
    role_in,
    tree,
    visible_documents,
)
from drafting.services.errors import NotFound, ServiceError
from drafting.web import bp
from workflows import template as workflow_template


def viewer():
    return current_user if current_user.is_authenticated else None


def visible_or_404(document_id: int) -> Document:
    try:
        return get_visible(viewer(), document_id)
    except NotFound:
        abort(404)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        documents = visible_documents(current_user)
        memberships = {m.process_id: m.role.value for m in current_user.memberships}
    else:
        documents = published_documents()
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


@bp.post("/documents/<int:document_id>/transitions/<name>")
@login_required
def take_transition(document_id: int, name: str):
    document = visible_or_404(document_id)
    deadline = request.form.get("deadline") or None
    if deadline and request.form.get("utc_offset"):
        deadline = f"{deadline}:00{request.form['utc_offset']}" if len(deadline) == 16 else deadline
    try:
        workflow.transition(
            current_user, document, name, reason=request.form.get("reason"), deadline=deadline
        )
        db.session.commit()
        flash(_("%(step)s: done.", step=transition_label(name)), "ok")
    except ServiceError as error:
        db.session.rollback()
        reasons = error.extra.get("reasons") or []
        shown = [reason_label(r) for r in reasons if r != error.message]
        flash(" ".join([reason_label(error.message), *[f"— {r}" for r in shown]]), "error")
    return redirect(url_for("web.document", document_id=document_id))


@bp.get("/documents/<int:document_id>/audit")
def audit(document_id: int):
    document = visible_or_404(document_id)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.document_id == document.id).order_by(AuditEntry.id)
    ).all()
    return render_template("audit.html", document=document, entries=entries)
