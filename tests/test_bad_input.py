"""Bad input: oversized bodies and texts, malformed JSON, wrong types, hostile patches,
unknown ids, invalid transitions and deadlines, invalid uploads. Each gets a clear JSON error
with the right status and changes nothing; a hypothesis fuzz test over every JSON write
endpoint asserts no 500, an {"error"} body on every refusal, and no partial write.

Covered elsewhere, not repeated: a JSON body with Content-Length over 1 MB and an upload over
10 MB to /api/documents/import (test_documents.py), basic bad patches and bad edit fields
over the socket (test_live.py), the first invalid deadlines (test_workflow.py).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from support.fingerprint import column_states, row_counts
from werkzeug.http import parse_options_header

from drafting import clock
from drafting.extensions import db, socketio
from drafting.models import Version
from drafting.text import textdiff

PASSWORD = "demo-password"
PPT, DELEGATE, READER = "panama@demo.test", "mexico@demo.test", "secretariat@demo.test"


def login(client, email: str) -> str:
    response = client.post("/api/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["csrf_token"]


@dataclass
class Env:
    """The demo in committee review, the PPT (who may do nearly everything) logged in, a
    pending amendment by Mexico and a comment to reply to."""

    app: Any
    client: Any
    token: str
    reader: Any
    id: int
    paragraph: int
    amendment: int
    comment: int

    def post(self, url: str, body: Any = None, **kwargs):
        headers = {"X-CSRFToken": self.token, **kwargs.pop("headers", {})}
        if "data" in kwargs:
            return self.client.post(url, headers=headers, **kwargs)
        return self.client.post(url, json=body if body is not None else {}, headers=headers)

    def snapshot(self) -> tuple:
        """The document as the API shows it, and every row count and state in the database."""
        document = self.reader.get(f"/api/documents/{self.id}").get_data()
        listing = self.reader.get("/api/documents").get_data()
        with self.app.app_context():
            return document, listing, row_counts(), column_states()


@pytest.fixture
def env(app, demo) -> Env:
    mexico = app.test_client()
    token = login(mexico, DELEGATE)
    reader = app.test_client()
    login(reader, READER)
    demo.client = reader  # the demo reads through a member's eyes
    target = demo.paragraph("8.a")["id"]
    filed = mexico.post(
        f"/api/documents/{demo.id}/amendments",
        json={"kind": "modify", "paragraph_id": target, "text": "Decline it.", "rationale": "R."},
        headers={"X-CSRFToken": token},
    )
    assert filed.status_code == 201, filed.get_json()
    comment = mexico.post(
        f"/api/documents/{demo.id}/comments",
        json={"body": "A first comment.", "paragraph_id": target},
        headers={"X-CSRFToken": token},
    )
    assert comment.status_code == 201, comment.get_json()
    client = app.test_client()
    return Env(
        app,
        client,
        login(client, PPT),
        reader,
        demo.id,
        target,
        filed.get_json()["id"],
        comment.get_json()["id"],
    )


def refused(response, status: int, words: str = "") -> bool:
    data = response.get_json(silent=True)
    return (
        response.status_code == status
        and isinstance(data, dict)
        and isinstance(data.get("error"), str)
        and words.lower() in data["error"].lower()
    )


def assert_refusals(env: Env, cases: list[tuple[str, Any, int, str]]) -> None:
    """Each (url, body, status, words in the error) is refused so, and nothing changes."""
    before = env.snapshot()
    wrong = []
    for url, body, status, words in cases:
        response = env.post(url, body)
        if not refused(response, status, words):
            wrong.append((url, body if len(repr(body)) < 120 else "...", response.status_code,
                           response.get_data(as_text=True)[:160]))  # fmt: skip
    assert wrong == []
    assert env.snapshot() == before


# --------------------------------------------------------------------------------------------
# The JSON write endpoints and a valid body for each (the fuzz test's starting point)
# --------------------------------------------------------------------------------------------

DEADLINE = "2030-11-30T17:00:00-06:00"
BODIES: dict[str, tuple[str, dict[str, Any]]] = {
    "api.create_process": (
        "/api/processes",
        {"name": "A process", "languages": ["en"], "timezone": "UTC", "public_record": "text"},
    ),
    "api.add_participant": (
        "/api/processes/1/participants",
        {"email": "new@x.test", "name": "New", "delegation": "MX", "role": "delegate"},
    ),
    "api.hand_over_presidency": ("/api/processes/1/presidency", {"delegation": "CR"}),
    "api.login": ("/api/login", {"email": "nobody@example.org", "password": "a-password"}),
    "api.set_locale": ("/api/me/locale", {"locale": "en"}),
    "api.new_version": (
        "/api/documents/{id}/paragraphs/{paragraph}/versions",
        {"lang": "en", "text": "Rewritten.", "base_version": 1},
    ),
    "api.paragraph_status": (
        "/api/documents/{id}/paragraphs/{paragraph}/status",
        {"status": "agreed_ad_ref", "delegation": "MX", "until": DEADLINE},
    ),
    "api.take_transition": (
        "/api/documents/{id}/transitions/{name}",
        {"deadline": DEADLINE, "reason": "Time to read it again."},
    ),
    "api.file_amendment": (
        "/api/documents/{id}/amendments",
        {
            "kind": "modify",
            "paragraph_id": "{paragraph}",
            "lang": "en",
            "text": "Decline the proposal.",
            "texts": {"es": "Rechazar la propuesta."},
            "rationale": "Shorter.",
            "position": "after",
        },
    ),
    "api.decide": (
        "/api/amendments/{amendment}/decision",
        {"decision": "accept", "note": "Fine.", "text": "Decline it.", "lang": "en", "texts": {}},
    ),
    "api.recommend": (
        "/api/amendments/{amendment}/recommendation",
        {"recommendation": "accept_with_changes", "note": "Milder.", "text": "Decline it."},
    ),
    "api.restore": (
        "/api/documents/{id}/paragraphs/{paragraph}/restore",
        {"lang": "en", "version": 1},
    ),
    "api.add_comment": (
        "/api/documents/{id}/comments",
        {
            "body": "A comment.",
            "paragraph_id": "{paragraph}",
            "parent_id": "{comment}",
            "lang": "en",
            "anchor_start": 0,
            "anchor_end": 7,
        },
    ),
    "api.file_reservation": (
        "/api/documents/{id}/reservations",
        {"kind": "reservation", "text": "We reserve.", "paragraph_id": "{paragraph}", "lang": "en"},
    ),
    "api.paragraph_tags": (
        "/api/documents/{id}/paragraphs/{paragraph}/tags",
        {"add": ["gcm:3", "free:returns"], "remove": ["gcm:5"]},
    ),
    "api.suggest": (
        "/api/documents/{id}/paragraphs/{paragraph}/suggestions",
        {"lang": "en", "text": "A suggestion.", "base_version": 1},
    ),
    "api.confirm_translation": (
        "/api/documents/{id}/paragraphs/{paragraph}/confirm-translation",
        {"lang": "es"},
    ),
}
# the id in the path says it all
NO_BODY = {
    "api.co_sponsor",
    "api.withdraw",
    "api.logout",
    "api.read_notification",
    "api.accept_change",
    "api.reject_change",
    "api.confirm_ad_ref",
    "api.remind_silent",
    "api.sign_off",
}
UPLOADS = {"api.import_document", "api.import_amendments", "api.import_translation"}  # multipart


def fill(value: Any, env: Env, name: str = "open_round") -> Any:
    ids = {
        "id": env.id,
        "paragraph": env.paragraph,
        "amendment": env.amendment,
        "comment": env.comment,
        "name": name,
    }
    if isinstance(value, str) and value.startswith("{") and value.strip("{}") in ids:
        return ids[value.strip("{}")]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: fill(item, env, name) for key, item in value.items()}
    return value


def test_every_json_write_endpoint_is_listed(app):
    """A new JSON write fails here until BODIES (and so the fuzz test) knows its body."""
    posts = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint.startswith("api.")
    }
    assert sorted(posts - set(BODIES) - NO_BODY - UPLOADS) == []
    assert sorted((set(BODIES) | NO_BODY | UPLOADS) - posts) == []


# --------------------------------------------------------------------------------------------
# Malformed JSON, wrong shapes, wrong types
# --------------------------------------------------------------------------------------------


def test_malformed_json_and_other_shapes_are_clear_400s(env):
    before = env.snapshot()
    wrong = []
    for endpoint, (path, _body) in BODIES.items():
        url = fill(path, env)
        for raw in ["{not json", '{"lang": "en",}', "[1, 2]", '"text"', "42", "null", "true"]:
            response = env.post(url, data=raw, content_type="application/json")
            if not refused(response, 400):
                wrong.append((endpoint, raw, response.status_code))
        for raw, content_type in [
            (b'{"a": "\xff\xfe"}', "application/json"),  # not UTF-8
            (b'{"lang": "en"}', "text/plain"),  # JSON in disguise
            (b"lang=en", "application/x-www-form-urlencoded"),
        ]:
            response = env.post(url, data=raw, content_type=content_type)
            if not refused(response, 400):
                wrong.append((endpoint, raw, response.status_code))
    assert wrong == []
    assert env.snapshot() == before


def test_wrong_types_are_clear_400s(env):
    doc = f"/api/documents/{env.id}"
    versions = f"{doc}/paragraphs/{env.paragraph}/versions"
    amendments = f"{doc}/amendments"
    modify = {"kind": "modify", "paragraph_id": env.paragraph, "text": "Decline it, please."}
    cases = [
        (versions, {"lang": "en", "text": 5, "base_version": 1}, 400, "text"),
        (versions, {"lang": "en", "text": ["a"], "base_version": 1}, 400, "text"),
        (versions, {"lang": "en", "text": "x", "base_version": "1"}, 400, "base_version"),
        (versions, {"lang": "en", "text": "x", "base_version": 1.0}, 400, "base_version"),
        (versions, {"lang": "en", "text": "x", "base_version": True}, 400, "base_version"),
        (versions, {"lang": "en", "text": "x", "base_version": -1}, 400, "base_version"),
        (versions, {"lang": "en", "text": "x", "base_version": 2**64}, 400, "base_version"),
        (versions, {"lang": ["en"], "text": "x", "base_version": 1}, 400, "lang"),
        (versions, {"lang": "xx", "text": "x", "base_version": 1}, 400, "language"),
        (versions, {"text": "x", "base_version": 1}, 400, "lang"),
        (versions, {"lang": "en", "text": "a\x00b", "base_version": 1}, 400, "NUL"),
        (f"{doc}/paragraphs/{env.paragraph}/status", {"status": ["agreed"]}, 400, "status"),
        (f"{doc}/paragraphs/{env.paragraph}/status", {"status": "deleted"}, 400, "status"),
        (amendments, {**modify, "kind": "replace"}, 400, "kind"),
        (amendments, {**modify, "kind": None}, 400, "kind"),
        (amendments, {**modify, "paragraph_id": "8.a"}, 400, "paragraph_id"),
        (amendments, {**modify, "paragraph_id": 1.5}, 400, "paragraph_id"),
        (amendments, {**modify, "paragraph_id": 10**30}, 404, "paragraph"),
        (amendments, {**modify, "text": {"en": "x"}}, 400, "text"),
        (amendments, {**modify, "texts": ["x"]}, 400, "texts"),
        (amendments, {**modify, "texts": {"es": 5}}, 400, "texts"),
        (amendments, {**modify, "texts": {"fr": "Texte."}}, 400, "language"),
        (amendments, {**modify, "rationale": 5}, 400, "rationale"),
        (amendments, {**modify, "lang": 5}, 400, "lang"),
        (amendments, {**modify, "kind": "insert", "position": "before"}, 400, "position"),
        (f"/api/amendments/{env.amendment}/decision", {"decision": True}, 400, "decision"),
        (
            f"/api/amendments/{env.amendment}/decision",
            {"decision": "accept", "note": 5},
            400,
            "note",
        ),
        (
            f"/api/amendments/{env.amendment}/decision",
            {"decision": "accept", "texts": "x"},
            400,
            "texts",
        ),
        (f"{doc}/comments", {"body": 5}, 400, "body"),
        (f"{doc}/comments", {"body": "  "}, 400, "body"),
        (f"{doc}/comments", {"body": "x", "paragraph_id": "1"}, 400, "paragraph_id"),
        (f"{doc}/comments", {"body": "x", "parent_id": True}, 400, "parent_id"),
        (f"{doc}/comments", {"body": "x", "parent_id": 999999}, 404, "comment"),
        (f"{doc}/comments", {"body": "x", "parent_id": 10**30}, 400, "out of range"),
        (
            f"{doc}/comments",
            {"body": "x", "paragraph_id": env.paragraph, "anchor_start": 5},
            400,
            "anchor",
        ),
        (
            f"{doc}/comments",
            {"body": "x", "paragraph_id": env.paragraph, "anchor_start": 5, "anchor_end": 10**6},
            400,
            "anchor",
        ),
        (f"{doc}/reservations", {"kind": "protest", "text": "x"}, 400, "kind"),
        (f"{doc}/reservations", {"text": ["x"]}, 400, "text"),
        (f"{doc}/reservations", {"text": "x", "lang": "fr"}, 400, "lang"),
        (f"{doc}/paragraphs/{env.paragraph}/tags", {"add": "gcm:3"}, 400, "list"),
        (f"{doc}/paragraphs/{env.paragraph}/tags", {"add": [5]}, 400, "tags"),
        (f"{doc}/paragraphs/{env.paragraph}/tags", {"add": ["gcm:99"]}, 400, "unknown"),
        (f"{doc}/paragraphs/{env.paragraph}/tags", {"add": ["free:<b>"]}, 400, "free tag"),
        (f"{doc}/paragraphs/{env.paragraph}/tags", {}, 400, "add"),
        (f"{doc}/paragraphs/{env.paragraph}/restore", {"lang": "en", "version": "1"}, 400, ""),
        (f"{doc}/paragraphs/{env.paragraph}/restore", {"lang": 5, "version": 1}, 400, "lang"),
        (f"{doc}/paragraphs/{env.paragraph}/restore", {"lang": "en", "version": 7}, 404, "7"),
        (f"{doc}/paragraphs/{env.paragraph}/confirm-translation", {"lang": 5}, 400, "lang"),
        (f"{doc}/transitions/break_silence", {"reason": 5}, 403, ""),  # the PPT never may
        ("/api/me/locale", {"locale": "fr"}, 400, "locale"),
        ("/api/me/locale", {"locale": ["en"]}, 400, "locale"),
        ("/api/login", {"email": 5, "password": "x"}, 400, "required"),
        ("/api/login", {"email": "panama@demo.test"}, 400, "required"),
    ]
    assert_refusals(env, cases)


# --------------------------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------------------------


def test_paragraph_texts_over_20000_characters_are_refused(env):
    doc = f"/api/documents/{env.id}"
    versions = f"{doc}/paragraphs/{env.paragraph}/versions"
    huge = "x" * 20_001
    cases = [
        (versions, {"lang": "en", "text": huge, "base_version": 1}, 400, "20000"),
        (versions, {"lang": "es", "text": huge, "base_version": 1}, 400, "20000"),
        (
            f"{doc}/amendments",
            {"kind": "modify", "paragraph_id": env.paragraph, "text": huge},
            400,
            "20000",
        ),
        (
            f"{doc}/amendments",
            {"kind": "insert", "paragraph_id": env.paragraph, "texts": {"es": huge}},
            400,
            "20000",
        ),
        (
            f"/api/amendments/{env.amendment}/decision",
            {"decision": "accept", "text": huge},
            400,
            "20000",
        ),
        (f"{doc}/comments", {"body": "x" * 5_001}, 400, "5000"),
        (f"{doc}/reservations", {"text": "x" * 5_001}, 400, "5000"),
        (
            f"{doc}/amendments",
            {"kind": "modify", "paragraph_id": env.paragraph, "text": "y", "rationale": huge},
            400,
            "rationale",
        ),
        (
            f"/api/amendments/{env.amendment}/decision",
            {"decision": "reject", "note": huge},
            400,
            "note",
        ),
        (
            f"{doc}/transitions/open_round",
            {"deadline": DEADLINE, "reason": "r" * 500_000},
            400,
            "reason",
        ),
    ]
    assert_refusals(env, cases)
    exactly = env.post(versions, {"lang": "en", "text": "x" * 20_000, "base_version": 1})
    assert exactly.status_code == 201, exactly.get_json()  # the limit itself is allowed


def test_a_json_body_without_content_length_is_cut_at_one_megabyte(env):
    """A chunked body declares no length; it is still never read past 1 MB."""
    url = f"/api/documents/{env.id}/paragraphs/{env.paragraph}/versions"
    body = b'{"lang": "en", "text": "' + b"x" * (1024 * 1024 + 10) + b'", "base_version": 1}'
    before = env.snapshot()
    response = env.client.post(
        url,
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"X-CSRFToken": env.token, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert refused(response, 413)
    assert env.snapshot() == before


def test_an_amendment_file_over_ten_megabytes_is_413(env):
    mexico = env.app.test_client()
    token = login(mexico, DELEGATE)
    before = env.snapshot()
    response = mexico.post(
        f"/api/documents/{env.id}/amendments/import",
        data={"file": (io.BytesIO(b"PK" + b"\0" * (10 * 1024 * 1024 + 10)), "marked.docx")},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )
    assert refused(response, 413)
    assert env.snapshot() == before


# --------------------------------------------------------------------------------------------
# Unknown ids, invalid transitions and deadlines
# --------------------------------------------------------------------------------------------

UNKNOWN = 999_999


def test_unknown_ids_are_404_json_on_every_api_route(env):
    """Every API route with an id, each id in turn replaced by one that does not exist (and
    by one no database could hold), the rest valid: 404 with a JSON error."""
    valid = {
        "document_id": env.id,
        "paragraph_id": env.paragraph,
        "amendment_id": env.amendment,
        "name": "open_round",
    }
    before = env.snapshot()
    wrong = []
    checked = 0
    for rule in env.app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        ids = [name for name in rule.arguments if name.endswith("_id")]
        for name in ids:
            for unknown in (UNKNOWN, 10**30):
                path = rule.rule
                for argument, value in {**valid, name: unknown}.items():
                    path = path.replace(f"<int:{argument}>", str(value))
                    path = path.replace(f"<{argument}>", str(value))
                for method in rule.methods & {"GET", "POST"}:
                    endpoint = rule.endpoint
                    body = fill(BODIES.get(endpoint, ("", {}))[1], env)
                    response = env.client.get(path) if method == "GET" else env.post(path, body)
                    checked += 1
                    if not refused(response, 404):
                        wrong.append((method, path, response.status_code))
    assert checked > 40
    assert wrong == []
    assert env.snapshot() == before
    # HTML pages too, and an unknown process for an import.
    for url in (f"/documents/{UNKNOWN}", f"/documents/{10**30}/print", f"/processes/{UNKNOWN}"):
        assert env.client.get(url).status_code == 404, url
    response = env.post(
        "/api/documents/import",
        data={"file": (io.BytesIO(b"1. Text.\n"), "t.txt"), "process_id": str(UNKNOWN)},
        content_type="multipart/form-data",
    )
    assert refused(response, 404, "process")


def test_unknown_revisions_languages_and_formats_are_clear_errors(env):
    doc = f"/api/documents/{env.id}"
    for url, status in [
        (f"{doc}/changes?from=Rev.99", 404),
        (f"{doc}/changes?from=Draft&to=Rev.99", 404),
        (f"{doc}/export?format=docx&revision=Rev.99", 404),
        (f"{doc}/export?format=odt", 400),
        (f"{doc}/paragraphs/{env.paragraph}/versions?lang=fr", 400),
        (f"{doc}/amendments?paragraph_id=x", 400),
        (f"{doc}/comments?paragraph_id=-1", 400),
        (f"{doc}/amendments?status=lost", 400),
    ]:
        response = env.client.get(url)
        assert refused(response, status), (url, response.status_code, response.get_data()[:200])


def test_invalid_transitions_are_404_and_change_nothing(env):
    doc = f"/api/documents/{env.id}/transitions"
    names = ["OPEN_ROUND", "open_round;", "open-round", "x" * 300, "ábrete", "%00", "__init__"]
    cases = [(f"{doc}/{name}", {"deadline": DEADLINE}, 404, "") for name in names]
    cases.append((f"{doc}/start_reading", {}, 404, "not a step"))  # another workflow's
    assert_refusals(env, cases)


def test_invalid_deadlines_are_400_and_change_nothing(env):
    past = (clock.now() - timedelta(minutes=1)).isoformat(timespec="seconds")
    url = f"/api/documents/{env.id}/transitions/open_round"
    deadlines = [
        None,
        "",
        "   ",
        5,
        1.5e9,
        True,
        ["2030-11-30T17:00:00-06:00"],
        {"at": "2030-11-30T17:00:00-06:00"},
        "tomorrow",
        "2030-11-30",  # a date without time or offset
        "2030-11-30T17:00:00",  # no offset
        "2030-02-30T17:00:00-06:00",  # no such day
        "2030-11-30T25:00:00-06:00",
        "2030-11-30T17:00:00+25:00",
        "9999-12-31T23:00:00-06:00",  # in UTC it is the year 10000
        "0001-01-01T00:00:00+00:00",
        past,
    ]
    assert_refusals(env, [(url, {"deadline": d}, 400, "deadline") for d in deadlines])


# --------------------------------------------------------------------------------------------
# Uploads
# --------------------------------------------------------------------------------------------


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb(*, lying: bool) -> bytes:
    """A .docx whose document.xml expands to 60 MB of zeros (about 60 KB compressed). With
    `lying`, its headers claim the member is 1 KB, so a size check alone would not see it."""
    data = zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"\0" * (60 * 1024 * 1024),
        }
    )
    if not lying:
        return data
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo("word/document.xml").header_offset
        entry = archive.start_dir  # the central directory
    small = (1024).to_bytes(4, "little")
    patched[local + 22 : local + 26] = small  # the local header's uncompressed size
    while patched[entry : entry + 4] == b"PK\x01\x02":
        name_length = int.from_bytes(patched[entry + 28 : entry + 30], "little")
        extra = int.from_bytes(patched[entry + 30 : entry + 32], "little")
        comment = int.from_bytes(patched[entry + 32 : entry + 34], "little")
        if patched[entry + 46 : entry + 46 + name_length] == b"word/document.xml":
            patched[entry + 24 : entry + 28] = small  # the central directory's
        entry += 46 + name_length + extra + comment
    return bytes(patched)


# (what, file name, its bytes (made when the test runs), words in the error)
BAD_UPLOADS = [
    ("a zip bomb", "bomb.docx", lambda: zip_bomb(lying=False), "50 MB"),
    ("a zip bomb lying about its size", "bomb.docx", lambda: zip_bomb(lying=True), ""),
    ("not a zip", "report.docx", lambda: b"This is not a Word file at all.\n", "zip"),
    ("a zip without a document", "empty.docx", lambda: zip_bytes({"a.txt": b"x"}), "Word"),
    (
        "a zip with a broken document",
        "broken.docx",
        lambda: zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:doc"}),
        "",
    ),
    ("Latin-1 text", "c.txt", lambda: "1. Acción para los niños.\n".encode("latin-1"), "UTF-8"),
    ("an empty file", "empty.txt", lambda: b"", ""),
    ("a picture named .txt", "p.txt", lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "UTF-8"),
]


@pytest.mark.parametrize("what,name,make,words", BAD_UPLOADS, ids=[u[0] for u in BAD_UPLOADS])
def test_invalid_uploads_are_clear_400s_and_change_nothing(env, what, name, make, words):
    data = make()
    before = env.snapshot()
    started = time.monotonic()
    response = env.post(
        "/api/documents/import",
        data={"file": (io.BytesIO(data), name), "process_id": "1"},
        content_type="multipart/form-data",
    )
    assert refused(response, 400, words), response.get_data()[:300]
    mexico = env.app.test_client()
    token = login(mexico, DELEGATE)
    markup = mexico.post(
        f"/api/documents/{env.id}/amendments/import",
        data={"file": (io.BytesIO(data), name)},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )
    assert refused(markup, 400), markup.get_data()[:300]
    assert time.monotonic() - started < 10  # nothing was expanded in full
    assert env.snapshot() == before


def test_import_form_fields_are_checked(env):
    """The title and symbol fit their columns and the languages are language codes."""
    before = env.snapshot()
    wrong = []
    for extra, words in [
        ({"kind": "manifesto"}, "kind"),
        ({"workflow": "anarchy"}, "workflow"),
        ({"process_id": "x"}, "process_id"),
        ({"symbol": "S" * 101}, "symbol"),
        ({"title": "T" * 501}, "title"),
        ({"languages": "en,zz-long-code"}, "languages"),
        ({"languages": "en,<b>"}, "languages"),
        ({"languages": "en,en"}, "languages"),
    ]:
        form = {"file": (io.BytesIO(b"1. Text.\n"), "t.txt"), "process_id": "1", **extra}
        response = env.post("/api/documents/import", data=form, content_type="multipart/form-data")
        if not refused(response, 400, words):
            wrong.append((extra, response.status_code, response.get_data()[:200]))
    assert wrong == []
    assert env.snapshot() == before


# --------------------------------------------------------------------------------------------
# Hostile patches over the socket
# --------------------------------------------------------------------------------------------


@pytest.fixture
def editor(env):
    """A committee member's socket, joined to the demo document."""
    http = env.app.test_client()
    login(http, "elsalvador@demo.test")
    sio = socketio.test_client(env.app, flask_test_client=http)
    assert sio.is_connected()
    assert "paragraphs" in sio.emit("join", {"document_id": env.id}, callback=True)
    yield sio
    sio.disconnect()


