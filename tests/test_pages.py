"""The pages a person meets first and last: the first screen says what waits for each role
(and, logged out, what the site is), observers learn why they cannot comment, error pages
are styled and translated with a way back (the API keeps its JSON), and a form post comes
back at what it acted on."""

from __future__ import annotations

import re

import pytest
from flask import abort
from support.amendments import edit, file, open_round
from support.roles import ACCOUNTS, COM, DEL, OBS, PPT, SEC

from drafting.extensions import db
from drafting.models import Document


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def token(client, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page(client, url)).group(1)


def test_logged_out_the_landing_says_what_the_site_is_and_how_to_log_in(client):
    home = page(client, "/")
    assert "No documents yet" not in home
    assert "negotiate the text of a declaration" in home
    assert 'href="/login"' in home and "Forgot your password?" in home
    assert "No text has been adopted and published here yet." in home
    spanish = page(client, "/?lang=es")
    assert "negocian juntas el texto de una declaración" in spanish


@pytest.mark.parametrize(
    ("role", "says"),
    [
        (SEC, "Yours to take: Open round."),
        (PPT, "You may propose amendments; you may edit the text live; yours to take: Open round"),
        (COM, "You may propose amendments; you may edit the text live."),
        (DEL, "You may propose amendments."),
        (OBS, "You follow this text as an observer (the observer role may not comment)"),
    ],
)
def test_each_role_lands_on_what_waits_for_it(client, auth, role, says):
    auth.login(ACCOUNTS[role])
    assert says in page(client, "/")


def test_during_a_round_the_first_screen_gives_its_deadline(client, auth, demo):
    open_round(auth, demo)
    file(auth, demo, ACCOUNTS[DEL], "8.a", "A new wording of 8.a.")
    auth.login(ACCOUNTS[DEL])
    home = page(client, "/")
    assert re.search(r"Round 1 is open until \d{4}-\d\d-\d\d \d\d:\d\d \(UTC[+-]\d\d:\d\d\)", home)
    assert "You may propose amendments." in home
    auth.login(ACCOUNTS[COM])
    assert "Round 1 is open until" in page(client, "/?lang=en")
    assert "La ronda 1 está abierta hasta el" in page(client, "/?lang=es")


def test_the_committee_is_told_how_many_amendments_wait_for_a_decision(client, auth, demo):
    file(auth, demo, ACCOUNTS[DEL], "8.a", "A new wording of 8.a.")
    file(auth, demo, ACCOUNTS[DEL], "8.b", "A new wording of 8.b.")
    auth.login(ACCOUNTS[COM])
    assert "2 amendments wait for a decision" in page(client, "/")


def test_an_observer_is_told_why_it_cannot_comment(client, auth, demo):
    auth.login(ACCOUNTS[OBS])
    text = page(client, f"/documents/{demo.id}")
    assert 'id="observer-note"' in text
    assert "the observer role may not comment" in text
    assert "el rol observador no puede comentar" in page(client, f"/documents/{demo.id}?lang=es")
    auth.login(ACCOUNTS[DEL])
    assert 'id="observer-note"' not in page(client, f"/documents/{demo.id}?lang=en")


def test_an_observer_allowed_to_comment_is_told_so(app, client, auth, demo):
    with app.app_context():
        db.session.get(Document, demo.id).allow_observer_comments = True
        db.session.commit()
    auth.login(ACCOUNTS[OBS])
    assert "as an observer: you may comment" in page(client, f"/documents/{demo.id}")


def test_a_missing_page_is_styled_translated_and_leads_back(client, auth):
    missing = page(client, "/no-such-page", 404)
    assert 'class="card narrow error-page"' in missing and "Page not found" in missing
    assert 'href="/"' in missing and "Back to the documents" in missing
    assert 'href="/login?next=/no-such-page"' in missing
    spanish = page(client, "/no-such-page?lang=es", 404)
    assert "Página no encontrada" in spanish and "Volver a los documentos" in spanish
    auth.login(ACCOUNTS[DEL])
    assert "/login?next" not in page(client, "/documents/999999", 404)


def test_a_forbidden_page_says_so_in_the_readers_language(app, client):
    @app.get("/closed")
    def closed():
        abort(403)

    forbidden = page(client, "/closed?lang=es", 403)
    assert "No está abierto para usted" in forbidden and "Error 403" in forbidden


def test_an_internal_error_has_a_page_and_the_api_keeps_its_json(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    @app.get("/api/boom")
    def api_boom():
        raise RuntimeError("boom")

    broken = page(client, "/boom", 500)
    assert "Something went wrong" in broken and "nothing was changed" in broken
    assert client.get("/api/boom").get_json() == {"error": "internal error; nothing was changed"}
    assert client.get("/api/no-such-thing").get_json()["error"]


def test_a_comment_comes_back_at_its_paragraph(client, auth, demo):
    auth.login(ACCOUNTS[DEL])
    paragraph = demo.paragraph("8.a")["id"]
    response = client.post(
        f"/documents/{demo.id}/comments",
        data={
            "csrf_token": token(client, f"/documents/{demo.id}"),
            "paragraph_id": paragraph,
            "body": "A question on 8.a",
            "next": f"/documents/{demo.id}",
        },
    )
    assert response.status_code in (302, 303)
    assert re.search(rf"/documents/{demo.id}#(p-{paragraph}|c-\d+)$", response.headers["Location"])


def test_irreversible_steps_say_what_will_happen_before_they_are_taken(client, auth, demo):
    filed = file(auth, demo, ACCOUNTS[DEL], "8.a", "A new wording of 8.a.").get_json()["id"]
    table = page(client, f"/documents/{demo.id}/amendments")
    assert f"Withdrawing amendment {filed} takes it back for good" in table
    assert 'name="confirmed" value="yes" required' in table
    auth.login(ACCOUNTS[SEC])
    text = page(client, f"/documents/{demo.id}?lang=es")
    assert 'data-confirm="Abrir la ronda registra el texto actual' in text
    assert 'data-confirm-no="Cancelar"' in text
    edit(auth, demo, ACCOUNTS[PPT], "8.a", "Decline the proposal, for now.")
    history = page(
        client, f"/documents/{demo.id}/paragraphs/{demo.paragraph('8.a')['id']}/history?lang=en"
    )
    assert 'data-confirm="Restoring makes this earlier text the current one' in history
