"""Tags on paragraphs: the 23 GCM objectives (seeded), and free tags made on first use.

A tag is written `scheme:code` on the wire ("gcm:3", "free:returns"); a bare word is a
free tag. Coverage answers which objectives a text touches and how often.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from drafting import gcm
from drafting.database import lock_row
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Document, Paragraph, ParagraphTag, Tag, User
from drafting.models.text import ParagraphStatus
from drafting.services import audit
from drafting.services.errors import BadInput, Conflict
from drafting.services.paragraphs import paragraph_of

FREE = "free"
MAX_TAGS_PER_REQUEST = 50
FREE_TAG = re.compile(r"^[\w][\w .\-/]{0,39}$", re.UNICODE)


def seed_gcm() -> int:
    """Create or update the 23 GCM objectives; returns how many were added. Idempotent."""
    existing = {t.code: t for t in db.session.scalars(select(Tag).where(Tag.scheme == gcm.SCHEME))}
    added = 0
    for code, title, title_es in gcm.OBJECTIVES:
        tag = existing.get(code)
        if tag is None:
            db.session.add(Tag(scheme=gcm.SCHEME, code=code, label=title, label_es=title_es))
            added += 1
        elif (tag.label, tag.label_es) != (title, title_es):
            tag.label, tag.label_es = title, title_es
    db.session.flush()
    return added


def tag_key(tag: Tag) -> str:
    return f"{tag.scheme}:{tag.code}"


def label_of(tag: Tag, locale: str) -> str:
    return (tag.label_es or tag.label) if locale == "es" else tag.label


def tag_json(tag: Tag, locale: str = "en") -> dict:
    return {"key": tag_key(tag), "scheme": tag.scheme, "code": tag.code,
            "label": label_of(tag, locale)}  # fmt: skip


def _parse_key(raw: object) -> tuple[str, str]:
    if not isinstance(raw, str) or not raw.strip():
        raise BadInput('tags are strings such as "gcm:3" or "free:returns"')
    raw = raw.strip()
    scheme, _, code = raw.partition(":")
    if not code:
        scheme, code = FREE, raw
    scheme, code = scheme.strip().lower(), code.strip()
    if scheme == FREE:
        if not FREE_TAG.match(code):
            raise BadInput(f"{raw!r} is not a usable free tag (letters, digits, up to 40)")
        return scheme, code.lower()
    return scheme, code


def _find_or_make(scheme: str, code: str, raw: str, create: bool) -> Tag | None:
    tag = db.session.scalar(select(Tag).where(Tag.scheme == scheme, Tag.code == code))
    if tag is not None or not create:
        return tag
    if scheme != FREE:
        raise BadInput(f"unknown tag {raw!r}; GCM objectives are gcm:1 … gcm:23")
    tag = Tag(scheme=FREE, code=code, label=code)
    db.session.add(tag)
    try:
        db.session.flush()
    except IntegrityError:  # someone made the same free tag at the same moment
        db.session.rollback()
        raise Conflict(f"the tag {raw!r} was just created by someone else; try again") from None
    return tag


def _list(data: dict, key: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise BadInput(f"{key} must be a list of tags")
    if len(value) > MAX_TAGS_PER_REQUEST:
        raise BadInput(f"at most {MAX_TAGS_PER_REQUEST} tags per request")
    return value


def paragraph_tags(paragraph_id: int) -> list[Tag]:
    return list(
        db.session.scalars(
            select(Tag)
            .join(ParagraphTag, ParagraphTag.tag_id == Tag.id)
            .where(ParagraphTag.paragraph_id == paragraph_id)
            .order_by(Tag.scheme, Tag.id)
        )
    )


def change_tags(document: Document, paragraph_id: object, user: User, data: dict) -> list[Tag]:
    """Add and remove tags on one paragraph; every tag is checked before anything is written."""
    paragraph = paragraph_of(document, paragraph_id)
    if paragraph.status == ParagraphStatus.DELETED:
        raise Conflict("the paragraph is deleted")
    add = [(_parse_key(raw), raw) for raw in _list(data, "add")]
    remove = [(_parse_key(raw), raw) for raw in _list(data, "remove")]
    if not add and not remove:
        raise BadInput('send {"add": [...]} and/or {"remove": [...]}')
    for (scheme, code), raw in add:
        if scheme != FREE and _find_or_make(scheme, code, raw, False) is None:
            raise BadInput(f"unknown tag {raw!r}; GCM objectives are gcm:1 … gcm:23")
    lock_row(Paragraph, paragraph.id)
    have = {t.id: t for t in paragraph_tags(paragraph.id)}
    added, removed = [], []
    for (scheme, code), raw in add:
        tag = _find_or_make(scheme, code, raw, True)
        if tag.id not in have:
            db.session.add(ParagraphTag(paragraph_id=paragraph.id, tag_id=tag.id))
            have[tag.id] = tag
            added.append(tag_key(tag))
    for (scheme, code), raw in remove:
        tag = _find_or_make(scheme, code, raw, False)
        if tag is not None and tag.id in have:
            link = db.session.get(ParagraphTag, (paragraph.id, tag.id))
            db.session.delete(link)
            del have[tag.id]
            removed.append(tag_key(tag))
    db.session.flush()
    if added or removed:
        audit.record("tags", document=document, user=user, paragraph_id=paragraph.id,
                     added=added, removed=removed)  # fmt: skip
        publish(
            db.session,
            document.id,
            "tags",
            {"paragraph_id": paragraph.id, "tags": [tag_key(t) for t in have.values()]},
        )
    return sorted(have.values(), key=lambda t: (t.scheme, _sort_code(t.code)))


def _sort_code(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (10_000, code)


def tags_by_paragraph(document: Document) -> dict[int, list[Tag]]:
    rows = db.session.execute(
        select(ParagraphTag.paragraph_id, Tag)
        .join(Tag, Tag.id == ParagraphTag.tag_id)
        .join(Paragraph, Paragraph.id == ParagraphTag.paragraph_id)
        .where(Paragraph.document_id == document.id)
    )
    out: dict[int, list[Tag]] = {}
    for paragraph_id, tag in rows:
        out.setdefault(paragraph_id, []).append(tag)
    for tags in out.values():
        tags.sort(key=lambda t: (t.scheme != gcm.SCHEME, t.scheme, _sort_code(t.code)))
    return out


@dataclass(frozen=True)
class Objective:
    code: str
    title: str
    count: int  # paragraphs of the text carrying it
    numbers: tuple[str, ...]  # their numbers, for the tooltip


def coverage(
    document: Document,
    locale: str,
    visible: dict[int, str],
    tagged: dict[int, list[Tag]] | None = None,
) -> list[Objective]:
    """The 23 objectives with how many (visible, i.e. not deleted) paragraphs carry each;
    `visible` maps paragraph id to its number; `tagged` is tags_by_paragraph() if the
    caller already read it."""
    tags = tagged if tagged is not None else tags_by_paragraph(document)
    counts: dict[str, list[str]] = {code: [] for code, _, _ in gcm.OBJECTIVES}
    for paragraph_id, number in visible.items():
        for tag in tags.get(paragraph_id, []):
            if tag.scheme == gcm.SCHEME and tag.code in counts:
                counts[tag.code].append(number)
    titles = {code: (es if locale == "es" else en) for code, en, es in gcm.OBJECTIVES}
    return [
        Objective(code, titles[code], len(numbers), tuple(numbers))
        for code, numbers in counts.items()
    ]
