"""Tracked-changes view, side-by-side comparison of two revisions, a paragraph's history
with restore buttons."""

from __future__ import annotations

import html

from flask import abort, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from drafting.handlers import query_language, record_or_403, viewer, visible_or_404
from drafting.models import Document
from drafting.services import changes, provenance
from drafting.services.errors import BadInput, NotFound, ServiceError
from drafting.services.exports.revision_text import default_from
from drafting.web import bp
from drafting.web.pages import delegation_colours, tracked_view


class Painter:
    """Renders runs as <ins>/<del> coloured by delegation, with author and time on hover.

    Built in Python rather than a template macro: a long document has thousands of runs
    and this is the hot path of the tracked-changes page. One painter serves one page.
    """

    def __init__(self, colours: dict) -> None:
        self.palette = {code: (d.name, d.color) for code, d in colours.items()}
        self.labels = {1: _("Inserted by"), -1: _("Deleted by")}
        self.unknown = _("unknown")
        self.accepted_by = _("accepted by {who}")
        self.attributes: dict[tuple, str] = {}  # (op, code[, at]) -> attribute text

    def _attributes(self, op: int, code: str | None, at) -> str:
        key = (op, code, at)
        found = self.attributes.get(key)
        if found is None:
            prefix = self.attributes.get((op, code))
            if prefix is None:
                name, colour = self.palette.get(code, (None, "#444"))
                who = f"{name} ({code})" if name else (code or self.unknown)
                prefix = self.attributes[(op, code)] = (
                    f' class="chg" data-color="{html.escape(colour)}" '
                    f'data-author="{html.escape(code or "")}" '
                    f'title="{html.escape(f"{self.labels[op]} {who}")}'
                )
            # digits only: nothing to escape
            when = f" · {at.isoformat(sep=' ', timespec='minutes')[:16]} UTC" if at else ""
            found = self.attributes[key] = f'{prefix}{when}"'
        return found

    def __call__(
        self, runs, show: tuple[int, ...] = (-1, 0, 1), accepted: dict | None = None
    ) -> Markup:
        """Runs as HTML; each change carries its id, and an accepted one says who accepted
        it (``accepted``: change id -> changes.Acceptance)."""
        out: list[str] = []
        for op, text, code, at, change_id in runs:
            if op not in show or not text:
                continue
            if op == 0:
                out.append(html.escape(text, quote=False))
                continue
            tag = "ins" if op == 1 else "del"
            attributes = self._attributes(op, code, at)
            if change_id:
                attributes += f' data-change="{html.escape(change_id)}"'
            review = (accepted or {}).get(change_id)
            if review is not None:
                who = f"{review.name} ({review.code})"
                attributes = attributes.replace(
                    ' title="', f' data-accepted="{html.escape(review.code)}" title="', 1
                )
                attributes = (
                    attributes[:-1] + html.escape(" · " + self.accepted_by.format(who=who)) + '"'
                )
            out.append(f"<{tag}{attributes}>{html.escape(text, quote=False)}</{tag}>")
        return Markup("".join(out))


@bp.app_template_global("painter")
def _painter(colours: dict) -> Painter:
    return Painter(colours)


def _change_set(document: Document, from_label: str | None, to_label: str | None, lang: str):
    try:
        return changes.change_set(document, from_label, to_label, lang)
    except NotFound:
        abort(404)
    except ServiceError:
        abort(400)


def _from_label(document: Document, to_label: str | None, lang: str) -> str | None:
    """The revision asked for, else the latest one that reads differently from `to_label`
    in `lang`."""
    asked = request.args.get("from") or None
    if asked or not document.revisions:
        return asked
    try:
        return default_from(document, to_label, lang=lang)
    except NotFound:
        abort(404)
    except BadInput:  # nothing was circulated before `to_label`: the service's default
        return None


@bp.get("/documents/<int:document_id>/changes")
def tracked_changes(document_id: int):
    document = record_or_403(document_id)
    lang = query_language(document)
    to_label = request.args.get("to") or None
    change_set = _change_set(document, _from_label(document, to_label, lang), to_label, lang)
    story = provenance.in_range(document, change_set.from_label, change_set.to_label)
    colours = delegation_colours(document)
    live = change_set.to_label == changes.CURRENT and not document.is_adopted
    return render_template(
        "changes.html",
        document=document,
        change_set=change_set,
        story=story,
        named=provenance.amendments_named(story),
        lang=lang,
        labels=[r.label for r in document.revisions],
        colours=colours,
        # the page follows live edits when it shows the text as it is now
        tracked=tracked_view(document, viewer(), colours) if live else None,
    )


@bp.get("/documents/<int:document_id>/compare")
def compare(document_id: int):
    document = visible_or_404(document_id)
    labels = [r.label for r in document.revisions]
    if not labels:
        abort(404)
    lang = query_language(document)
    left = request.args.get("a") or labels[max(0, len(labels) - 2)]
    right = request.args.get("b") or "current"
    change_set = _change_set(document, left, right, lang)
    return render_template(
        "compare.html",
        document=document,
        change_set=change_set,
        left=left,
        right=right,
        lang=lang,
        labels=labels,
        colours=delegation_colours(document),
    )