def versions_of(env: Env, paragraph_id: int) -> int:
    with env.app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Version).where(Version.paragraph_id == paragraph_id)
        )


def test_hostile_patches_are_refused_and_store_nothing(env, editor):
    current = env.reader.get(f"/api/documents/{env.id}").get_json()
    paragraph = next(p for p in current["paragraphs"] if p["id"] == env.paragraph)
    text_now = paragraph["text"]["en"]
    good = textdiff.make_patch(text_now, text_now + " More.")
    grow = textdiff.make_patch(text_now, text_now + "y" * (20_001 - len(text_now)))
    nul = textdiff.make_patch(text_now, text_now + "\x00")
    patches = {
        "huge coordinates": "@@ -99999999,1 +99999999,1 @@\n-D\n+d\n",
        "negative coordinates": "@@ --5,1 +-5,1 @@\n-D\n+d\n",
        "header contradicts body": "@@ -1,50 +1,50 @@\n-D\n+d\n",
        "bad escape": "@@ -1,1 +1,1 @@\n-D\n+%ZZ\n",
        "not UTF-8": "@@ -1,1 +1,1 @@\n-D\n+%FF%FE\n",
        "unescaped markup": "@@ -1,1 +1,1 @@\n-D\n+<script>\n",
        "raw newline in a hunk": "@@ -1,1 +1,2 @@\n-D\n+d\r\n",
        "no changes": "@@ -1,4 +1,4 @@\n Decl\n",
        "only a header": "@@ -1,1 +1,1 @@\n",
        "garbage": "\x00\x01\x02",
        "too long": "@@ -1,1 +1,1 @@\n-D\n+" + "d" * 300_000 + "\n",
        "a text over 20000 characters": grow,
        "a NUL character": nul,
        "a number": 12,
        "a list": [good],
        "an object": {"patch": good},
        "null": None,
    }
    wrong = []
    for what, patch in patches.items():
        data = {"paragraph_id": env.paragraph, "lang": "en", "base_version": 1, "patch": patch}
        answer = editor.emit("edit", data, callback=True)
        if not (isinstance(answer, dict) and answer.get("status") == 400 and answer.get("error")):
            wrong.append((what, answer))
    assert wrong == []
    assert versions_of(env, env.paragraph) == 2  # en and es, as imported


