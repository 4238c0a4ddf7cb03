"""A paragraph's history: its versions with what each changed, restoring an earlier text,
and live typing grouped into edit sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from drafting.database import lock_row
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Document, Paragraph, User, Version
from drafting.models.text import ParagraphStatus, VersionSource
from drafting.services.documents import sources_of
from drafting.services.errors import BadInput, Conflict, NotFound
from drafting.services.paragraphs import Saved, latest, paragraph_of, store_version, validate_text
from drafting.text import textdiff


@dataclass(frozen=True)
class HistoryEntry:
    version: Version
    previous: str

    def diff(self) -> list[tuple[int, str]]:
        return textdiff.diff(self.previous, self.version.text)

    def as_json(self) -> dict[str, Any]:
        v = self.version
        return {
            "version": v.seq,
            "lang": v.lang,
            "text": v.text,
            "source": v.source.value,
            "delegation": v.delegation.code if v.delegation else None,
            "author": v.author.name if v.author else None,
            "created_at": v.created_at.isoformat(),
            "amendment_id": v.amendment_id,
            "ops": [[op, text] for op, text in self.diff()],
        }


def history(document: Document, paragraph_id: object, lang: str) -> list[HistoryEntry]:
    """Every version of the paragraph in one language, oldest first, each with its change."""
    paragraph = paragraph_of(document, paragraph_id)
    if lang not in document.languages:
        raise BadInput(f"lang must be one of {', '.join(document.languages)}")
    rows = db.session.scalars(
        select(Version)
        .where(Version.paragraph_id == paragraph.id, Version.lang == lang)
        .order_by(Version.seq)
    )
    out, previous = [], ""
    for version in rows:
        out.append(HistoryEntry(version, previous))
        previous = version.text
    return out


def restore(
    document: Document, paragraph_id: object, user: User, lang: str, seq: int | None
) -> Version:
    """Bring back the text of version `seq` as a new version (source `revert`); nothing
    earlier is rewritten."""
    paragraph = paragraph_of(document, paragraph_id)
    validate_text(document, lang, "")
    if paragraph.status == ParagraphStatus.DELETED:
        raise Conflict("the paragraph is deleted")
    lock_row(Paragraph, paragraph.id)
    wanted = db.session.scalar(
        select(Version).where(
            Version.paragraph_id == paragraph.id, Version.lang == lang, Version.seq == seq
        )
    )
    if wanted is None:
        raise NotFound(f"version {seq} of this paragraph in {lang} does not exist")
    current = latest(paragraph.id, lang)
    if current is not None and current.text == wanted.text:
        raise Conflict("the paragraph already reads like that version")
    text = validate_text(document, lang, wanted.text)
    # a restored translation is the one written against its own source text
    written_for = sources_of(document.languages, [wanted]).get(wanted.id)
    version = store_version(
        document,
        paragraph,
        user,
        lang,
        text,
        source=VersionSource.REVERT,
        base=current,
        source_version_id=written_for,
    )
    previous = current.text if current else ""
    saved = Saved(version, textdiff.make_patch(previous, text), previous)
    publish(
        db.session,
        document.id,
        "paragraph_updated",
        {**saved.broadcast(user), "restored_from": wanted.seq},
    )
    return version


SESSION_GAP = timedelta(minutes=10)


@dataclass(frozen=True)
class EditSession:
    """Versions shown as one step of the history; ``before`` is the text it started from."""

    versions: tuple[Version, ...]
    before: str

    @property
    def first(self) -> Version:
        return self.versions[0]

    @property
    def last(self) -> Version:
        return self.versions[-1]

    @property
    def text(self) -> str:
        return self.last.text

    @property
    def source(self) -> str:
        return self.last.source.value

    @property
    def delegation(self) -> str | None:
        return self.last.delegation.code if self.last.delegation else None

    @property
    def authors(self) -> list[str]:
        """Everyone of the delegation who typed in this session, in order of appearance."""
        names: list[str] = []
        for version in self.versions:
            name = version.author.name if version.author else None
            if name and name not in names:
                names.append(name)
        return names

    @property
    def started_at(self) -> datetime:
        return self.first.created_at

    @property
    def ended_at(self) -> datetime:
        return self.last.created_at

    @property
    def seqs(self) -> tuple[int, int]:
        """First and last version number, for links to the versions themselves."""
        return self.first.seq, self.last.seq


def _continues(session: list[Version], version: Version, gap: timedelta) -> bool:
    last = session[-1]
    return (
        version.source == VersionSource.EDIT
        and last.source == VersionSource.EDIT
        and version.delegation_id == last.delegation_id
        and version.created_at - last.created_at <= gap
    )


def sessions(
    paragraph: Paragraph | int, lang: str, *, gap: timedelta = SESSION_GAP
) -> list[EditSession]:
    """The paragraph's versions in one language grouped into edit sessions, oldest first.

    Imports, amendments and reverts are sessions of their own; live edits by one delegation
    with no pause longer than ``gap`` form one session.
    """
    paragraph_id = paragraph if isinstance(paragraph, int) else paragraph.id
    versions = db.session.scalars(
        select(Version)
        .where(Version.paragraph_id == paragraph_id, Version.lang == lang)
        .order_by(Version.seq)
    ).all()
    groups: list[list[Version]] = []
    for version in versions:
        if groups and _continues(groups[-1], version, gap):
            groups[-1].append(version)
        else:
            groups.append([version])
    out: list[EditSession] = []
    before = ""
    for group in groups:
        out.append(EditSession(tuple(group), before))
        before = group[-1].text
    return out
