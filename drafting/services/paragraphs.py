"""A paragraph's text and standing: storing new texts (full texts over HTTP, patches from
live editing), the negotiation status the chair sets, and keeping its languages in step."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from drafting import clock
from drafting.database import append_row, lock_paragraphs, lock_row, transaction_memo
from drafting.events import publish
from drafting.extensions import db
from drafting.models import Document, Paragraph, User, Version
from drafting.models.base import MAX_ID
from drafting.models.guards import refuse_frozen
from drafting.models.integrity import row_hash
from drafting.models.text import ParagraphStatus, VersionSource
from drafting.reasons import Reason
from drafting.services import ad_referendum, audit, changes
from drafting.services.documents import pending_in
from drafting.services.errors import BadInput, Conflict, NotFound
from drafting.text import textdiff
from drafting.text.brackets import is_bracketed, problem
from drafting.text.rebase import insertion_ends, rebase

MAX_PARAGRAPH_LENGTH = 20_000


def latest(paragraph_id: int, lang: str) -> Version | None:
    return db.session.scalar(
        select(Version)
        .where(Version.paragraph_id == paragraph_id, Version.lang == lang)
        .order_by(Version.seq.desc())
        .limit(1)
    )


def _newest_versions_query():
    newest = (
        select(Version.lang, func.max(Version.seq).label("seq"))
        .where(Version.paragraph_id == bindparam("paragraph_id"))
        .group_by(Version.lang)
        .subquery()
    )
    return (
        select(Version)
        .join(newest, (Version.lang == newest.c.lang) & (Version.seq == newest.c.seq))
        .where(Version.paragraph_id == bindparam("paragraph_id"))
        .options(lazyload(Version.delegation))  # not needed by an edit: no join, no objects
    )


# Built once: it is asked on every keystroke, and building it cost more than running it.
NEWEST_VERSIONS = _newest_versions_query()


def latest_by_lang(paragraph_id: int) -> dict[str, Version]:
    """The newest version per language; reads one row per language, not the whole history
    (a paragraph edited live for an hour has thousands of versions)."""
    read_ahead = transaction_memo(NEWEST_READ_AHEAD)
    if paragraph_id in read_ahead:
        return read_ahead.pop(paragraph_id)  # once: the edit that takes it may write a newer
    rows = db.session.scalars(NEWEST_VERSIONS, {"paragraph_id": paragraph_id})
    return {version.lang: version for version in rows}


def _newest_of_many_query():
    newest = (
        select(Version.paragraph_id, Version.lang, func.max(Version.seq).label("seq"))
        .where(Version.paragraph_id.in_(bindparam("ids", expanding=True)))
        .group_by(Version.paragraph_id, Version.lang)
        .subquery()
    )
    on_newest = (
        (Version.paragraph_id == newest.c.paragraph_id)
        & (Version.lang == newest.c.lang)
        & (Version.seq == newest.c.seq)
    )
    return select(Version).join(newest, on_newest).options(lazyload(Version.delegation))


NEWEST_OF_MANY = _newest_of_many_query()
NEWEST_READ_AHEAD = "newest versions read ahead"  # transaction memo: paragraph id -> newest
PARAGRAPHS_READ_AHEAD = "paragraphs read ahead"  # transaction memo: paragraph id -> paragraph


def read_ahead(document: Document, paragraph_ids: Collection[object]) -> None:
    """Read what a group of live edits stored together will ask for, in three statements
    instead of three per edit: the paragraphs (locked, on PostgreSQL) and the newest versions
    of each, which the first edit of a paragraph then takes instead of asking
    (latest_by_lang). Ids that are not the document's paragraphs are left for the edits to
    refuse."""
    ids = sorted(
        {
            i
            for i in paragraph_ids
            if isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID
        }
    )
    if not ids:
        return
    lock_paragraphs(document.id, ids)
    found = db.session.scalars(
        select(Paragraph).where(Paragraph.id.in_(ids), Paragraph.document_id == document.id)
    ).all()
    newest: dict[int, dict[str, Version]] = {paragraph.id: {} for paragraph in found}
    for version in db.session.scalars(NEWEST_OF_MANY, {"ids": list(newest)}):
        newest[version.paragraph_id][version.lang] = version
    transaction_memo(NEWEST_READ_AHEAD).update(newest)
    transaction_memo(PARAGRAPHS_READ_AHEAD).update((p.id, p) for p in found)  # held: the
    # session keeps its objects only while something refers to them


def version_at(paragraph_id: int, lang: str, seq: int) -> Version | None:
    return db.session.scalar(
        select(Version).where(
            Version.paragraph_id == paragraph_id, Version.lang == lang, Version.seq == seq
        )
    )


def paragraph_of(document: Document, paragraph_id: object) -> Paragraph:
    if isinstance(paragraph_id, bool) or not isinstance(paragraph_id, int):
        raise BadInput("paragraph_id must be an integer")
    if not 0 < paragraph_id <= MAX_ID:
        raise NotFound("paragraph not found")  # no row has it; SQLite cannot even bind it
    paragraph = db.session.get(Paragraph, paragraph_id)
    if paragraph is None or paragraph.document_id != document.id:
        raise NotFound("paragraph not found")
    return paragraph


def validate_text(
    document: Document,
    lang: str,
    text: object,
    *,
    balanced: bool = True,
    number: str | None = None,
) -> str:
    """The text, if the document may hold it; ``balanced=False`` lets a bracket stay open
    (live typing: ``[`` comes before its ``]``). A refusal names the bracket by its word,
    and by the paragraph's ``number`` where the caller knows it."""
    if lang not in document.languages:
        raise BadInput(
            f"language {lang!r} is not one of this document's ({', '.join(document.languages)})"
        )
    if not isinstance(text, str):
        raise BadInput("text must be a string")
    if len(text) > MAX_PARAGRAPH_LENGTH:
        raise BadInput(f"a paragraph may hold at most {MAX_PARAGRAPH_LENGTH} characters")
    if "\x00" in text:
        raise BadInput("text holds a NUL character")
    found = problem(text) if balanced else None
    if found is not None:
        reason = (
            Reason.of(f"paragraph_{found.code}", paragraph=number, word=found.word)
            if number
            else Reason.of(found.code, word=found.word)
        )
        raise BadInput(reason, reasons=[reason], position=found.position)
    return text


