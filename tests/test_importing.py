"""Importing through the API: the preview that stores nothing, closing paragraphs and the
source's labels, the proposer, and a second language aligned by paragraph number."""

from __future__ import annotations

import io

from sqlalchemy import select
from support.fingerprint import row_counts

from drafting.extensions import db
from drafting.models import AuditEntry, Document

TEXT = (
    "CONCLUSIONS\n\n"
    "1) To thank Mexico for the report:\n"
    "(a) on the Global Compact;\n"
    "(b) on the regional data.\n\n"
    "Follow-up\n\n"
    "2) To meet again in 2019.\n\n"
    "Adopted in Panama City, 15 November 2018.\n"
)
SPANISH = (
    "CONCLUSIONES\n\n"
    "1) Agradecer a México el informe:\n"
    "(a) sobre el Pacto Mundial;\n"
    "(b) sobre los datos regionales.\n\n"
    "Seguimiento\n\n"
    "2) Reunirse de nuevo en 2019.\n"
    "3) Un párrafo que el original no tiene.\n"
)


def post_file(auth, url: str, text: str, name: str = "text.txt", **fields):
    return auth.client.post(
        url,
        data={"file": (io.BytesIO(text.encode()), name), **fields},
        headers=auth.headers(),
        content_type="multipart/form-data",
    )


def process_id(auth) -> str:
    return str(auth.get("/api/processes").get_json()[0]["id"])


def imported(auth, text: str = TEXT, **fields) -> dict:
    response = post_file(
        auth, "/api/documents/import", text, process_id=process_id(auth), title="T", **fields
    )
    assert response.status_code == 201, response.get_json()
    return auth.get(f"/api/documents/{response.get_json()['id']}").get_json()


def test_preview_shows_the_tree_and_stores_nothing(app, auth, demo):
    auth.login("secretariat@demo.test")
    with app.app_context():
        before = row_counts()
    response = post_file(
        auth, "/api/documents/import?preview=1", TEXT, process_id=process_id(auth), title="T"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert [(p["number"], p["label"], p["depth"], p["section"]) for p in body["paragraphs"]] == [
        ("PP1", "", 0, "preamble"),
        ("1", "1.", 1, "operative"),
        ("1.a", "a.", 2, "operative"),
        ("1.b", "b.", 2, "operative"),
        ("CP1", "", 0, "closing"),
        ("2", "2.", 1, "operative"),
        ("CP2", "", 0, "closing"),
    ]
    assert body["paragraphs"][-1]["text"] == "Adopted in Panama City, 15 November 2018."
    assert any("Adopted in Panama City" in w for w in body["warnings"])
    with app.app_context():
        assert row_counts() == before


def test_preview_by_a_delegate_is_refused(auth, demo):
    auth.login("mexico@demo.test")
    response = post_file(auth, "/api/documents/import?preview=1", TEXT)
    assert response.status_code == 403


def test_closing_paragraphs_stay_unnumbered_after_import(auth, demo):
    auth.login("secretariat@demo.test")
    document = imported(auth)
    rows = [
        (p["number"], p["label"], p["section"], p["text"]["en"]) for p in document["paragraphs"]
    ]
    assert rows[-3:] == [
        ("CP1", "", "closing", "Follow-up"),
        ("2", "2.", "operative", "To meet again in 2019."),
        ("CP2", "", "closing", "Adopted in Panama City, 15 November 2018."),
    ]


def test_source_label_style_shows_the_labels_as_imported(auth, demo):
    auth.login("secretariat@demo.test")
    document = imported(auth, label_style="source")
    labels = [p["label"] for p in document["paragraphs"] if p["section"] == "operative"]
    assert labels == ["1)", "(a)", "(b)", "2)"]
    computed = imported(auth)
    assert [p["label"] for p in computed["paragraphs"] if p["label"]] == ["1.", "a.", "b.", "2."]


def test_unknown_label_style_or_proposer_is_refused_and_stores_nothing(app, auth, demo):
    auth.login("secretariat@demo.test")
    with app.app_context():
        before = row_counts()
    for fields in ({"label_style": "fancy"}, {"proposer": "NOPE"}):
        response = post_file(
            auth, "/api/documents/import", TEXT, process_id=process_id(auth), **fields
        )
        assert response.status_code == 400
        assert "error" in response.get_json()
    with app.app_context():
        assert row_counts() == before


def test_the_officer_names_the_proposing_delegation(app, auth, demo):
    auth.login("secretariat@demo.test")
    document = imported(auth, proposer="MX")
    with app.app_context():
        stored = db.session.get(Document, document["id"])
        assert stored.proposer.code == "MX"


def test_translation_preview_reports_what_did_not_align_and_stores_nothing(app, auth, demo):
    auth.login("secretariat@demo.test")
    document = imported(auth, languages="en,es")
    with app.app_context():
        before = row_counts()
    response = post_file(
        auth, f"/api/documents/{document['id']}/translation?preview=1", SPANISH, lang="es"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["aligned"] == 6
    assert [(u["number"], u["in"]) for u in body["unmatched"]] == [
        ("3", "file"),
        ("CP2", "document"),
    ]
    with app.app_context():
        assert row_counts() == before


def test_storing_a_translation_writes_versions_of_that_language_audited(app, auth, demo):
    auth.login("secretariat@demo.test")
    document = imported(auth, languages="en,es")
    response = post_file(auth, f"/api/documents/{document['id']}/translation", SPANISH, lang="es")
    assert response.status_code == 200
    assert response.get_json()["written"] == 6
    stored = auth.get(f"/api/documents/{document['id']}").get_json()
    assert stored["languages"] == ["en", "es"]
    one = next(p for p in stored["paragraphs"] if p["number"] == "1.a")
    assert one["text"]["es"] == "sobre el Pacto Mundial;"
    assert "es" not in next(p for p in stored["paragraphs"] if p["number"] == "CP2")["text"]
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.document_id == document["id"])
        ).all()
        assert "translation_import" in actions
        from drafting.models import Document
        from drafting.services.audit import verify

        assert verify(db.session.get(Document, document["id"])) == []  # the chain vouches


def test_translation_refused_for_delegates_and_for_the_original_language(auth, demo):
    auth.login("secretariat@demo.test")
    document = imported(auth, languages="en,es")
    url = f"/api/documents/{document['id']}/translation"
    response = post_file(auth, url, SPANISH, lang="en")
    assert response.status_code == 400
    assert "original language" in response.get_json()["error"]
    assert post_file(auth, url, SPANISH, lang="fr").status_code == 400
    auth.login("mexico@demo.test")
    assert post_file(auth, url, SPANISH, lang="es").status_code == 403


def test_a_bracket_left_open_in_the_file_is_named_by_paragraph_and_word(app, auth, demo):
    auth.login("secretariat@demo.test")
    with app.app_context():
        before = row_counts()
    text = TEXT.replace("To meet again", "To meet [again")
    response = post_file(
        auth, "/api/documents/import", text, process_id=process_id(auth), title="T"
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "paragraph 2): bracket open after «meet»"
    with app.app_context():
        assert row_counts() == before
