"""The document page's model: everything the page and its partials show, computed once per
request in the view (the templates issue no queries), and pieces other pages reuse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from drafting import clock, gcm, labels, localtime
from drafting.extensions import db
from drafting.models import (
    AdReferendum,
    Deadline,
    Delegation,
    Document,
    Membership,
    PendingFiling,
    Tag,
    User,
)
from drafting.models.people import Role
from drafting.policy import Action, can, can_see_record, role_in, runs_a_process
from drafting.reasons import render
from drafting.services import (
    ad_referendum,
    amendments,
    discussion,
    notifications,
    revisions,
    rounds,
    signoff,
    tags,
    workflow,
)
from drafting.services.documents import ParagraphView, tree
from drafting.services.exports.revision_text import default_from
from drafting.text.lines import lines_of
from drafting.web import bp
from workflows import Template as WorkflowTemplate
from workflows import template as workflow_template
from workflows.diagram import svg


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


def panels(document: Document, user: User | None) -> Panels:
    """Amendments, threads and footnotes of the whole document, read in one pass; the public
    of an adopted text sees no amendments or comments unless the process publishes them."""
    record = can_see_record(user, document)
    found = amendments.for_document(document) if record else []
    per_paragraph: dict[int, list[amendments.AmendmentView]] = {}
    for view in amendments.views(found, document):
        per_paragraph.setdefault(view.amendment.paragraph_id, []).append(view)
    return Panels(
        document=document,
        amendments=per_paragraph,
        threads=discussion.threads(document) if record else {},
        footnotes=discussion.footnotes(document),
        allowed=allowed_actions(user, document),
        delegation_id=user.delegation_id if user else None,
    )


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


@bp.record_once
def _register(state) -> None:
    """The words and pictures every page may use: labels in the reader's language, refusal
    reasons rendered by the catalogue, the workflow diagram."""
    state.app.jinja_env.globals.update(
        state_label=labels.state_label,
        transition_label=labels.transition_label,
        consequence=labels.consequence,
        role_label=labels.role_label,
        audit_action_label=labels.audit_action_label,
        document_title=lambda document: document.title_in(str(get_locale())),
        language_label=labels.language_label,
        runs_a_process=runs_a_process,
        workflow_diagram=lambda template, current: svg(template, current, labels.workflow_labels()),
    )
    state.app.jinja_env.filters["reason"] = render
    state.app.jinja_env.filters["lines"] = lines_of


@dataclass
class Extras:
    """What the document page shows besides the text: tags, GCM coverage, exports (what
    the viewer may do with them is in Panels.allowed)."""

    tags: dict[int, list[Tag]] = field(default_factory=dict)
    coverage: list[tags.Objective] = field(default_factory=list)
    covered: int = 0
    gcm: list[tuple[str, str]] = field(default_factory=list)
    revisions: list[str] = field(default_factory=list)
    # the tracked Word download's default language (the reader's, if the text has it) and
    # the revision it starts from by default (the latest that reads differently in it)
    changes_lang: str = ""
    changes_from: str | None = None

    def tag_label(self, tag: Tag) -> str:
        return tags.label_of(tag, str(get_locale()))


def document_extras(document: Document, paragraphs: list[ParagraphView]) -> Extras:
    """Tags, GCM coverage and downloads; the tags are read once for both."""
    locale = str(get_locale())
    changes_lang = locale if locale in document.languages else document.languages[0]
    tagged = tags.tags_by_paragraph(document)
    coverage = tags.coverage(document, locale, {p.id: p.number for p in paragraphs}, tagged)
    return Extras(
        tags=tagged,
        coverage=coverage,
        covered=sum(1 for o in coverage if o.count),
        gcm=[(code, es if locale == "es" else en) for code, en, es in gcm.OBJECTIVES],
        revisions=[r.label for r in document.revisions],
        changes_lang=changes_lang,
        changes_from=default_from(document, lang=changes_lang, to_rows=paragraphs)
        if document.revisions
        else None,
    )


@dataclass
class DocumentPage:
    """Everything GET /documents/<id> and its partials show, built once in the view so
    the template asks the database nothing."""

    document: Document
    paragraphs: list[ParagraphView]
    panels: Panels
    extras: Extras
    colours: dict[str, Delegation]
    role: Role | None
    options: list[dict[str, Any]]
    deadline: Deadline | None
    deadline_label: str | None
    template: WorkflowTemplate
    can_edit: bool
    now_iso: str
    round_number: int
    silence_over: bool
    observer_note: str | None = None
    silence_break: notifications.SilenceBreak | None = None
    zone: str = localtime.FALLBACK  # the reader's time zone
    ad_refs: dict[int, list[AdReferendum]] = field(default_factory=dict)
    head_of: int | None = None  # the delegation the viewer heads, if any
    member_codes: list[str] = field(default_factory=list)
    awaiting_signoff: list[PendingFiling] = field(default_factory=list)
    tracked: TrackedView | None = None


@dataclass
class TrackedView:
    """The tracked changes shown in the live editor (static/js/marks.js): since which
    revision by default, and what the viewer may do with them."""

    default_from: str
    can_review: bool
    can_suggest: bool
    delegations: dict[str, dict[str, str]]


def tracked_view(
    document: Document, user: User | None, colours: dict[str, Delegation]
) -> TrackedView | None:
    """None when there is nothing to track yet (no circulated revision) or no record to see."""
    circulated = revisions.latest_circulated(document)
    if circulated is None or user is None or not can_see_record(user, document):
        return None
    return TrackedView(
        default_from=circulated.label,
        can_review=can(user, Action.REVIEW_CHANGE, document).allowed,
        can_suggest=can(user, Action.SUGGEST, document).allowed,
        delegations={c: {"name": d.name, "color": d.color} for c, d in colours.items()},
    )


def document_page(document: Document, user: User | None) -> DocumentPage:
    """The document page's model; the viewer's role is read once (policy.role_in)."""
    paragraphs = tree(document)
    role = role_in(user, document.process_id)
    deadline = workflow.active_deadline(document)
    now = clock.now()
    zone = localtime.zone_name_for(user, document.process.timezone)
    colours = delegation_colours(document)
    return DocumentPage(
        document=document,
        paragraphs=paragraphs,
        panels=panels(document, user),
        extras=document_extras(document, paragraphs),
        colours=colours,
        role=role,
        options=workflow.options(user, document) if user and role else [],
        deadline=deadline,
        deadline_label=localtime.format_time(deadline.due_at, zone) if deadline else None,
        template=workflow_template(document.workflow),
        can_edit=bool(user) and can(user, Action.EDIT_TEXT, document).allowed,
        now_iso=now.isoformat(),
        round_number=round_number(document),
        silence_over=bool(deadline and deadline.kind.value == "silence" and deadline.due_at <= now),
        observer_note=observer_note(user, document, role),
        silence_break=notifications.silence_break(document),
        zone=zone,
        tracked=tracked_view(document, user, colours) if not document.is_adopted else None,
        ad_refs=ad_referendum.open_in(document),
        head_of=head_of(user, document),
        member_codes=[d.code for d in rounds.member_delegations(document.process_id)],
        awaiting_signoff=signoff.awaiting(document, user),
    )


def head_of(user: User | None, document: Document) -> int | None:
    """The delegation whose head the viewer is in this process (for the confirm buttons)."""
    if user is None:
        return None
    head = db.session.scalar(
        select(Membership.head).where(
            Membership.user_id == user.id, Membership.process_id == document.process_id
        )
    )
    return user.delegation_id if head else None


def round_number(document: Document) -> int:
    """The number of the round under way or last held (each round opens a Rev.N)."""
    return sum(1 for r in document.revisions if r.label.startswith("Rev."))


def observer_note(user: User | None, document: Document, role: Role | None) -> str | None:
    """Why an observer reads but does not amend (or comment, unless the document allows
    it); None for everyone else."""
    if role != Role.OBSERVER or document.is_adopted:
        return None
    comment = can(user, Action.COMMENT, document)
    if comment.allowed:
        return _(
            "You follow this text as an observer: you may comment; amendments come from "
            "member delegations."
        )
    why = "; ".join(render(r) for r in comment.reasons)
    return _(
        "You follow this text as an observer (%(why)s): amendments and comments come from "
        "member delegations and the secretariat, unless the secretariat opens a document "
        "to observers' comments.",
        why=why,
    )


def waiting_for(user: User, document: Document, role: Role | None) -> list[str]:
    """What the first screen says about `document` for `user`: the deadline under way and
    what is theirs to do now, in the reader's language."""
    if document.is_adopted:
        return [_("Adopted: the text is final.")]
    lines = []
    deadline = workflow.active_deadline(document)
    if deadline is not None:
        when = workflow.format_deadline(deadline)
        if deadline.kind.value == "round":
            lines.append(
                _("Round %(n)s is open until %(when)s.", n=round_number(document), when=when)
            )
        elif deadline.due_at > clock.now():
            lines.append(_("The silence procedure runs until %(when)s.", when=when))
        else:
            lines.append(_("Silence ended unbroken: the text awaits adoption by the PPT."))
    allowed = allowed_actions(user, document)
    yours = []
    if allowed[Action.PROPOSE_AMENDMENT.value]:
        yours.append(_("you may propose amendments"))
    if allowed[Action.DECIDE_AMENDMENT.value]:
        pending = sum(1 for a in amendments.for_document(document) if a.is_pending)
        if pending:
            yours.append(
                ngettext(
                    "%(num)d amendment waits for a decision",
                    "%(num)d amendments wait for a decision",
                    pending,
                )
            )
    if allowed[Action.EDIT_TEXT.value]:
        yours.append(_("you may edit the text live"))
    steps = [
        labels.transition_label(o["name"])
        for o in (workflow.options(user, document) if role else [])
        if o["from_here"] and o["allowed"]
    ]
    if steps:
        yours.append(_("yours to take: %(steps)s", steps=", ".join(steps)))
    if not yours and allowed[Action.COMMENT.value]:
        yours.append(_("you may comment"))
    note = observer_note(user, document, role)
    if yours:
        sentence = "; ".join(yours)
        lines.append(sentence[0].upper() + sentence[1:] + ".")
    elif note:
        lines.append(note)
    else:
        lines.append(_("Nothing waits for you in this state; you may read and follow the text."))
    return lines