def source_first(document: Document, texts: dict[str, str]) -> list[tuple[str, str]]:
    """Texts of several languages in the order to store them: the source language first,
    so the translations stored with it are written against it."""
    return sorted(texts.items(), key=lambda item: item[0] != document.languages[0])


def status_after_edit(status: ParagraphStatus, text: str) -> ParagraphStatus:
    """Brackets are read from the text; a change to agreed text reopens it."""
    if status == ParagraphStatus.DELETED:
        return status
    return ParagraphStatus.BRACKETED if is_bracketed(text) else ParagraphStatus.OPEN


def current_payload(version: Version | None) -> dict:
    return {"text": version.text if version else "", "version": version.seq if version else 0}


def store_version(
    document: Document,
    paragraph: Paragraph,
    user: User | None,
    lang: str,
    text: str,
    *,
    source: VersionSource = VersionSource.EDIT,
    amendment_id: int | None = None,
    base: Version | None = None,
    delegation_id: int | None = None,
    audited: bool = True,
    source_version_id: int | None = None,
    newest: dict[str, Version] | None = None,
) -> Version:
    """Append a version (the paragraph row is locked by the caller) and update the status.
    With ``audited=False`` the caller records the version in its own audit entry.

    A translation records the source-language version it was written against: the current
    one, unless the caller knows better (a restored translation keeps its own). ``newest``:
    the paragraph's latest versions, when the caller has just read them under the lock."""
    others = latest_by_lang(paragraph.id) if newest is None else newest
    current = others.get(lang)
    translation_of = None
    if lang != document.languages[0]:
        original = others.get(document.languages[0])
        translation_of = source_version_id or (original.id if original else None)
    values = {
        "paragraph_id": paragraph.id,
        "lang": lang,
        "seq": (current.seq + 1) if current else 1,
        "text": text,
        "author_id": user.id if user else None,
        "delegation_id": delegation_id or (user.delegation_id if user else None),
        "created_at": clock.now(),
        "source": source,
        "amendment_id": amendment_id,
        "base_version_id": (base or current).id if (base or current) else None,
        "translation_of_id": translation_of,
    }
    values["hash"] = row_hash("version", values)
    new_status = status_after_edit(paragraph.status, text)
    status_changed = new_status != paragraph.status
    if status_changed:
        if paragraph.status == ParagraphStatus.AGREED_AD_REF:
            ad_referendum.supersede(paragraph.id, user)  # agreed to a text that changed
        paragraph.status = new_status
    try:
        db.session.flush()  # the status, through the guards
        refuse_frozen(db.session(), document.id)
        version = append_row(Version, values)
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            "another change to this paragraph was saved at the same time; try again",
            current=current_payload(latest(paragraph.id, lang)),
        ) from None
    version.paragraph = paragraph
    if audited:
        audit.record(
            "edit",
            document=document,
            user=user,
            rows=[version],
            layout=status_changed,
            paragraph_id=paragraph.id,
            lang=lang,
            version=version.seq,
            source=source.value,
        )
    return version