def test_a_patch_of_thousands_of_hunks_is_answered_promptly(env, editor):
    """Thousands of hunks that fit nowhere: refused within seconds, nothing stored."""
    hunks = []
    for index in range(2_000):
        context = "qxzj" * 7 + f"{index:02d}"[:2]
        hunks.append(f"@@ -{index * 40 + 1},30 +{index * 40 + 1},31 @@\n-{context}\n+{context}y\n")
    patch = "".join(hunks)
    assert len(patch) < 200_000  # within what the parser accepts
    started = time.monotonic()
    data = {"paragraph_id": env.paragraph, "lang": "en", "base_version": 1, "patch": patch}
    answer = editor.emit("edit", data, callback=True)
    elapsed = time.monotonic() - started
    assert answer.get("status") in (400, 409), answer
    assert versions_of(env, env.paragraph) == 2
    assert elapsed < 15, f"{elapsed:.1f} s"


def test_a_socket_join_with_an_impossible_id_is_a_404(env, editor):
    for document_id in (10**30, -1, 0, 2**63):
        answer = editor.emit("join", {"document_id": document_id}, callback=True)
        assert answer["status"] == 404, (document_id, answer)


# --------------------------------------------------------------------------------------------
# The fuzz test: arbitrary JSON at every JSON write endpoint
# --------------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-2, max_value=60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "en",
            "es",
            "fr",
            "modify",
            "insert",
            "delete",
            "accept",
            "reject",
            "agreed",
            "agreed_ad_ref",
            "open",
            "reservation",
            "explanation",
            "after",
            "child",
            "gcm:3",
            "free:x",
            DEADLINE,
            "[unbalanced",
            "x" * 25_000,
            "<script>window.__xss=1</script>",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=8,
)
IDS = st.one_of(st.just("valid"), st.integers(min_value=0, max_value=2**64))
NAMES = st.one_of(
    st.sampled_from(["open_round", "close_round", "start_silence", "break_silence", "adopt"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
)


def bodies(keys: list[str]):
    known = st.dictionaries(st.sampled_from(keys), VALUES, max_size=len(keys))
    extra = st.dictionaries(st.text(max_size=8), VALUES, max_size=2)
    mixed = st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]})
    return st.one_of(mixed, mixed, mixed, VALUES)


