"""The document API of SPEC §7: login, listing, reading, importing and writing text."""

from __future__ import annotations

import io

from support.statements import counting

from drafting.extensions import db

EXPECTED_START = [
    "1",
    "1.a",
    "2",
    "2.a",
    "3",
    "4",
    "4.a",
    "5",
    "5.a",
    "6",
    "6.a",
    "6.b",
    "6.b.i",
    "6.b.ii",
    "7",
    "8",
    "8.a",
    "8.b",
    "8.c",
    "8.d",
    "9",
    "10",
    "10.a",
]


def numbered(document):
    return [p for p in document["paragraphs"] if p["section"] == "operative"]


def test_login_returns_user_and_csrf_token(client):
    response = client.post(
        "/api/login", json={"email": "panama@demo.test", "password": "demo-password"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["delegation"]["code"] == "PA"
    assert body["csrf_token"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert "SameSite=Lax" in response.headers["Set-Cookie"]


def test_wrong_password_is_401_and_anonymous_is_401(client):
    response = client.post(
        "/api/login", json={"email": "panama@demo.test", "password": "nope-nope-nope"}
    )
    assert response.status_code == 401
    assert "error" in response.get_json()
    assert client.get("/api/documents").status_code == 401


def test_demo_document_has_41_numbered_paragraphs_in_reading_order(auth, demo):
    auth.login("panama@demo.test")
    document = demo.document()
    assert document["state"] == "committee_review"
    assert document["languages"] == ["en", "es"]
    assert document["sha256"] is None
    numbers = [p["number"] for p in numbered(document)]
    assert len(numbers) == 41
    assert numbers[: len(EXPECTED_START)] == EXPECTED_START
    assert numbers[-1] == "16.f"
    six_b_ii = next(p for p in document["paragraphs"] if p["number"] == "6.b.ii")
    assert six_b_ii["label"] == "ii."
    assert six_b_ii["depth"] == 3
    assert six_b_ii["text"]["en"].startswith("To review the document between 1 August")
    assert six_b_ii["version"] == {"en": 1, "es": 1}
    six_b = next(p for p in document["paragraphs"] if p["number"] == "6.b")
    assert six_b_ii["parent_id"] == six_b["id"]
    preamble = [p for p in document["paragraphs"] if p["section"] == "preamble"]
    assert [p["number"] for p in preamble] == ["PP1", "PP2", "PP3", "PP4", "PP5"]
    assert all(p["translation_pending"] == [] for p in document["paragraphs"])


def test_lists_processes_and_documents_with_role(auth, demo):
    auth.login("elsalvador@demo.test")
    processes = auth.get("/api/processes").get_json()
    assert processes == [
        {"id": processes[0]["id"], "name": "Regional Conference on Migration", "role": "committee"}
    ]
    documents = auth.get("/api/documents").get_json()
    assert [d["id"] for d in documents] == [demo.id]
    assert set(documents[0]) >= {"id", "process_id", "title", "kind", "state", "revision"}
    assert documents[0]["kind"] == "conclusions"
    assert documents[0]["revision"] == "Draft"


def test_writes_need_the_csrf_token(auth, demo, client):
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("3")
    url = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions"
    response = client.post(url, json={"lang": "en", "text": "New", "base_version": 1})
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["error"]
    assert demo.paragraph("3")["version"]["en"] == 1


def test_committee_saves_a_version_and_stale_base_is_409(auth, demo):
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("3")
    url = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions"
    new_text = paragraph["text"]["en"] + " Also to thank UNHCR for its support."
    response = auth.post(url, {"lang": "en", "text": new_text, "base_version": 1})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == 2
    stale = auth.post(url, {"lang": "en", "text": "Something else", "base_version": 1})
    assert stale.status_code == 409
    assert stale.get_json()["current"] == {"text": new_text, "version": 2}
    after = demo.paragraph("3")
    assert after["text"]["en"] == new_text
    assert after["translation_pending"] == ["es"]


def test_unbalanced_brackets_are_refused_with_position(auth, demo):
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("8.a")
    url = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions"
    response = auth.post(url, {"lang": "en", "text": "Decline [the proposal", "base_version": 1})
    assert response.status_code == 400
    assert response.get_json()["position"] == 8
    ok = auth.post(url, {"lang": "en", "text": "Decline [the proposal]", "base_version": 1})
    assert ok.status_code == 201
    assert demo.paragraph("8.a")["status"] == "bracketed"


def test_delegate_cannot_edit_text_and_nothing_changes(auth, demo):
    auth.login("mexico@demo.test")
    paragraph = demo.paragraph("3")
    url = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions"
    response = auth.post(url, {"lang": "en", "text": "Rewritten", "base_version": 1})
    assert response.status_code == 403
    assert response.get_json()["reasons"]
    assert demo.paragraph("3")["version"]["en"] == 1


def test_bad_bodies_are_clear_400s(auth, demo, client):
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("3")
    url = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions"
    malformed = client.post(
        url, data="{not json", content_type="application/json", headers=auth.headers()
    )
    assert malformed.status_code == 400
    assert "error" in malformed.get_json()
    assert auth.post(url, {"lang": "fr", "text": "x", "base_version": 1}).status_code == 400
    assert auth.post(url, {"lang": "en", "text": 5, "base_version": 1}).status_code == 400
    assert auth.post(url, {"lang": "en", "text": "x", "base_version": "1"}).status_code == 400
    assert (
        auth.post(
            f"/api/documents/{demo.id}/paragraphs/999999/versions",
            {"lang": "en", "text": "x", "base_version": 1},
        ).status_code
        == 404
    )
    assert auth.get("/api/documents/999999").status_code == 404


def test_json_body_over_one_megabyte_is_413(auth, demo, client):
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("3")
    url = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions"
    huge = '{"lang": "en", "text": "' + "x" * (1024 * 1024 + 10) + '", "base_version": 1}'
    response = client.post(url, data=huge, content_type="application/json", headers=auth.headers())
    assert response.status_code == 413
    assert "error" in response.get_json()


def test_secretariat_imports_a_text_file(auth, demo, fixture_text):
    auth.login("secretariat@demo.test")
    process_id = auth.get("/api/processes").get_json()[0]["id"]
    response = auth.client.post(
        "/api/documents/import",
        data={
            "file": (io.BytesIO(fixture_text.encode()), "conclusions.txt"),
            "title": "Copy",
            "kind": "conclusions",
            "process_id": str(process_id),
            "workflow": "in_session",
        },
        headers=auth.headers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    new_id = response.get_json()["id"]
    document = auth.get(f"/api/documents/{new_id}").get_json()
    assert document["state"] == "proposal"
    assert len(numbered(document)) == 41
    assert document["revision"] == "Draft"


def test_delegate_cannot_import(auth, demo, fixture_text):
    auth.login("mexico@demo.test")
    response = auth.client.post(
        "/api/documents/import",
        data={"file": (io.BytesIO(fixture_text.encode()), "c.txt")},
        headers=auth.headers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


def test_upload_over_ten_megabytes_is_413(auth, demo):
    auth.login("secretariat@demo.test")
    response = auth.client.post(
        "/api/documents/import",
        data={"file": (io.BytesIO(b"1. x\n" * (2_200_000)), "big.txt")},
        headers=auth.headers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_logout_ends_the_session(auth, demo):
    auth.login("panama@demo.test")
    assert auth.logout().status_code == 200
    assert auth.get("/api/documents").status_code == 401


def test_document_page_reads_the_database_a_bounded_number_of_times(app, auth, demo, client):
    """87 statements and 24 role lookups before the page model; 17 and 1 after it. Since
    then one statement each for the bell's unread count, the open ad referendum agreements,
    the delegation the reader heads, the member delegations and the filings awaiting the
    reader's sign-off: a constant, whatever the document's size."""
    auth.login("panama@demo.test")
    with app.app_context():
        engine = db.engine
    with counting(engine) as seen:
        response = client.get(f"/documents/{demo.id}")
    assert response.status_code == 200
    assert len(seen) <= 30
    assert seen.memberships == 1