@dataclass(frozen=True)
class Saved:
    """A stored edit, with the two messages it produces: the author's ack and the others'
    broadcast, built side by side so they cannot disagree on the version."""

    version: Version
    patch: str
    previous_text: str
    newest: dict[str, Version] | None = None  # the paragraph's latest versions, this one in

    @property
    def ack(self) -> dict:
        """What the author's socket gets back: the stored version, to rebase on, and the
        paragraph's badges (:func:`badges`)."""
        return {
            "paragraph_id": self.version.paragraph_id,
            "lang": self.version.lang,
            "version": self.version.seq,
            "text": self.version.text,
            **self.badges,
        }

    @cached_property
    def badges(self) -> dict:
        """Read once for the ack and the broadcast."""
        return badges(self.version.paragraph, self.newest)

    def broadcast(self, author: User | None) -> dict:
        """The others' update: the version, the patch from the version before, and the text
        it makes or only its SHA-1 (:func:`carried_text`)."""
        return {
            "paragraph_id": self.version.paragraph_id,
            "lang": self.version.lang,
            "version": self.version.seq,
            "patch": self.patch,
            **carried_text(self.version.text),
            "author": author.delegation.code if author else None,
            "author_name": author.name if author else None,
            **self.badges,
        }


def carried_text(text: str) -> dict:
    """What an update carries of its text (SPEC §7): the text, or with LIVE_UPDATE_HASHES only
    its SHA-1, for the client to check the patch it applies to the version before (and ask
    `resync` when a version is missing or the hash differs). The hash is a quarter of the
    bytes of a typical paragraph's update, for every recipient; but each client then
    patches and hashes, which on one machine shared by the server and its clients (the
    benchmark) cost more than the bytes saved: 200 authors carried 790 edits/s with the
    text and 590 with the hash (bench/README.md). Off by default, for that reason."""
    if current_app.config["LIVE_UPDATE_HASHES"]:
        return {"text_sha1": textdiff.text_sha1(text)}
    return {"text": text}


def badges(paragraph: Paragraph, newest: dict[str, Version] | None = None) -> dict:
    """What the page shows beside a paragraph, sent with every change of its text so every
    viewer's badges follow: its status, the languages whose translation is pending, and per
    language the bracket that is still open (by the word next to it)."""
    texts = latest_by_lang(paragraph.id) if newest is None else newest
    found = {lang: problem(v.text) for lang, v in texts.items()}
    return {
        "status": paragraph.status.value,
        "translation_pending": pending_in(paragraph.document.languages, texts),
        "brackets": {lang: p.as_json() for lang, p in found.items() if p is not None},
    }