@pytest.mark.parametrize("endpoint", sorted(BODIES))
def test_fuzz_json_writes_never_500_and_never_write_half(env, endpoint):
    path, valid = BODIES[endpoint]
    keys = sorted(valid)
    state = {"baseline": env.snapshot()}

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=bodies(keys), ids=st.fixed_dictionaries({"paragraph": IDS, "amendment": IDS}),
           name=NAMES)  # fmt: skip
    def attempt(body, ids, name):
        url = fill(path, env, name)
        for key, value in ids.items():
            if value != "valid":
                url = url.replace(f"/{getattr(env, key)}/", f"/{value}/", 1)
        raw = json.dumps(body, allow_nan=True)
        response = env.post(url, data=raw, content_type="application/json")
        status = response.status_code
        assert status != 500, (url, raw[:300], response.get_data()[:300])
        if status >= 400:
            data = response.get_json(silent=True)
            assert isinstance(data, dict) and isinstance(data.get("error"), str), status
        now = env.snapshot()
        if 200 <= status < 300:
            state["baseline"] = now
        else:
            assert now == state["baseline"], (url, raw[:300], status)

    attempt()


# --------------------------------------------------------------------------------------------
# Input that used to break something after it was accepted
# --------------------------------------------------------------------------------------------


def test_a_deadline_offset_with_seconds_is_refused_and_the_page_still_answers(env):
    """+05:30:45 cannot be kept as +HH:MM; stored anyway it broke the document page."""
    before = env.snapshot()
    response = env.post(
        f"/api/documents/{env.id}/transitions/open_round",
        {"deadline": "2030-12-30T17:00:00+05:30:45"},
    )
    assert refused(response, 400, "whole minutes")
    assert env.snapshot() == before
    assert env.reader.get(f"/documents/{env.id}").status_code == 200


