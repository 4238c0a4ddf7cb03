"""Reading documents: the paragraph tree with its current texts, numbers and revisions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

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


def sources_of(languages: list[str], versions: Iterable[Version]) -> dict[int, int]:
    """The id of the source-language version each translation was written against.

    The first language is the source; a translation's version records the source version
    current when it was stored (``translation_of_id``). Versions stored before every
    translation recorded it are read as written against the source version newest when they
    were stored (one query for all of them).
    """
    source = languages[0]
    translations = [v for v in versions if v.lang != source]
    recorded = {v.id: v.translation_of_id for v in translations if v.translation_of_id}
    legacy = [v.id for v in translations if not v.translation_of_id]
    if legacy:
        older = aliased(Version)
        newest_then = (
            select(func.max(older.id))
            .where(
                older.paragraph_id == Version.paragraph_id,
                older.lang == source,
                older.id < Version.id,
            )
            .scalar_subquery()
        )
        rows = db.session.execute(select(Version.id, newest_then).where(Version.id.in_(legacy)))
        recorded |= {version_id: against for version_id, against in rows if against}
    return recorded  # type: ignore[return-value]


def written_against(languages: list[str], versions: Iterable[Version]) -> dict[int, str]:
    """The source-language text each translation was written against, by version id."""
    sources = sources_of(languages, versions)
    if not sources:
        return {}
    texts = dict(
        db.session.execute(
            select(Version.id, Version.text).where(Version.id.in_(set(sources.values())))
        ).all()
    )
    return {version_id: texts[source_id] for version_id, source_id in sources.items()}


def pending_translations(
    languages: list[str], versions: dict[str, Version], against: dict[int, str]
) -> list[str]:
    """Languages whose text does not match the paragraph's current source-language text.

    A translation is in step when the source text it was written against reads exactly as
    the source does now (``against`` from :func:`written_against`): compared by content, so
    restoring the source text a translation was made from puts it back in step, and a change
    to a translation never puts the source behind. A language with no text yet is pending
    once another has one.
    """
    source = versions.get(languages[0])
    pending = []
    for lang in languages:
        mine = versions.get(lang)
        if mine is None:
            if versions:
                pending.append(lang)
        elif lang != languages[0] and source is not None and against.get(mine.id) != source.text:
            pending.append(lang)
    return pending


def pending_in(languages: list[str], versions: dict[str, Version]) -> list[str]:
    """pending_translations for one paragraph's newest versions."""
    return pending_translations(languages, versions, written_against(languages, versions.values()))


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
    against = written_against(document.languages, versions.values())
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
                translation_pending=pending_translations(document.languages, mine, against),
            )
        )
    return views
