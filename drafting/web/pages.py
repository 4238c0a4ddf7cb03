"""What the document page's partials need besides the text, computed once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import (
    g,
)
from flask_babel import get_locale
from sqlalchemy import select

from drafting import gcm, labels
from drafting.extensions import db
from drafting.handlers import viewer
from drafting.models import Delegation, Document, Membership, Tag, User
from drafting.policy import Action, can, can_see_record
from drafting.services import amendments, discussion, tags
from drafting.web import bp


@dataclass
class Panels:
    """Amendments, comment threads and footnotes per paragraph, and what the viewer may do."""

    document: Document
    amendments: dict[int, list[amendments.AmendmentView]] = field(default_factory=dict)
    threads: dict[int | None, list[discussion.Thread]] = field(default_factory=dict)
    footnotes: dict[int | None, list[discussion.Footnote]] = field(default_factory=dict)
    allowed: dict[str, bool] = field(default_factory=dict)
    delegation_id: int | None = None

    def footnote_list(self) -> list[discussion.Footnote]:
        return [note for notes in self.footnotes.values() for note in notes]

    def comment_count(self, paragraph_id: int | None) -> int:
        return sum(t.count() for t in self.threads.get(paragraph_id, []))

    def pending(self, paragraph_id: int) -> int:
        return sum(1 for a in self.amendments.get(paragraph_id, []) if a.pending)


def allowed_actions(user: User | None, document: Document) -> dict[str, bool]:
    """What the viewer may do now, by action name, for buttons and forms."""
    if user is None:
        return {action.value: False for action in Action}
    return {action.value: can(user, action, document).allowed for action in Action}


def panels(document: Document) -> Panels:
    cache = g.setdefault("drafting_panels", {})
    if document.id not in cache:
        user = viewer()
        # The public of an adopted text sees no amendments or comments unless published.
        record = can_see_record(user, document)
        found = amendments.for_document(document) if record else []
        per_paragraph: dict[int, list[amendments.AmendmentView]] = {}
        for view in amendments.views(found, document):
            per_paragraph.setdefault(view.amendment.paragraph_id, []).append(view)
        cache[document.id] = Panels(
            document=document,
            amendments=per_paragraph,
            threads=discussion.threads(document) if record else {},
            footnotes=discussion.footnotes(document),
            allowed=allowed_actions(user, document),
            delegation_id=user.delegation_id if user else None,
        )
    return cache[document.id]


def delegation_colours(document: Document) -> dict[str, Delegation]:
    """Every delegation taking part in the document's process, by code."""
    rows = db.session.scalars(
        select(Delegation)
        .join(User, User.delegation_id == Delegation.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.process_id == document.process_id)
        .distinct()
    )
    return {d.code: d for d in rows}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"paragraph_panels": panels, "delegation_colours": delegation_colours}


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