def deeply_nested(depth: int) -> str:
    return '{"text": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("raw", [deeply_nested(100_000), "[" * 100_000 + "]" * 100_000])
def test_json_nested_100000_levels_deep_is_a_400(env, raw):
    before = env.snapshot()
    wrong = []
    for endpoint, (path, _body) in BODIES.items():
        response = env.post(fill(path, env), data=raw, content_type="application/json")
        if not refused(response, 400, "not valid JSON"):
            wrong.append((endpoint, response.status_code))
    assert wrong == []
    assert env.snapshot() == before


@pytest.mark.parametrize("event", ["join", "edit"])
def test_a_socket_event_without_data_is_answered_400(env, editor, event):
    answer = editor.emit(event, callback=True)
    assert isinstance(answer, dict), answer
    assert answer["status"] == 400, answer


def import_with_symbol(env: Env, symbol: str):
    form = {"file": (io.BytesIO(b"1. Text.\n"), "t.txt"), "process_id": "1", "symbol": symbol}
    return env.post("/api/documents/import", data=form, content_type="multipart/form-data")


def downloaded_name(response) -> str:
    """The file name a browser saves, read back as RFC 6266 says (filename* wins)."""
    value, options = parse_options_header(response.headers["Content-Disposition"])
    assert value == "attachment"
    return options["filename"]


