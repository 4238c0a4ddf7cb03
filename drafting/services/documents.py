"""Reading documents: the paragraph tree with its current texts, numbers and revisions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from drafting.extensions import db
from drafting.models import Document, Paragraph, Revision, RevisionParagraph, Version
from drafting.models.text import LabelStyle, ParagraphStatus
from drafting.text.brackets import BracketProblem, problem
from drafting.text.numbering import Node, Number, number_tree, reading_order


def newest_versions(document_id: int) -> Select:
    """SELECT of the newest version of every paragraph and language of a document."""
    newest = (
        select(Version.paragraph_id, Version.lang, func.max(Version.seq).label("seq"))
        .join(Paragraph, Paragraph.id == Version.paragraph_id)
        .where(Paragraph.document_id == document_id)
        .group_by(Version.paragraph_id, Version.lang)
        .subquery()
    )
    return select(Version).join(
        newest,
        (Version.paragraph_id == newest.c.paragraph_id)
        & (Version.lang == newest.c.lang)
        & (Version.seq == newest.c.seq),
    )


def current_versions(document_id: int) -> dict[tuple[int, str], Version]:
    """The newest version of every paragraph and language, in one query."""
    rows = db.session.scalars(newest_versions(document_id))
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

    @property
    def brackets(self) -> dict[str, BracketProblem]:
        """Per language, the bracket that does not balance yet (typing is under way)."""
        found = {lang: problem(text) for lang, text in self.text.items()}
        return {lang: p for lang, p in found.items() if p is not None}

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
            "brackets": {lang: p.as_json() for lang, p in self.brackets.items()},
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


def revision_placement(revision: Revision) -> list[tuple[Node, RevisionParagraph]]:
    """Where every paragraph stood in a revision, as tree nodes with the snapshot rows."""
    rows = db.session.scalars(
        select(RevisionParagraph).where(RevisionParagraph.revision_id == revision.id)
    )
    return [
        (
            Node(r.paragraph_id, r.parent_id, r.position, r.section.value,
                 r.status == ParagraphStatus.DELETED),
            r,
        )
        for r in rows
    ]  # fmt: skip


def revision_numbers(revision: Revision) -> dict[int, Number]:
    """Numbering as it stood in a revision ("former 6 b")."""
    return number_tree(node for node, _ in revision_placement(revision))


def display_label(document: Document, source_label: str | None, computed: str) -> str:
    """The label printed before a paragraph: its source label when the document asks for
    the labels as imported (and the paragraph has one), else the computed one."""
    if document.label_style == LabelStyle.SOURCE and source_label:
        return source_label
    return computed


def source_labels(document: Document) -> dict[int, str | None]:
    """Each paragraph's label as imported, for texts shown in the source's label style."""
    if document.label_style != LabelStyle.SOURCE:
        return {}
    rows = db.session.execute(
        select(Paragraph.id, Paragraph.source_label).where(Paragraph.document_id == document.id)
    )
    return dict(rows.tuples())


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
                label=display_label(document, paragraph.source_label, number.label)
                if number
                else "",
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
