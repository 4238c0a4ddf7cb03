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
    """Versions shown as one step of the history; ``before`` is the text it started from.

    People typing together make one session: their versions interleave, and each change in
    the session's diff (:meth:`ops`) says whose it is.
    """

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
    def delegations(self) -> list[str]:
        """Every delegation that typed in this session, in order of appearance."""
        codes: list[str] = []
        for version in self.versions:
            code = version.delegation.code if version.delegation else None
            if code and code not in codes:
                codes.append(code)
        return codes

    @property
    def authors(self) -> list[str]:
        """Everyone who typed in this session, in order of appearance."""
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

    @property
    def before_seq(self) -> int:
        """The version the session started from (0: there was no text before it)."""
        return self.first.seq - 1

    def ops(self) -> list[tuple[int, str, str | None]]:
        """The session's combined change, each run with the delegation that made it."""
        return textdiff.attribute(
            self.before,
            [(v.text, v.delegation.code if v.delegation else None) for v in self.versions],
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "versions": list(self.seqs),
            "before_version": self.before_seq,
            "source": self.source,
            "delegations": self.delegations,
            "authors": self.authors,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "text": self.text,
            "ops": [[op, text, who] for op, text, who in self.ops()],
        }


def sessions(
    paragraph: Paragraph | int, lang: str, *, gap: timedelta = SESSION_GAP
) -> list[EditSession]:
    """The paragraph's versions in one language grouped into edit sessions, oldest first.

    Imports, amendments and reverts are sessions of their own. A delegation's live edits
    with no pause longer than ``gap`` between them form one run, even when another
    delegation's edits come in between; runs that interleave (people typing together) are
    one session, so every session is a stretch of consecutive versions.
    """
    paragraph_id = paragraph if isinstance(paragraph, int) else paragraph.id
    versions = db.session.scalars(
        select(Version)
        .where(Version.paragraph_id == paragraph_id, Version.lang == lang)
        .order_by(Version.seq)
    ).all()
    out: list[EditSession] = []
    before = ""
    for group in _group(versions, gap):
        out.append(EditSession(tuple(group), before))
        before = group[-1].text
    return out


def _group(versions: list[Version], gap: timedelta) -> list[list[Version]]:
    """Consecutive versions split where no delegation's run of typing spans the cut."""
    reach: list[int] = [index for index in range(len(versions))]  # last index of its run
    runs: dict[int | None, int] = {}  # delegation -> index of its run's latest version
    for index, version in enumerate(versions):
        if version.source != VersionSource.EDIT:
            runs.clear()
            continue
        latest_index = runs.get(version.delegation_id)
        if latest_index is not None and (
            version.created_at - versions[latest_index].created_at <= gap
        ):
            reach[latest_index] = index
        runs[version.delegation_id] = index
    groups: list[list[Version]] = []
    end = -1
    for index, version in enumerate(versions):
        if index > end:
            groups.append([])
        groups[-1].append(version)
        end = max(end, reach[index])
    return groups