@pytest.mark.parametrize(
    "symbol,saved",
    [
        ("A/CONF.231/3 — Add.1", "compilation-A-CONF.231-3 — Add.1-Draft-en.html"),
        ("А/РЕЗ/73/195", "compilation-А-РЕЗ-73-195-Draft-en.html"),
    ],
    ids=["em dash", "cyrillic"],
)
def test_a_symbol_in_any_script_names_the_compilation_download(env, symbol, saved):
    created = import_with_symbol(env, symbol)
    assert created.status_code == 201, created.get_json()
    document_id = created.get_json()["id"]
    response = env.client.get(f"/documents/{document_id}/compilation.html")
    assert response.status_code == 200
    assert downloaded_name(response) == saved
    response.headers["Content-Disposition"].encode("latin-1")  # fits an HTTP header
    exported = env.client.get(f"/api/documents/{document_id}/export?format=html")
    assert exported.status_code == 200
    assert downloaded_name(exported).endswith("_en.html")


@pytest.mark.parametrize(
    "symbol", ["A/RES\n73", "A/RES\r73", 'A"; filename="evil.exe', "A\x00B", "A<b>"]
)
def test_symbols_with_newlines_quotes_or_controls_are_refused(env, symbol):
    before = env.snapshot()
    assert refused(import_with_symbol(env, symbol), 400, "symbol")
    assert env.snapshot() == before