def save_text(
    document: Document,
    paragraph_id: int,
    user: User,
    lang: str,
    text: object,
    base_version: object,
    *,
    skip_sid: str | None = None,
) -> Saved:
    """Store a full new text written against `base_version`; 409 with the current text if
    someone else changed the paragraph meanwhile."""
    if document.is_adopted:
        raise Conflict("the document is adopted and can no longer change")
    paragraph = paragraph_of(document, paragraph_id)
    text = validate_text(document, lang, text)
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 0:
        raise BadInput("base_version must be the version number the text was written against")
    lock_row(Paragraph, paragraph.id)
    current = latest(paragraph.id, lang)
    current_seq = current.seq if current else 0
    if base_version != current_seq:
        raise Conflict(
            f"the paragraph is at version {current_seq}, not {base_version}",
            current=current_payload(current),
        )
    return _store_and_announce(document, paragraph, user, lang, text, current, skip_sid)


def apply_edit(
    document: Document,
    paragraph_id: int,
    user: User,
    lang: str,
    base_version: object,
    patch_text: object,
    *,
    skip_sid: str | None = None,
) -> Saved:
    """Apply a live editor's diff-match-patch patch written against ``base_version``.

    The patch is applied to the text it was made from and the result rebased onto the
    current text, so keystrokes typed against an older version all survive (differential
    synchronisation with an exact base). A patch that does not fit its base is tried
    fuzzily on the current text; failing that, 409 with the current text. An edit sent again
    because its acknowledgement was lost with the connection is answered with the version it
    already made instead of being applied twice.
    """
    if document.is_adopted:
        raise Conflict("the document is adopted and can no longer change")
    paragraph = paragraph_of(document, paragraph_id)
    validate_text(document, lang, "")
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 0:
        raise BadInput("base_version must be a version number")
    try:
        textdiff.parse_patch(patch_text)  # type: ignore[arg-type]
    except textdiff.InvalidPatch as error:
        raise BadInput(f"invalid patch: {error}") from None
    lock_row(Paragraph, paragraph.id)
    newest = latest_by_lang(paragraph.id)  # read once: the base, the translation link, badges
    current = newest.get(lang)
    current_seq = current.seq if current else 0
    if base_version > current_seq:
        raise Conflict("unknown base version", current=current_payload(current))
    base = current if base_version == current_seq else version_at(paragraph.id, lang, base_version)
    typing_at: list[int] = []
    if base_version < current_seq:
        typing_at = _typing_at(base, user)
        earlier = _same_edit_stored(paragraph.id, lang, user, base, patch_text, typing_at)  # type: ignore[arg-type]
        if earlier is not None:
            return Saved(earlier, "", earlier.text)
    text = patched_text(
        patch_text,  # type: ignore[arg-type]
        base.text if base else "",
        current.text if current else "",
        current=current,
        typing_at=typing_at,
    )
    text = validate_text(document, lang, text, balanced=False)  # a bracket may be open
    return _store_and_announce(
        document, paragraph, user, lang, text, current, skip_sid, base, newest=newest
    )


def patched_text(
    patch_text: str,
    base_text: str,
    current_text: str,
    *,
    current: Version | None = None,
    typing_at: Collection[int] = (),
) -> str:
    """The current text with the patch's edits (made from ``base_text``) carried over;
    ``typing_at`` are the spots of ``base_text`` where the patch's author was typing."""
    exact = textdiff.apply_patch(patch_text, base_text)
    if isinstance(exact, textdiff.Applied):
        return rebase(base_text, exact.text, current_text, mine_at=typing_at)
    fuzzy = textdiff.apply_patch(patch_text, current_text)
    if isinstance(fuzzy, textdiff.MergeConflict):
        raise Conflict(
            "the patch no longer applies; rebase on the current text",
            current=current_payload(current),
        )
    return fuzzy.text


def _typing_at(base: Version | None, user: User) -> list[int]:
    """Where ``user`` was typing in ``base``: the ends of what their own edit inserted, when
    ``base`` is the version that edit made (the usual base of the next keystrokes). An
    insertion carried over there continues their word, ahead of anyone else's."""
    if base is None or base.author_id != user.id or base.source != VersionSource.EDIT:
        return []
    before = version_at(base.paragraph_id, base.lang, base.seq - 1)
    return insertion_ends(before.text if before else "", base.text)


