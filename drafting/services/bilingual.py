"""Keeping the languages of a paragraph in step: confirming that a translation still holds
after the other language changed."""

from __future__ import annotations

from drafting.database import lock_row
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Document, Paragraph, User, Version
from drafting.services.documents import pending_translations
from drafting.services.editing import Saved, latest_by_lang, paragraph_of, store_version
from drafting.services.errors import BadInput, Conflict


def confirm_unchanged(
    document: Document, paragraph_id: object, user: User, lang: object
) -> Version:
    """Store the `lang` text again, unchanged, as following the other language's last change:
    the paragraph is back in step without anyone retyping it."""
    if document.is_adopted:
        raise Conflict("the document is adopted and can no longer change")
    if not isinstance(lang, str) or lang not in document.languages:
        raise BadInput(f"lang must be one of {', '.join(document.languages)}")
    paragraph = paragraph_of(document, paragraph_id)
    lock_row(Paragraph, paragraph.id)
    versions = latest_by_lang(paragraph.id)
    if lang not in pending_translations(document.languages, versions):
        raise Conflict(f"the {lang} text of this paragraph is not pending; nothing to confirm")
    current = versions.get(lang)
    if current is None:
        raise Conflict(f"there is no {lang} text to confirm yet; write the translation")
    version = store_version(document, paragraph, user, lang, current.text, base=current)
    publish(
        db.session,
        document.id,
        "paragraph_updated",
        Saved(version, "", current.text).broadcast(user) | {"translation_confirmed": True},
    )
    return version