@pytest.mark.parametrize(
    "symbol,saved",
    [
        ('A"; filename="evil.exe', 'compilation-A"; filename="evil.exe-Draft-en.html'),
        ("A/RES\n73\r", "compilation-A-RES73-Draft-en.html"),
    ],
    ids=["quotes", "newline"],
)
def test_a_stored_hostile_symbol_cannot_rename_or_break_the_download(env, symbol, saved):
    """Symbols that came in before they were checked (or from a backup)."""
    with env.app.app_context():
        db.session.execute(
            text("UPDATE document SET symbol = :s WHERE id = :i"), {"s": symbol, "i": env.id}
        )
        db.session.commit()
    response = env.client.get(f"/documents/{env.id}/compilation.html")
    assert response.status_code == 200
    assert downloaded_name(response) == saved
    assert "\n" not in response.headers["Content-Disposition"]


def long_text(top: int) -> bytes:
    """`top` numbered paragraphs, each with a. b. (b. with i. ii.), some in brackets."""
    lines = []
    for n in range(1, top + 1):
        lines.append(f"{n}. Paragraph {n} [to be agreed]." if n % 7 == 0 else f"{n}. Act {n}.")
        lines += ["a. Do so.", "b. Also:", "i. first;", "ii. second."]
    return "\n".join(lines).encode("utf-8")


