"""Spanish all the way: the language chosen before login stays, login refusals, states,
roles, audit actions and deadline refusals read in Spanish, and a document's title has a
Spanish version shown to Spanish readers and in Spanish exports."""

from __future__ import annotations

import io
import re

from support.amendments import csrf_in
from support.roles import ACCOUNTS, DEL, SEC

TEXT = "CONCLUSIONS\n\n1. To thank Mexico.\n"


def login_form(client, email: str, password: str = "demo-password", lang: str = "en"):
    html = client.get(f"/login?lang={lang}").get_data(as_text=True)
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_in(html)}
    )


def test_the_language_chosen_before_login_stays_after_it(client, demo):
    assert login_form(client, ACCOUNTS[DEL], lang="es").status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert '<html lang="es">' in home and "Lo que le espera" in home
    assert "revisión del comité" in home and "delegado" in home


def test_login_refusals_are_in_spanish(client, demo):
    wrong = login_form(client, ACCOUNTS[DEL], "not the password", lang="es")
    assert wrong.status_code == 401
    assert "correo electrónico o contraseña incorrectos" in wrong.get_data(as_text=True)
    api = client.post(
        "/api/login",
        json={"email": ACCOUNTS[DEL], "password": "nope"},
        headers={"Accept-Language": "es"},
    )
    assert api.get_json()["error"] == "correo electrónico o contraseña incorrectos"
    english = client.post(
        "/api/login",
        json={"email": ACCOUNTS[DEL], "password": "nope"},
        headers={"Accept-Language": "en"},
    )
    assert english.get_json()["error"] == "wrong email or password"


def test_a_deadline_refusal_is_in_spanish_and_keeps_what_was_typed(client, auth, demo):
    auth.login(ACCOUNTS[SEC])
    html = client.get(f"/documents/{demo.id}?lang=es").get_data(as_text=True)
    response = client.post(
        f"/documents/{demo.id}/transitions/open_round",
        data={
            "csrf_token": csrf_in(html),
            "deadline": "2001-05-04T10:30",
            "timezone": "America/Guatemala",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#workflow")
    again = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert "el plazo ya pasó" in again
    assert 'value="2001-05-04T10:30"' in again
    assert "<option selected>America/Guatemala</option>" in again
    fresh = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert 'value="2001-05-04T10:30"' not in fresh  # kept once, not for ever
    assert "<option selected>America/Panama</option>" in fresh  # the process's zone


def test_a_spanish_title_is_given_at_import_and_shown_to_spanish_readers(client, auth, demo):
    auth.login(ACCOUNTS[SEC])
    html = client.get("/processes/1/import").get_data(as_text=True)
    assert 'name="title_es"' in html
    created = client.post(
        "/processes/1/import",
        data={
            "csrf_token": csrf_in(html),
            "title": "Conclusions of Panama",
            "title_es": "Conclusiones de Panamá",
            "languages": "en,es",
            "file": (io.BytesIO(TEXT.encode()), "c.txt"),
        },
    )
    assert created.status_code == 302
    new_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert client.get(f"/api/documents/{new_id}").get_json()["title_es"] == (
        "Conclusiones de Panamá"
    )
    spanish = client.get(f"/documents/{new_id}?lang=es").get_data(as_text=True)
    assert "<h1>Conclusiones de Panamá</h1>" in spanish
    assert "<title>Conclusiones de Panamá · Drafting</title>" in spanish
    english = client.get(f"/documents/{new_id}?lang=en").get_data(as_text=True)
    assert "<h1>Conclusions of Panama</h1>" in english
    exported = client.get(
        f"/api/documents/{new_id}/export", query_string={"format": "html", "lang": "es"}
    )
    assert exported.status_code == 200, exported.get_data(as_text=True)[:300]
    assert "Conclusiones de Panamá" in exported.get_data(as_text=True)
    exported_en = client.get(
        f"/api/documents/{new_id}/export", query_string={"format": "html", "lang": "en"}
    )
    assert "Conclusiones" not in exported_en.get_data(as_text=True)


def test_the_demo_reads_in_spanish_on_every_list(client, auth, demo):
    auth.login(ACCOUNTS[DEL])
    process = client.get("/processes/1?lang=es").get_data(as_text=True)
    assert "Conclusiones de la Reunión" in process
    audit = client.get(f"/documents/{demo.id}/audit?lang=es").get_data(as_text=True)
    assert re.search(r"importado|paso del flujo de trabajo", audit)
