"""A paragraph's stored versions, and restoring an earlier one as a new version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from drafting.database import lock_row
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Document, Paragraph, User, Version
from drafting.models.text import ParagraphStatus, VersionSource
from drafting.services.editing import Saved, latest, paragraph_of, store_version, validate_text
from drafting.services.errors import BadInput, Conflict, NotFound
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
    version = store_version(
        document, paragraph, user, lang, text, source=VersionSource.REVERT, base=current
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