def _same_edit_stored(
    paragraph_id: int,
    lang: str,
    user: User,
    base: Version | None,
    patch_text: str,
    typing_at: Collection[int],
) -> Version | None:
    """The version this very edit already produced, if it was stored before (same author,
    same base, and the text it would make from that version's predecessor)."""
    query = select(Version).where(
        Version.paragraph_id == paragraph_id,
        Version.lang == lang,
        Version.seq > (base.seq if base else 0),
        Version.author_id == user.id,
        Version.source == VersionSource.EDIT,
    )
    if base is not None:
        query = query.where(Version.base_version_id == base.id)
    for candidate in db.session.scalars(query.order_by(Version.seq)):
        before = version_at(paragraph_id, lang, candidate.seq - 1)
        base_text, before_text = (base.text if base else ""), (before.text if before else "")
        try:
            again = patched_text(patch_text, base_text, before_text, typing_at=typing_at)
        except Conflict:
            continue
        if again == candidate.text:
            return candidate
    return None


def _store_and_announce(
    document, paragraph, user, lang, text, current, skip_sid, base=None, newest=None
) -> Saved:
    previous = current.text if current else ""
    if current is not None and current.text == text:
        return Saved(current, "", previous, newest)
    # base: the version the writer saw (for a live edit it may be older than the current one)
    version = store_version(
        document, paragraph, user, lang, text, base=base or current, newest=newest
    )
    after = None if newest is None else {**newest, lang: version}
    saved = Saved(version, textdiff.make_patch(previous, text), previous, after)
    publish(db.session, document.id, "paragraph_updated", saved.broadcast(user), skip_sid=skip_sid)
    changes.announce(document, paragraph.id, lang)
    return saved


SETTABLE = {"agreed_ad_ref", "agreed", "open"}


def set_status(
    document: Document,
    paragraph_id: int,
    user: User,
    status: object,
    *,
    delegation: object = None,
    until: object = None,
) -> Paragraph:
    """The chair sets a paragraph's status; `agreed_ad_ref` may name the delegation that
    agrees ad referendum and until when (SPEC §12), checked before anything is written."""
    if not isinstance(status, str) or status not in SETTABLE:
        raise BadInput(f"status must be one of {', '.join(sorted(SETTABLE))}")
    terms = None
    if delegation is not None or until is not None:
        if status != ParagraphStatus.AGREED_AD_REF:
            raise BadInput("delegation and until go only with the status agreed_ad_ref")
        terms = ad_referendum.terms(document, delegation, until)
    paragraph = paragraph_of(document, paragraph_id)
    lock_row(Paragraph, paragraph.id)
    if paragraph.status == ParagraphStatus.DELETED:
        raise Conflict("the paragraph is deleted")
    texts = latest_by_lang(paragraph.id)
    bracketed = any(is_bracketed(v.text) for v in texts.values())
    if status != "open" and bracketed:
        raise Conflict(
            "a bracketed paragraph cannot be agreed; remove the brackets first",
            reasons=[Reason.of("text_bracketed")],
        )
    new = ParagraphStatus(status)
    if status == "open" and bracketed:
        new = ParagraphStatus.BRACKETED
    before = paragraph.status
    given = None
    if terms is not None:
        given = ad_referendum.give(paragraph, user, *terms)
    elif new != ParagraphStatus.AGREED_AD_REF or before != new:
        ad_referendum.supersede(paragraph.id, user)
    paragraph.status = new
    details = {}
    if given is not None:
        details = {
            "ad_referendum_id": given.id,
            "delegation": given.delegation.code,
            "until": given.until.isoformat(),
        }
    audit.record(
        "status",
        document=document,
        user=user,
        layout=True,
        from_state=before.value,
        to_state=new.value,
        paragraph_id=paragraph.id,
        **details,
    )
    publish(
        db.session,
        document.id,
        "status_changed",
        {"paragraph_id": paragraph.id, "status": new.value, "by": user.delegation.code},
    )
    return paragraph


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
    if lang not in pending_in(document.languages, versions):
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
