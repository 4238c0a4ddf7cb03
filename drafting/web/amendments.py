"""Amendment pages: the table with filters, the filing form, the three-way conflict page,
the compilation of amendments, and the form posts behind their buttons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from drafting import clock
from drafting.extensions import db
from drafting.handlers import (
    back_to,
    download,
    flash_error,
    query_language,
    record_or_403,
    viewer,
    visible_or_404,
)
from drafting.models import Amendment, Document
from drafting.policy import Action, can, require
from drafting.services import amendments, discussion, merging, recommendations, signoff
from drafting.services.documents import ParagraphView, tree
from drafting.services.errors import BadInput, Conflict, ServiceError
from drafting.services.exports import compilation as compilation_file
from drafting.services.exports.revision_text import revision_name, text_at
from drafting.text import textdiff
from drafting.web import bp
from drafting.web.pages import delegation_colours, panels
from drafting.web.signoffs import held_message

# --------------------------------------------------------------------------------------------
# What the document page's partials need, computed once per request
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------

STATUSES = ["submitted", "accepted", "merged", "rejected", "withdrawn", "superseded"]


@bp.get("/documents/<int:document_id>/amendments")
def amendment_table(document_id: int):
    document = record_or_403(document_id)
    paragraphs = tree(document, include_deleted=True)
    by_number = {p.number: p.id for p in paragraphs if p.number}
    filters = {
        "delegation": request.args.get("delegation") or "",
        "status": request.args.get("status") or "",
        "paragraph": request.args.get("paragraph") or "",
    }
    paragraph_id = by_number.get(filters["paragraph"]) if filters["paragraph"] else None
    if filters["paragraph"] and paragraph_id is None:
        paragraph_id = -1  # an unknown number matches nothing
    try:
        found = amendments.for_document(
            document,
            delegation=filters["delegation"] or None,
            status=filters["status"] or None,
            paragraph_id=paragraph_id,
        )
    except BadInput:
        found = []
    everyone = amendments.for_document(document)
    return render_template(
        "amendments.html",
        document=document,
        views=amendments.views(found, document),
        filters=filters,
        statuses=STATUSES,
        delegations=sorted({a.delegation.code for a in everyone}),
        numbers=[p.number for p in paragraphs if p.number and p.status != "deleted"],
        panel=panels(document, viewer()),
        colours=delegation_colours(document),
    )


@bp.get("/documents/<int:document_id>/amendments/new")
@login_required
def new_amendment(document_id: int):
    document = visible_or_404(document_id)
    paragraphs = tree(document)
    chosen = request.args.get("paragraph", type=int)
    paragraph = next((p for p in paragraphs if p.id == chosen), None) or (
        paragraphs[0] if paragraphs else None
    )
    if paragraph is None:
        abort(404)
    decision = can(current_user, Action.PROPOSE_AMENDMENT, document)
    return render_template(
        "amendment_new.html",
        document=document,
        paragraphs=paragraphs,
        paragraph=paragraph,
        kind=request.args.get("kind", "modify"),
        decision=decision,
        rationale_required=amendments.rationale_required(document),
        # What the form shows when another paragraph is chosen (static/js/amendment_form.js).
        paragraph_data={
            str(p.id): {"number": p.number, "text": p.text, "version": p.version}
            for p in paragraphs
        },
    )


@bp.get("/amendments/<int:amendment_id>", endpoint="amendment_page")
@bp.get("/amendments/<int:amendment_id>/conflict")
@login_required
def conflict_page(amendment_id: int):
    """One amendment: while pending, the three-way merge to accept it with changes; once
    decided, the decision and the wording it stored."""
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None:
        abort(404)
    document = visible_or_404(amendment.document_id)
    view = amendments.views([amendment], document)[0]
    if not amendment.is_pending:
        return render_template(
            "amendment_conflict.html",
            document=document,
            colours=delegation_colours(document),
            view=view,
            three=None,
            decided=True,
        )
    outcome = merging.preview(amendment) if amendment.kind.value == "modify" else None
    conflicts = outcome.conflicts if outcome else {}
    lang = request.args.get("lang") or next(iter(conflicts), None) or view.data["lang"]
    three = None
    if lang in conflicts:
        c = conflicts[lang]
        three = {"base": c.base, "current": c.current, "proposed": c.proposed}
    elif outcome and lang in outcome.texts:
        now = outcome.current.get(lang)
        three = {
            "base": merging.base_text(amendment, lang),
            "current": now.text if now else "",
            "proposed": next((t.text for t in amendment.texts if t.lang == lang), ""),
            "merged": outcome.texts[lang],
        }
    diffs = (
        {
            "current": textdiff.diff(three["base"], three["current"]),
            "proposed": textdiff.diff(three["base"], three["proposed"]),
        }
        if three
        else {}
    )
    return render_template(
        "amendment_conflict.html",
        document=document,
        colours=delegation_colours(document),
        view=view,
        three=three,
        diffs=diffs,
        lang=lang,
        conflicting=lang in conflicts,
        can_decide=can(current_user, Action.DECIDE_AMENDMENT, document).allowed,
    )


def _only_amended() -> bool:
    """`?only=amended`: the compilation lists only the paragraphs that have amendments."""
    return request.args.get("only") == "amended"


def _compilation(document: Document, lang: str, only_amended: bool = False) -> dict[str, Any]:
    paragraphs = tree(document, include_deleted=True)
    views = amendments.views(amendments.for_document(document), document)
    per_paragraph: dict[int, list[amendments.AmendmentView]] = {}
    for view in views:
        per_paragraph.setdefault(view.amendment.paragraph_id, []).append(view)
    notes = discussion.footnotes(document)
    rows: list[tuple[ParagraphView, list[amendments.AmendmentView]]] = [
        (p, per_paragraph.get(p.id, [])) for p in paragraphs if p.number or per_paragraph.get(p.id)
    ]
    if only_amended:
        rows = [(p, found) for p, found in rows if found]
    counts: dict[str, int] = {}
    for view in views:
        counts[view.data["status"]] = counts.get(view.data["status"], 0) + 1
    return {
        "document": document,
        "rows": rows,
        "lang": lang,
        "notes": notes,
        "counts": counts,
        "total": len(views),
        "generated": clock.now(),
        "only_amended": only_amended,
    }


@bp.get("/documents/<int:document_id>/compilation")
def compilation(document_id: int):
    document = record_or_403(document_id)
    data = _compilation(document, query_language(document), _only_amended())
    return render_template("compilation.html", **data)


@bp.get("/documents/<int:document_id>/compilation.html")
def compilation_download(document_id: int):
    document = record_or_403(document_id)
    lang = query_language(document)
    # A file opened away from the site: its stylesheet travels inside it.
    css = (Path(current_app.static_folder or "") / "css" / "compilation.css").read_text("utf-8")
    data = _compilation(document, lang, _only_amended())
    html = render_template("compilation_file.html", css=css, **data)
    parts = (
        f"compilation-{document.symbol or document.id}",
        revision_name(text_at(document)),
        lang,
    )
    return download(html, "text/html", "-".join(p for p in parts if p) + ".html")


@bp.get("/documents/<int:document_id>/compilation.docx")
def compilation_docx(document_id: int):
    document = record_or_403(document_id)
    data = _compilation(document, query_language(document), _only_amended())
    data.pop("document")
    exported = compilation_file.export(document, **data)
    return download(exported.data, exported.content_type, exported.filename)


# --------------------------------------------------------------------------------------------
# Form posts (the same services as the API; errors come back as messages on the page)
# --------------------------------------------------------------------------------------------


def _amendment_or_404(amendment_id: int) -> tuple[Amendment, Document]:
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None:
        abort(404)
    return amendment, visible_or_404(amendment.document_id)


@bp.post("/documents/<int:document_id>/amendments")
@login_required
def file_amendment(document_id: int):
    document = visible_or_404(document_id)
    form = request.form
    data: dict[str, Any] = {
        "kind": form.get("kind"),
        "paragraph_id": form.get("paragraph_id", type=int),
        "lang": form.get("lang") or document.languages[0],
        "rationale": form.get("rationale", ""),
        "position": form.get("position", "after"),
        "base_paragraph_id": form.get("base_paragraph_id", type=int),
    }
    seqs = {
        lang: form.get(f"base_version_{lang}", type=int)
        for lang in document.languages
        if form.get(f"base_version_{lang}", type=int) is not None
    }
    if seqs and data["kind"] == "modify":
        data["base_version"] = seqs
    texts = {
        lang: form[f"text_{lang}"]
        for lang in document.languages
        if form.get(f"text_{lang}") is not None and form.get(f"text_{lang}").strip()
    }
    if data["kind"] != "delete":
        data["texts"] = texts
        data["lang"] = next(iter(texts), data["lang"])
    try:
        require(viewer(), Action.PROPOSE_AMENDMENT, document)
        if signoff.required(current_user, document):
            signoff.hold(document, current_user, "amendment", data)
            db.session.commit()
            flash(held_message(), "ok")
            return back_to(document.id, f"p-{data['paragraph_id']}")
        proposal = amendments.parse_proposal(document, data)
        amendment = amendments.file(document, current_user, proposal)
        db.session.commit()
        flash(_("Amendment %(id)s filed.", id=amendment.id), "ok")
    except ServiceError as error:
        flash_error(error)
        return redirect(
            url_for(
                "web.new_amendment",
                document_id=document.id,
                paragraph=data["paragraph_id"],
                kind=data["kind"],
            )
        )
    return back_to(document.id, f"p-{amendment.paragraph_id}")


def _pending_step(amendment_id: int, action: Action, step, done: str) -> Response:
    """Co-sponsor or withdraw from a button: the policy, the service, a message, back."""
    amendment, document = _amendment_or_404(amendment_id)
    try:
        require(viewer(), action, document)
        step(document, amendment, current_user)
        db.session.commit()
        flash(done, "ok")
    except ServiceError as error:
        flash_error(error)
    return back_to(document.id, f"a-{amendment_id}")


@bp.post("/amendments/<int:amendment_id>/co-sponsor")
@login_required
def co_sponsor(amendment_id: int):
    done = _("Your delegation co-sponsors amendment %(id)s.", id=amendment_id)
    return _pending_step(amendment_id, Action.CO_SPONSOR, amendments.co_sponsor, done)


@bp.post("/amendments/<int:amendment_id>/withdraw")
@login_required
def withdraw(amendment_id: int):
    done = _("Amendment %(id)s withdrawn.", id=amendment_id)
    return _pending_step(amendment_id, Action.WITHDRAW_AMENDMENT, amendments.withdraw, done)


@bp.post("/amendments/<int:amendment_id>/recommendation")
@login_required
def recommend(amendment_id: int):
    amendment, document = _amendment_or_404(amendment_id)
    form = request.form
    value = form.get("recommendation") or None
    data: dict[str, Any] = {"recommendation": value, "note": form.get("note") or None}
    if value == "accept_with_changes":
        data["text"] = form.get("text", "")
    try:
        require(viewer(), Action.RECOMMEND_AMENDMENT, document)
        advice = recommendations.parse(document, amendment, data)
        recommendations.recommend(document, amendment, current_user, advice)
        db.session.commit()
        flash(_("Recommendation on amendment %(id)s saved.", id=amendment_id), "ok")
    except ServiceError as error:
        flash_error(error)
    return back_to(document.id, f"a-{amendment_id}")


@bp.post("/amendments/<int:amendment_id>/decision")
@login_required
def decide(amendment_id: int):
    amendment, document = _amendment_or_404(amendment_id)
    form = request.form
    data: dict[str, Any] = {"decision": form.get("decision"), "note": form.get("note") or None}
    if form.get("text") is not None and form.get("decision") == "accept":
        data["text"] = form["text"]
        data["lang"] = form.get("lang") or None
    try:
        require(viewer(), Action.DECIDE_AMENDMENT, document)
        decision = merging.parse_decision(document, amendment, data)
        merging.decide(document, amendment.id, current_user, decision)
        db.session.commit()
        flash(
            _("Amendment %(id)s: %(status)s.", id=amendment_id, status=amendment.status.value),
            "ok",
        )
    except Conflict as error:
        flash_error(error)
        if "base" in error.extra:
            return redirect(
                url_for("web.conflict_page", amendment_id=amendment_id, lang=error.extra["lang"])
            )
    except ServiceError as error:
        flash_error(error)
    return back_to(document.id, f"a-{amendment_id}")
