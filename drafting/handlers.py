"""What every handler (JSON API, pages, socket events) does with a request: read the body,
load the document the caller may see, start a session, send a refused form back with its
reasons. Neutral ground: handlers import this module, never each other."""

from __future__ import annotations

import io
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, send_file, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.wrappers import Response

from drafting.extensions import db
from drafting.models import Document, User
from drafting.models.base import MAX_ID
from drafting.policy import Action, can_see_record, get_visible, require
from drafting.reasons import render
from drafting.services import sessions
from drafting.services.errors import BadInput, Forbidden, NotFound, ServiceError
from drafting.services.exports.revision_text import CURRENT


def body() -> dict[str, Any]:
    """The JSON object sent; malformed JSON or another shape is a 400."""
    if not request.is_json:
        if request.get_data(cache=True):
            raise BadInput("send the body as JSON (Content-Type: application/json)")
        return {}
    # A body sent without a length (chunked) is cut at the limit rather than refused up
    # front (security.limit_json_bodies); what was cut is still too large.
    limit = current_app.config["MAX_JSON_LENGTH"]
    if request.content_length is None and len(request.get_data(cache=True)) >= limit:
        raise RequestEntityTooLarge()
    try:
        data = request.get_json()
    except RequestEntityTooLarge:
        raise
    except BadRequest:
        raise BadInput("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadInput("the body must be a JSON object")
    return data


def viewer() -> User | None:
    """The logged-in user, or None for an anonymous visitor."""
    return current_user if current_user.is_authenticated else None


def document_for(document_id: int, action: Action = Action.VIEW) -> Document:
    """Load a document the caller can see (else 404) and check `action` (403 / 409)."""
    document = get_visible(viewer(), document_id)
    require(viewer(), action, document)
    return document


RECORD_NOT_PUBLIC = "only the adopted text and the reservations of this document are public"


def require_record(document: Document) -> None:
    """The negotiation record (amendments, comments, audit, changes) is the participants'
    unless the process publishes it (policy.can_see_record); others get 403."""
    if not can_see_record(viewer(), document):
        raise Forbidden([RECORD_NOT_PUBLIC])


def record_for(document_id: int) -> Document:
    """A document whose negotiation record the caller may read (404 / 403 otherwise)."""
    document = document_for(document_id)
    require_record(document)
    return document


def record_or_403(document_id: int) -> Document:
    """For pages: the document if its record is open to the viewer, else 404 / 403."""
    document = visible_or_404(document_id)
    if not can_see_record(viewer(), document):
        abort(403)
    return document


def integer(data: dict[str, Any], key: str, *, required: bool = True) -> int | None:
    """An id-sized integer from the body (booleans are not integers)."""
    value = data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{key} must be an integer")
    if abs(value) > MAX_ID:  # no column holds it; SQLite could not even bind it
        raise BadInput(f"{key} is out of range")
    return value


def string(data: dict[str, Any], key: str, *, required: bool = True, default: str = "") -> str:
    """A string from the body, or `default` when optional and absent."""
    value = data.get(key)
    if value is None:
        if required:
            raise BadInput(f"{key} is required")
        return default
    if not isinstance(value, str):
        raise BadInput(f"{key} must be a string")
    return value


def start_session(user: User) -> None:
    """A fresh session on every login, so a session id planted before login is worthless;
    it is also recorded on the server, so that ending it makes the cookie worthless too."""
    lang = session.get("lang")  # the language chosen before logging in stays
    session.clear()
    if lang:
        session["lang"] = lang
    login_id = sessions.start(user)
    db.session.commit()
    login_user(user)
    session[sessions.COOKIE_KEY] = login_id
    session.permanent = False


def login_session_id() -> str | None:
    """The server-side session this request's cookie belongs to."""
    return session.get(sessions.COOKIE_KEY)


def end_session() -> None:
    """Logout: the server forgets the session (and closes its sockets), then the cookie."""
    sessions.end(login_session_id())
    db.session.commit()
    logout_user()
    session.clear()


def safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot redirect elsewhere."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.home")
    return target


def visible_or_404(document_id: int) -> Document:
    """For pages: a document the viewer may not see is simply not there."""
    try:
        return get_visible(viewer(), document_id)
    except NotFound:
        abort(404)


def back_to(document_id: int, anchor: str | None = None) -> Response:
    """After a form post: back to the page it came from (same site only), at `anchor`."""
    fallback = url_for("web.document", document_id=document_id)
    target = safe_next(request.form.get("next") or fallback)
    if target == url_for("web.home"):
        target = fallback
    return redirect(target + (f"#{anchor}" if anchor and "#" not in target else ""))


def flash_error(error: ServiceError) -> None:
    """A refused form: nothing is kept, and the page says why."""
    db.session.rollback()
    reasons = [r for r in error.reasons or [] if r != error.message]
    flash(" ".join([render(error.message), *[f"— {render(r)}" for r in reasons]]), "error")


def back_to_paragraph(document_id: int, paragraph_id: int | None = None) -> str:
    """After a paragraph form: the parallel view if it came from there, else the document."""
    target = request.form.get("next") or ""
    if target in ("parallel",):
        return url_for("web.parallel_view", document_id=document_id) + (
            f"#p-{paragraph_id}" if paragraph_id else ""
        )
    return url_for("web.document", document_id=document_id) + (
        f"#p-{paragraph_id}" if paragraph_id else ""
    )


def flag(value: str | None) -> bool:
    """A yes/no query argument (`?lines=1`): absent is no; anything but 1/0/true/false a 400."""
    if value is None or value == "":
        return False
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise BadInput(f"{value[:20]!r} is not a yes/no value; use 1 or 0")


def optional_string(value: object) -> str | None:
    """A free-text field that may be absent or of another type: only a string counts."""
    return value if isinstance(value, str) else None


def query_language(document: Document) -> str:
    """`?lang=` if it is one of the document's languages, else the document's first."""
    lang = request.args.get("lang") or document.languages[0]
    return lang if lang in document.languages else document.languages[0]


def query_revision() -> str:
    """`?revision=` (a label such as Rev.1), or the current text."""
    return (request.args.get("revision") or CURRENT).strip() or CURRENT


def uploaded_file() -> tuple[str, bytes]:
    """The multipart field `file` as (file name, bytes), read no further than the size limit
    so an oversized upload is refused rather than held in memory."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput("a file is required (multipart field 'file')")
    return upload.filename, upload.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)


def previewing() -> bool:
    """`?preview=1` (or a form's preview button): answer what would happen, store nothing."""
    return request.args.get("preview") in ("1", "true") or request.form.get("preview") == "1"


def chosen_indexes() -> set[int] | None:
    """The form's `choose` fields (indexes from the preview); None when none was sent."""
    values = request.form.getlist("choose")
    if not values:
        return None
    if not all(value.isdigit() and len(value) < 7 for value in values):
        raise BadInput("choose must hold the numbers of the amendments to file")
    return {int(value) for value in values}


def download(data: bytes | str, mimetype: str, name: str) -> Response:
    """Every file the site hands out. werkzeug writes Content-Disposition by RFC 6266: an
    ASCII `filename="..."` (quotes escaped) and `filename*=UTF-8''...` for any other
    letters; control characters and path separators, which no file name may hold, go first."""
    clean = "".join(
        "-" if c in "/\\" else c for c in name if not unicodedata.category(c).startswith("C")
    )
    payload = data.encode("utf-8") if isinstance(data, str) else data
    response = send_file(
        io.BytesIO(payload),
        mimetype=mimetype,
        as_attachment=True,
        download_name=clean.strip() or "download",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
