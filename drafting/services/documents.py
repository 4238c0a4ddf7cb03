"""Reading documents: who may see which, and the paragraph tree with its current texts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from drafting.extensions import db
from drafting.models import Document, Membership, Paragraph, Revision, RevisionParagraph, Version
from drafting.models.people import Role, User
from drafting.models.text import ParagraphStatus, sealed_final_exists
from drafting.services.errors import NotFound
from drafting.text.numbering import Node, Number, number_tree, reading_order

MAX_ID = 2**63 - 1  # the largest row id (signed 64 bits)


def role_in(user: User | None, process_id: int) -> Role | None:
    """The user's role in a process, or None for outsiders and anonymous visitors."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Membership.role).where(
            Membership.user_id == user.id, Membership.process_id == process_id
        )
    )


def get_visible(user: User | None, document_id: int) -> Document:
    """The document if the user takes part in its process or it is published; else 404, so
    outsiders cannot even learn that it exists."""
    if not 0 < document_id <= MAX_ID:  # no row has it; SQLite could not even bind it
        raise NotFound("document not found")
    document = db.session.get(Document, document_id)
    if document is None or (not document.is_adopted and role_in(user, document.process_id) is None):
        raise NotFound("document not found")
    return document


def visible_documents(user: User) -> list[Document]:
    process_ids = select(Membership.process_id).where(Membership.user_id == user.id)
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.process_id.in_(process_ids) | sealed_final_exists())
            .order_by(Document.id)
        )
    )


def published_documents() -> list[Document]:
    """The adopted documents, which anyone may read."""
    return list(
        db.session.scalars(select(Document).where(sealed_final_exists()).order_by(Document.id))
    )


def current_versions(document_id: int) -> dict[tuple[int, str], Version]:
    """The newest version of every paragraph and language, in one query."""
    newest = (
        select(Version.paragraph_id, Version.lang, func.max(Version.seq).label("seq"))
        .join(Paragraph, Paragraph.id == Version.paragraph_id)
        .where(Paragraph.document_id == document_id)
        .group_by(Version.paragraph_id, Version.lang)
        .subquery()
    )
    rows = db.session.scalars(
        select(Version).join(
            newest,
            (Version.paragraph_id == newest.c.paragraph_id)
            & (Version.lang == newest.c.lang)
            & (Version.seq == newest.c.seq),
        )
    )
    return {(v.paragraph_id, v.lang): v for v in rows}


def pending_translations(languages: list[str], versions: dict[str, Version]) -> list[str]:
    """Languages whose text has not followed the paragraph's last original change.

    A version made while its language was behind records the text it follows
    (translation_of); every other new version is an original change the others must follow.
    """
    pending = []
    for lang in languages:
        mine = versions.get(lang)
        if mine is None:
            if versions:
                pending.append(lang)
            continue
        for other_lang, other in versions.items():
            if other_lang != lang and other.id > mine.id and other.translation_of_id is None:
                pending.append(lang)
                break
    return pending


@dataclass
class ParagraphView:
    id: int
    number: str
    label: str
    parent_id: int | None
    depth: int
    section: str
    status: str
    text: dict[str, str] = field(default_factory=dict)
    version: dict[str, int] = field(default_factory=dict)
    versions: dict[str, Version] = field(default_factory=dict)
    translation_pending: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "number": self.number,
            "label": self.label,
            "parent_id": self.parent_id,
            "depth": self.depth,
            "section": self.section,
            "status": self.status,
            "text": self.text,
            "version": self.version,
            "translation_pending": self.translation_pending,
        }


def nodes_of(paragraphs: list[Paragraph]) -> list[Node]:
    return [
        Node(p.id, p.parent_id, p.position, p.section.value, p.status == ParagraphStatus.DELETED)
        for p in paragraphs
    ]


def paragraphs_of(document: Document) -> list[Paragraph]:
    return list(db.session.scalars(select(Paragraph).where(Paragraph.document_id == document.id)))


def numbers(document: Document) -> dict[int, Number]:
    return number_tree(nodes_of(paragraphs_of(document)))


def revision_numbers(revision: Revision) -> dict[int, Number]:
    """Numbering as it stood in a revision ("former 6 b")."""
    rows = db.session.scalars(
        select(RevisionParagraph).where(RevisionParagraph.revision_id == revision.id)
    )
    return number_tree(
        Node(
            r.paragraph_id,
            r.parent_id,
            r.position,
            r.section.value,
            r.status == ParagraphStatus.DELETED,
        )
        for r in rows
    )


def tree(document: Document, *, include_deleted: bool = False) -> list[ParagraphView]:
    """Paragraphs in reading order with computed numbers and current texts."""
    paragraphs = {p.id: p for p in paragraphs_of(document)}
    nodes = nodes_of(list(paragraphs.values()))
    numbered = number_tree(nodes)
    versions = current_versions(document.id)
    by_paragraph: dict[int, dict[str, Version]] = {}
    for (pid, lang), version in versions.items():
        by_paragraph.setdefault(pid, {})[lang] = version
    views = []
    for node in reading_order(nodes):
        number = numbered.get(node.id)
        if number is None and not include_deleted:
            continue
        paragraph = paragraphs[node.id]
        mine = by_paragraph.get(node.id, {})
        views.append(
            ParagraphView(
                id=paragraph.id,
                number=number.number if number else "",
                label=number.label if number else "",
                parent_id=paragraph.parent_id,
                depth=number.depth if number else 0,
                section=paragraph.section.value,
                status=paragraph.status.value,
                text={lang: v.text for lang, v in mine.items()},
                version={lang: v.seq for lang, v in mine.items()},
                versions=mine,
                translation_pending=pending_translations(document.languages, mine),
            )
        )
    return views
