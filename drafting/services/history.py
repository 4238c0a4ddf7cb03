"""A paragraph's history as people think of it: edit sessions, not keystroke batches.

Live editing stores a version every few hundred milliseconds while someone types. The
history view squashes consecutive live-edit versions by the same delegation, made within
a few minutes of each other, into one *edit session*. This is a reading of the stored
versions only: every version and its audit entry stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Paragraph, Version
from drafting.models.text import VersionSource

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
