"""The canonical serialisation of a text, whose SHA-256 seals the adopted document."""

from __future__ import annotations

import hashlib
import json

from drafting.models import Document
from drafting.services.documents import tree


def canonical_text(document: Document) -> bytes:
    """Title, symbol and every paragraph's number, section and texts, in reading order,
    as compact sorted JSON in UTF-8: the same text always gives the same bytes."""
    payload = {
        "title": document.title,
        "symbol": document.symbol,
        "languages": list(document.languages),
        "paragraphs": [
            {"number": p.number, "section": p.section, "text": dict(sorted(p.text.items()))}
            for p in tree(document)
        ],
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sha256_of(document: Document) -> str:
    return hashlib.sha256(canonical_text(document)).hexdigest()
