"""GCM objectives on a few paragraphs of the demo conclusions, as a secretariat would tag them."""

from __future__ import annotations

from drafting.extensions import db
from drafting.models import Document, ParagraphTag, Tag
from drafting.services.documents import tree
from drafting.services.tags import seed_gcm

# paragraph number -> tags ("gcm:<objective>" or a free tag)
DEMO_TAGS: dict[str, list[str]] = {
    "1": ["gcm:23"],
    "1.a": ["gcm:23"],
    "4": ["gcm:14", "gcm:10", "gcm:9"],
    "4.a": ["gcm:7"],
    "6": ["gcm:7", "free:gender"],
    "8": ["gcm:15", "free:health"],
    "11": ["gcm:19"],
    "12": ["gcm:16", "gcm:23"],
    "14": ["gcm:1"],
    "14.a": ["gcm:1"],
    "16.b": ["gcm:6"],
    "16.d": ["gcm:8"],
}


def tag_demo(document: Document) -> None:
    """Seed the objectives and tag the demo text (no audit entries: this is set-up data)."""
    seed_gcm()
    numbers = {p.number: p.id for p in tree(document)}
    for number, keys in DEMO_TAGS.items():
        paragraph_id = numbers.get(number)
        if paragraph_id is None:
            continue
        for key in keys:
            scheme, code = key.split(":", 1)
            tag = db.session.query(Tag).filter_by(scheme=scheme, code=code).one_or_none()
            if tag is None:
                tag = Tag(scheme=scheme, code=code, label=code)
                db.session.add(tag)
                db.session.flush()
            db.session.add(ParagraphTag(paragraph_id=paragraph_id, tag_id=tag.id))
    db.session.flush()
