"""The secretariat's import pages: a new document from a file with a preview of its
paragraph tree, a second language aligned by paragraph number, and a delegation's marked-up
Word file previewed as amendments before any is filed.

Between preview and create the file is never kept on the server: the preview is fetched
into the same page (static/js/upload_preview.js), so the form still holds the chosen file
and "Create" posts it again; the server parses it afresh and trusts nothing from the
preview. Without JavaScript the preview is a full page and the file is chosen again.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from drafting.extensions import db
from drafting.handlers import (
    chosen_indexes,
    flash_error,
    previewing,
    uploaded_file,
    viewer,
    visible_or_404,
)
from drafting.models import Document, Process
from drafting.models.text import DocumentKind
from drafting.policy import Action, Decision, can, can_import, require, role_in
from drafting.services import importing
from drafting.services.errors import ServiceError
from drafting.services.exports import markup
from drafting.web import bp

KIND_LABELS = {
    DocumentKind.DECLARATION: _l("Declaration"),
    DocumentKind.CONCLUSIONS: _l("Conclusions"),
    DocumentKind.COMMUNIQUE: _l("Communiqué"),
    DocumentKind.GUIDELINES: _l("Guidelines"),
    DocumentKind.LINES_OF_ACTION: _l("Lines of action"),
}
SECTION_LABELS = {
    "preamble": _l("preamble"),
    "operative": _l("operative"),
    "closing": _l("closing"),
}
KIND_OF_AMENDMENT = {"modify": _l("modify"), "insert": _l("insert"), "delete": _l("delete")}


def fragment() -> bool:
    """The preview fetched into the page by upload_preview.js: only the preview part."""
    return request.headers.get("X-Preview-Fragment") == "1"


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """The page, or just its preview when the script asked for it."""
    if fragment():
        return render_template(f"_{template}_preview.html", fragment=True, **context), status
    return render_template(f"{template}.html", **context), status


def member_process(process_id: int) -> Process:
    """A process the caller takes part in; anyone else finds no such page."""
    process = db.session.get(Process, process_id)
    if process is None or role_in(current_user, process_id) is None:
        abort(404)
    return process


def refused(decision: Decision, context: dict[str, Any], template: str) -> tuple[str, int] | None:
    """A member who may not use the page sees it with the reason and no form (200); a form
    they post anyway is refused (403 for the role, 409 for the moment)."""
    if decision.allowed:
        return None
    context["refusal"] = decision.reasons[0]
    if request.method == "GET":
        return page(template, **context)
    return page(template, 403 if decision.forbidden else 409, **context)


def workflow_choices() -> list[tuple[str, str]]:
    from workflows import all_templates

    lang = str(get_locale() or "en")
    return [
        (name, t.title.get(lang) or t.title.get("en") or name)
        for name, t in all_templates().items()
    ]


# --------------------------------------------------------------------------------------------
# A new document
# --------------------------------------------------------------------------------------------


@bp.route("/processes/<int:process_id>/import", methods=["GET", "POST"])
@login_required
def import_page(process_id: int):
    process = member_process(process_id)
    form = request.form
    context: dict[str, Any] = {
        "process": process,
        "form": form,
        "kinds": KIND_LABELS,
        "workflows": workflow_choices(),
        "delegations": importing.process_delegations(process),
        "sections": SECTION_LABELS,
        "preview": None,
        "refusal": None,
    }
    answer = refused(can_import(current_user, process_id), context, "import")
    if answer:
        return answer
    if request.method == "GET":
        return page("import", **context)
    try:
        filename, data = uploaded_file()
        forest = importing.parse_upload(filename, data)
        if previewing():
            context["preview"] = importing.preview(forest, form.get("label_style", "computed"))
            context["filename"] = filename
            return page("import", **context)
        languages = [code.strip() for code in form.get("languages", "en").split(",")]
        document = importing.create_document(
            process,
            current_user,
            forest,
            title=form.get("title") or filename.rsplit(".", 1)[0],
            title_es=form.get("title_es", ""),
            kind=form.get("kind", "conclusions"),
            workflow=form.get("workflow", "online_rounds"),
            languages=[code for code in languages if code] or ["en"],
            symbol=form.get("symbol", ""),
            label_style=form.get("label_style", "computed"),
            proposer=importing.proposer_named(process, form.get("proposer")),
        )
        db.session.commit()
    except ServiceError as error:
        flash_error(error)
        return page("import", 400, **context)
    flash(_("Document created: %(title)s.", title=document.title), "success")
    return redirect(url_for("web.document", document_id=document.id))


# --------------------------------------------------------------------------------------------
# A second language
# --------------------------------------------------------------------------------------------


@bp.route("/documents/<int:document_id>/translation", methods=["GET", "POST"])
@login_required
def translation_page(document_id: int):
    document = visible_or_404(document_id)
    if role_in(current_user, document.process_id) is None:
        abort(404)
    context: dict[str, Any] = {
        "document": document,
        "form": request.form,
        "languages": document.languages[1:],
        "alignment": None,
        "refusal": None,
    }
    answer = refused(can_import(current_user, document.process_id), context, "translation")
    if answer:
        return answer
    if request.method == "GET":
        return page("translation", **context)
    try:
        filename, data = uploaded_file()
        alignment = importing.align_translation(
            document, importing.parse_upload(filename, data), request.form.get("lang", "")
        )
        if previewing():
            context["alignment"] = alignment
            return page("translation", **context)
        require(current_user, Action.EDIT_TEXT, document)
        written = importing.store_translation(document, current_user, alignment)
        db.session.commit()
    except ServiceError as error:
        flash_error(error)
        return page("translation", 400, **context)
    flash(
        ngettext(
            "%(num)d paragraph of the translation stored.",
            "%(num)d paragraphs of the translation stored.",
            written,
        ),
        "success",
    )
    return redirect(url_for("web.document", document_id=document.id))


# --------------------------------------------------------------------------------------------
# A delegation's marked-up Word file
# --------------------------------------------------------------------------------------------


@bp.route("/documents/<int:document_id>/amendments/import", methods=["GET", "POST"])
@login_required
def markup_page(document_id: int):
    document = visible_or_404(document_id)
    context: dict[str, Any] = {
        "document": document,
        "form": request.form,
        "planned": None,
        "kinds": KIND_OF_AMENDMENT,
        "refusal": None,
    }
    answer = refused(can(current_user, Action.PROPOSE_AMENDMENT, document), context, "markup")
    if answer:
        return answer
    if request.method == "GET":
        return page("markup", **context)
    try:
        filename, data = uploaded_file()
        if previewing():
            context["planned"] = markup.plan_markup(document, current_user, data, filename=filename)
            return page("markup", **context)
        chosen = chosen_indexes()
        if chosen is None:
            flash(_("Choose at least one amendment to file."), "error")
            return page("markup", 400, **context)
        filed, skipped = markup.import_markup(
            document, current_user, data, filename=filename, chosen=chosen
        )
        db.session.commit()
    except ServiceError as error:
        flash_error(error)
        return page("markup", 400, **context)
    flash(
        ngettext("%(num)d amendment filed.", "%(num)d amendments filed.", len(filed)),
        "success",
    )
    if skipped:
        flash(
            ngettext(
                "%(num)d amendment had already been filed and was not filed again.",
                "%(num)d amendments had already been filed and were not filed again.",
                len(skipped),
            ),
            "info",
        )
    return redirect(url_for("web.amendment_table", document_id=document.id))


@bp.app_template_global()
def upload_links(document: Document) -> list[tuple[str, str]]:
    """The document tools' upload links the viewer may use: (url, label)."""
    user = viewer()
    if user is None or document.is_adopted:
        return []
    links = []
    if can(user, Action.PROPOSE_AMENDMENT, document).allowed:
        links.append(
            (
                url_for("web.markup_page", document_id=document.id),
                _("Upload a marked-up Word file"),
            )
        )
    if len(document.languages) > 1 and can_import(user, document.process_id).allowed:
        links.append(
            (url_for("web.translation_page", document_id=document.id), _("Upload a translation"))
        )
    return links
