"""Pages and forms for the outputs and bilingual work: printable text, parallel view,
tags and GCM coverage, confirming translations, the interface language."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from drafting import gcm, labels
from drafting.extensions import db
from drafting.models import Document, Tag
from drafting.policy import Action, can
from drafting.services import paragraphs, tags
from drafting.services.documents import tree
from drafting.services.errors import NotFound, ServiceError
from drafting.services.exports.revision_text import (
    CURRENT,
    notes_by_paragraph,
    status_line,
    text_at,
)
from drafting.web import bp
from drafting.web.documents import viewer, visible_or_404


@bp.record_once
def _register(state) -> None:
    labels.init_app(state.app)
    state.app.jinja_env.globals["document_extras"] = document_extras


@dataclass
class Extras:
    """What the document page shows besides the text: tags, GCM coverage, exports."""

    tags: dict[int, list[Tag]] = field(default_factory=dict)
    coverage: list[tags.Objective] = field(default_factory=list)
    covered: int = 0
    can_tag: bool = False
    can_confirm: bool = False
    gcm: list[tuple[str, str]] = field(default_factory=list)
    revisions: list[str] = field(default_factory=list)

    def tag_label(self, tag: Tag) -> str:
        return tags.label_of(tag, str(get_locale()))


def document_extras(document: Document, paragraphs) -> Extras:
    """Called by the document page's partials (the page view stays the workflow's)."""
    user = viewer()
    locale = str(get_locale())
    coverage = tags.coverage(document, locale, {p.id: p.number for p in paragraphs})
    return Extras(
        tags=tags.tags_by_paragraph(document),
        coverage=coverage,
        covered=sum(1 for o in coverage if o.count),
        can_tag=bool(user) and can(user, Action.TAG, document).allowed,
        can_confirm=bool(user) and can(user, Action.EDIT_TEXT, document).allowed,
        gcm=[(code, es if locale == "es" else en) for code, en, es in gcm.OBJECTIVES],
        revisions=[r.label for r in document.revisions],
    )


def _revision_arg() -> str:
    return (request.args.get("revision") or CURRENT).strip() or CURRENT


def _language_arg(document: Document) -> str:
    lang = request.args.get("text")
    if lang in document.languages:
        return lang
    locale = str(get_locale())
    return locale if locale in document.languages else document.languages[0]


@bp.get("/documents/<int:document_id>/print")
def print_view(document_id: int):
    """A clean page of the text for printing or saving as PDF, reservations as footnotes."""
    document = visible_or_404(document_id)
    lang = _language_arg(document)
    try:
        text = text_at(document, _revision_arg())
    except NotFound:
        abort(404)
    notes = notes_by_paragraph(document)
    numbered: list[tuple[int, str, str]] = []  # (number, heading, text)
    marks: dict[int | None, list[int]] = {}
    for key in [None, *(row.id for row in text.rows)]:
        for note in notes.get(key, []):
            numbered.append((len(numbered) + 1, note.heading(lang), note.text))
            marks.setdefault(key, []).append(len(numbered))
    return render_template(
        "print.html",
        document=document,
        text=text,
        lang=lang,
        status=status_line(document, text.label, lang),
        footnotes=numbered,
        marks=marks,
        revisions=[r.label for r in document.revisions],
    )


@bp.get("/documents/<int:document_id>/parallel")
def parallel_view(document_id: int):
    """English and Spanish side by side, pending translations flagged."""
    document = visible_or_404(document_id)
    try:
        text = text_at(document, _revision_arg())
    except NotFound:
        abort(404)
    pending = {p.id: p.translation_pending for p in tree(document)} if text.is_current else {}
    user = viewer()
    return render_template(
        "parallel.html",
        document=document,
        text=text,
        pending=pending,
        can_confirm=bool(user)
        and text.is_current
        and can(user, Action.EDIT_TEXT, document).allowed,
        revisions=[r.label for r in document.revisions],
    )


def _back(document_id: int, paragraph_id: int | None = None) -> str:
    target = request.form.get("next") or ""
    if target in ("parallel",):
        return url_for("web.parallel_view", document_id=document_id) + (
            f"#p-{paragraph_id}" if paragraph_id else ""
        )
    return url_for("web.document", document_id=document_id) + (
        f"#p-{paragraph_id}" if paragraph_id else ""
    )


def _refused(error: ServiceError) -> None:
    db.session.rollback()
    reasons = error.extra.get("reasons") or []
    flash(" ".join([error.message, *[f"— {r}" for r in reasons if r != error.message]]), "error")


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/tags")
@login_required
def tag_form(document_id: int, paragraph_id: int):
    document = visible_or_404(document_id)
    data = {
        "add": [t for t in request.form.getlist("add") if t.strip()],
        "remove": [t for t in request.form.getlist("remove") if t.strip()],
    }
    free = (request.form.get("free") or "").strip()
    if free:
        data["add"].append(f"free:{free}")
    decision = can(current_user, Action.TAG, document)
    try:
        if not decision.allowed:
            flash(labels.reason_label(decision.reasons[0]), "error")
        else:
            tags.change_tags(document, paragraph_id, current_user, data)
            db.session.commit()
    except ServiceError as error:
        _refused(error)
    return redirect(_back(document_id, paragraph_id))


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph_id>/confirm-translation")
@login_required
def confirm_translation_form(document_id: int, paragraph_id: int):
    document = visible_or_404(document_id)
    decision = can(current_user, Action.EDIT_TEXT, document)
    try:
        if not decision.allowed:
            flash(labels.reason_label(decision.reasons[0]), "error")
        else:
            paragraphs.confirm_unchanged(
                document, paragraph_id, current_user, request.form.get("lang")
            )
            db.session.commit()
            flash(_("Translation confirmed as unchanged."), "ok")
    except ServiceError as error:
        _refused(error)
    return redirect(_back(document_id, paragraph_id))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's interface language, kept with the account."""
    from flask import current_app

    supported = current_app.config["LANGUAGES"]
    if request.method == "POST":
        locale = request.form.get("locale")
        if locale not in supported:
            flash(_("Choose English or Spanish."), "error")
            return redirect(url_for("web.account")), 303
        current_user.locale = locale
        session["lang"] = locale
        db.session.commit()
        with force_locale(locale):
            flash(_("Your language preference is saved."), "ok")
        return redirect(url_for("web.account")), 303
    return render_template("account.html", supported=supported)