def test_an_import_over_the_paragraph_limit_is_413_and_stores_nothing(env, monkeypatch):
    from drafting.services import importing

    monkeypatch.setattr(importing, "MAX_IMPORT_PARAGRAPHS", 20, raising=False)
    before = env.snapshot()
    form = {"file": (io.BytesIO(long_text(5)), "long.txt"), "process_id": "1"}  # 25 paragraphs
    response = env.post("/api/documents/import", data=form, content_type="multipart/form-data")
    assert refused(response, 413, "at most 20")
    assert env.snapshot() == before


def test_a_bulk_import_of_thousands_of_paragraphs_keeps_tree_numbers_and_versions(env):
    from drafting.models import RevisionParagraph, RevisionVersion

    data = long_text(700)  # 3,500 paragraphs
    form = {"file": (io.BytesIO(data), "long.txt"), "process_id": "1"}
    created = env.post("/api/documents/import", data=form, content_type="multipart/form-data")
    assert created.status_code == 201, created.get_json()
    document_id = created.get_json()["id"]
    stored = env.client.get(f"/api/documents/{document_id}").get_json()["paragraphs"]
    expected = []
    for n in range(1, 701):
        first = f"Paragraph {n} [to be agreed]." if n % 7 == 0 else f"Act {n}."
        expected += [(f"{n}", f"{n}.", 1, first), (f"{n}.a", "a.", 2, "Do so."),
                     (f"{n}.b", "b.", 2, "Also:"), (f"{n}.b.i", "i.", 3, "first;"),
                     (f"{n}.b.ii", "ii.", 3, "second.")]  # fmt: skip
    assert [(p["number"], p["label"], p["depth"], p["text"]["en"]) for p in stored] == expected
    assert len(stored) == 3_500 and all(p["version"] == {"en": 1} for p in stored)
    assert {p["status"] for p in stored if "[" in p["text"]["en"]} == {"bracketed"}
    assert {p["status"] for p in stored if "[" not in p["text"]["en"]} == {"open"}
    by_id = {p["id"]: p for p in stored}
    assert all(by_id[p["parent_id"]]["depth"] == p["depth"] - 1 for p in stored if p["parent_id"])
    with env.app.app_context():
        draft = db.session.execute(
            text("SELECT id FROM revision WHERE document_id = :d AND label = 'Draft'"),
            {"d": document_id},
        ).scalar_one()
        for model in (RevisionParagraph, RevisionVersion):
            count = select(func.count()).select_from(model).where(model.revision_id == draft)
            assert db.session.scalar(count) == 3_500
    audit = env.client.get(f"/api/documents/{document_id}/audit").get_json()
    assert [(e["action"], e["details"]["paragraphs"]) for e in audit] == [("import", 3_500)]
    with env.app.app_context():
        from drafting.models import Document
        from drafting.services.audit import verify

        # rows written in bulk carry the hashes the chain vouches for
        assert verify(db.session.get(Document, document_id)) == []
