"""Printable and parallel pages, confirming translations, GCM tags and the chart, the HTML
export, and the interface in Spanish."""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from lxml import html
from sqlalchemy import func, select

from drafting import clock
from drafting.extensions import db
from drafting.models import Tag

CATALOGUE = Path(__file__).resolve().parent.parent / "drafting/translations/es/LC_MESSAGES"


def page(client, url: str) -> html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.fromstring(response.get_data(as_text=True))


def visible(tree: html.HtmlElement, selector: str) -> list[str]:
    return [" ".join(n.text_content().split()) for n in tree.cssselect(selector)]


def edit(auth, demo, number: str, text: str, lang: str = "en"):
    paragraph = demo.paragraph(number)
    return auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions",
        json={"lang": lang, "text": text, "base_version": paragraph["version"][lang]},
    )


def silence_deadline() -> str:
    moment = clock.now() + timedelta(hours=2)
    return moment.astimezone(timezone(timedelta(hours=-6))).isoformat(timespec="seconds")


# -- printable text and HTML export ---------------------------------------------------------


def test_printable_page_shows_clean_text_and_footnotes(client, auth, demo):
    auth.login("mexico@demo.test")
    auth.post(
        f"/api/documents/{demo.id}/reservations",
        json={"paragraph_id": demo.paragraph("8.b")["id"], "text": "Mexico reserves on 8 b."},
    )
    tree = page(client, f"/documents/{demo.id}/print")
    assert visible(tree, ".p-symbol") == ["RCM/RCGM/2018/07"]
    assert visible(tree, ".p-title")[0].startswith("Conclusions of the Meeting")
    eight_b = tree.cssselect(f"#p-{demo.paragraph('8.b')['id']}")[0]
    assert visible(eight_b, ".p-num") == ["b."]
    assert eight_b.cssselect("sup.fn a")[0].get("href") == "#fn-1"
    assert visible(tree, ".p-notes li") == ["Reservation by Mexico: Mexico reserves on 8 b. ↩"]
    assert tree.cssselect(".p-preamble")[0].text_content().startswith("MEETING OF THE")
    spanish = page(client, f"/documents/{demo.id}/print?text=es")
    assert visible(spanish, f"#p-{demo.paragraph('1')['id']} .p-text")[0].startswith(
        "Agradecer a México"
    )
    assert client.get(f"/documents/{demo.id}/print?revision=Rev.4").status_code == 404
    css = (Path(__file__).resolve().parent.parent / "static/css/print.css").read_text()
    assert ".printable" in css and ".p-seal" in css


def test_printable_adopted_text_shows_hash_and_date_without_login(client, auth, demo):
    auth.login("panama@demo.test")
    auth.post(
        f"/api/documents/{demo.id}/transitions/start_silence",
        json={"deadline": silence_deadline()},
    )
    clock.shift(2 * 3600 + 1)
    assert auth.post(f"/api/documents/{demo.id}/transitions/adopt").status_code == 200
    document = auth.get(f"/api/documents/{demo.id}").get_json()
    auth.logout()
    tree = page(client, f"/documents/{demo.id}/print")
    seal = visible(tree, ".p-seal")[0]
    assert document["sha256"] in seal
    assert document["adopted_at"][:10] in seal
    assert "Adopted on" in visible(tree, ".p-status")[0]


def test_html_export_is_a_standalone_clean_page(client, auth, demo):
    auth.login("mexico@demo.test")
    response = client.get(f"/api/documents/{demo.id}/export?format=html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "RCM-RCGM-2018-07_Draft_en.html" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("<!doctype html>")
    tree = html.fromstring(body)
    assert tree.cssselect("style") and not tree.cssselect("script, link")
    six_b_ii = tree.cssselect('[data-number="6.b.ii"]')[0]
    assert visible(six_b_ii, ".num") == ["ii."]
    assert "To review the document" in six_b_ii.text_content()


# -- bilingual texts ------------------------------------------------------------------------


def test_parallel_page_flags_pending_translation_and_confirms_it(client, auth, demo):
    auth.login("elsalvador@demo.test")
    three = demo.paragraph("3")
    assert edit(auth, demo, "3", three["text"]["en"].replace("To thank", "To warmly thank"))
    tree = page(client, f"/documents/{demo.id}/parallel")
    headers = visible(tree, "table.parallel thead th")
    assert headers[1:] == ["English", "Spanish"]
    row = tree.cssselect(f"#p-{three['id']}")[0]
    cells = row.cssselect("td")
    assert cells[0].text_content().strip().startswith("To warmly thank")
    assert cells[1].text_content().strip().startswith("Agradecer al ACNUR")
    assert "translation pending" in cells[1].text_content()
    form = cells[1].cssselect("form.confirm-translation")[0]
    token = form.cssselect("input[name=csrf_token]")[0].get("value")
    response = client.post(
        form.get("action"), data={"csrf_token": token, "lang": "es", "next": "parallel"}
    )
    assert response.status_code == 302
    assert "/parallel" in response.headers["Location"]
    assert demo.paragraph("3")["translation_pending"] == []
    again = page(client, f"/documents/{demo.id}/parallel")
    assert not again.cssselect(f"#p-{three['id']} form.confirm-translation")
    # Delegates read the parallel text but cannot confirm translations.
    auth.login("mexico@demo.test")
    assert not page(client, f"/documents/{demo.id}/parallel").cssselect("form.confirm-translation")


def test_confirm_translation_api_unblocks_the_silence_procedure(client, auth, demo):
    auth.login("elsalvador@demo.test")
    three = demo.paragraph("3")
    edit(auth, demo, "3", three["text"]["en"] + " With thanks.")
    assert demo.paragraph("3")["translation_pending"] == ["es"]
    auth.login("panama@demo.test")
    blocked = auth.post(
        f"/api/documents/{demo.id}/transitions/start_silence",
        json={"deadline": silence_deadline()},
    )
    assert blocked.status_code == 409
    assert "Spanish text of 3 is older than the English" in blocked.get_json()["reasons"]
    url = f"/api/documents/{demo.id}/paragraphs/{three['id']}/confirm-translation"
    auth.login("mexico@demo.test")
    assert auth.post(url, json={"lang": "es"}).status_code == 403
    auth.login("elsalvador@demo.test")
    assert auth.post(url, json={"lang": "fr"}).status_code == 400
    assert auth.post(url, json={"lang": "en"}).status_code == 409  # English is not pending
    confirmed = auth.post(url, json={"lang": "es"})
    assert confirmed.status_code == 201, confirmed.get_json()
    assert confirmed.get_json() == {
        "version": three["version"]["es"] + 1,
        "lang": "es",
        "translation_pending": [],
    }
    after = demo.paragraph("3")
    assert after["text"]["es"] == three["text"]["es"]
    assert after["translation_pending"] == []
    assert auth.post(url, json={"lang": "es"}).status_code == 409  # nothing left to confirm
    auth.login("panama@demo.test")
    started = auth.post(
        f"/api/documents/{demo.id}/transitions/start_silence",
        json={"deadline": silence_deadline()},
    )
    assert started.status_code == 200, started.get_json()


def test_document_page_offers_confirmation_next_to_the_pending_flag(client, auth, demo):
    auth.login("elsalvador@demo.test")
    edit(auth, demo, "2.a", demo.paragraph("2.a")["text"]["en"] + " Noted.")
    tree = page(client, f"/documents/{demo.id}")
    article = tree.cssselect(f"#p-{demo.paragraph('2.a')['id']}")[0]
    button = article.cssselect("button[data-confirm-translation=es]")
    assert button and "Confirm Spanish unchanged" in button[0].text_content()


# -- GCM objectives and tags ----------------------------------------------------------------


def test_gcm_objectives_are_seeded_and_the_cli_is_idempotent(app, runner):
    result = runner.invoke(args=["seed-tags"])
    assert result.exit_code == 0, result.output
    assert "0 added, 23 already there" in result.output
    with app.app_context():
        count = db.session.scalar(select(func.count(Tag.id)).where(Tag.scheme == "gcm"))
        three = db.session.scalar(select(Tag).where(Tag.scheme == "gcm", Tag.code == "3"))
    assert count == 23
    assert three.label == "Provide accurate and timely information at all stages of migration"
    assert three.label_es.startswith("Proporcionar información exacta y oportuna")


def test_tagging_paragraphs_and_the_coverage_chart(client, auth, demo):
    auth.login("secretariat@demo.test")
    nine = demo.paragraph("9")
    url = f"/api/documents/{demo.id}/paragraphs/{nine['id']}/tags"
    added = auth.post(url, json={"add": ["gcm:2", "gcm:7", "free:Venezuela flows"]})
    assert added.status_code == 200, added.get_json()
    assert [t["key"] for t in added.get_json()["tags"]] == [
        "free:venezuela flows",
        "gcm:2",
        "gcm:7",
    ]
    removed = auth.post(url, json={"remove": ["gcm:7"]})
    assert [t["key"] for t in removed.get_json()["tags"]] == ["free:venezuela flows", "gcm:2"]
    bad = auth.post(url, json={"add": ["gcm:3", "gcm:24"]})
    assert bad.status_code == 400 and "gcm:24" in bad.get_json()["error"]
    assert auth.post(url, json={}).status_code == 400
    coverage = {
        c["code"]: c for c in auth.get(f"/api/documents/{demo.id}/tags").get_json()["coverage"]
    }
    assert coverage["2"]["count"] == 1 and coverage["2"]["paragraphs"] == ["9"]
    assert coverage["3"]["count"] == 0  # the refused request wrote nothing
    assert coverage["23"]["count"] == 3  # demo: 1, 1.a and 12
    tree = page(client, f"/documents/{demo.id}")
    cells = tree.cssselect(".gcm-grid .gcm-cell")
    assert [c.get("data-gcm") for c in cells] == [str(n) for n in range(1, 24)]
    two = tree.cssselect('.gcm-cell[data-gcm="2"]')[0]
    assert two.get("data-count") == "1" and "gcm-1" in two.get("class")
    assert "gcm-0" in tree.cssselect('.gcm-cell[data-gcm="3"]')[0].get("class")
    assert "12 of 23 covered" in visible(tree, ".gcm-summary")[0]
    chips = visible(tree, f"#p-{nine['id']} .tags .tag")
    assert chips == ["GCM 2", "venezuela flows"]
    auth.login("mexico@demo.test")
    assert auth.post(url, json={"add": ["gcm:5"]}).status_code == 403
    assert not page(client, f"/documents/{demo.id}").cssselect(".tag-editor")


def test_tag_form_on_the_page(client, auth, demo):
    auth.login("elsalvador@demo.test")
    tree = page(client, f"/documents/{demo.id}")
    seven = demo.paragraph("7")
    form = tree.cssselect(f"#p-{seven['id']} .tag-editor form")[0]
    token = form.cssselect("input[name=csrf_token]")[0].get("value")
    response = client.post(form.get("action"), data={"csrf_token": token, "add": "gcm:23"})
    assert response.status_code == 302
    assert visible(page(client, f"/documents/{demo.id}"), f"#p-{seven['id']} .tags .tag") == [
        "GCM 23"
    ]
    assert len(tree.cssselect("datalist#gcm-objectives option")) == 23


# -- the interface in Spanish ---------------------------------------------------------------


@cache
def english_messages() -> set[str]:
    """Every English interface string whose Spanish differs."""
    with (CATALOGUE / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    found = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, spanish in zip(ids, strings, strict=False):
            if english and english != spanish and "%" not in english:
                found.add(english)
    return found


def english_left(tree: html.HtmlElement) -> list[str]:
    """Interface strings still in English, leaving out the data (texts, names, titles)."""
    data = ".ptext, h1, .symbol, .who, .deleg-chip, title, script, style, .hash, .tags, datalist"
    for node in tree.cssselect(data):
        node.drop_tree()
    messages = english_messages()
    left = []
    for text in tree.xpath("//text()") + tree.xpath("//@title | //@aria-label | //@placeholder"):
        words = " ".join(str(text).split()).rstrip(":")
        if words in messages:
            left.append(words)
    return left


def test_every_message_has_a_spanish_translation():
    with (CATALOGUE / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    missing = [
        m.id
        for m in catalogue
        if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert missing == []


def test_a_spanish_user_works_in_spanish(client, auth, demo, app):
    login = page(client, "/login?lang=es")
    assert "Iniciar sesión" in visible(login, "h1")
    assert {"Correo electrónico", "Contraseña"} <= set(visible(login, "label"))
    assert english_left(login) == []
    auth.login("panama@demo.test")
    chosen = auth.post("/api/me/locale", json={"locale": "es"})
    assert chosen.get_json() == {"locale": "es"}
    assert auth.post("/api/me/locale", json={"locale": "de"}).status_code == 400
    auth.logout()
    auth.login("panama@demo.test")  # a new session: the preference comes from the account
    tree = page(client, f"/documents/{demo.id}")
    assert tree.get("lang") == "es"
    buttons = {b.get("data-transition"): " ".join(b.text_content().split())
               for b in tree.cssselect("button[data-transition]")}  # fmt: skip
    assert buttons["open_round"] == "Abrir ronda"
    assert buttons["start_silence"] == "Iniciar procedimiento de silencio"
    assert "revisión del comité" in visible(tree, "#doc-state")
    assert "Objetivos del Pacto Mundial para la Migración" in " ".join(visible(tree, "h2"))
    assert tree.cssselect("#text")[0].get("data-show") == "es"  # the text in Spanish first
    assert english_left(tree) == []
    for url in (f"/documents/{demo.id}/parallel", f"/documents/{demo.id}/print", "/account"):
        assert english_left(page(client, url)) == [], url
    # The reasons under blocked steps come in Spanish too.
    auth.login("elsalvador@demo.test")
    three = demo.paragraph("3")
    auth.post(
        f"/api/documents/{demo.id}/paragraphs/{three['id']}/versions",
        json={"lang": "en", "text": "To thank [the] UNHCR.", "base_version": 1},
    )
    auth.login("panama@demo.test")
    blocked = page(client, f"/documents/{demo.id}")
    listed = visible(blocked, ".transition.blocked .reasons li")
    assert "el párrafo 3 está entre corchetes" in listed, listed
    assert not any(re.search(r"\b(is|the)\b", r) for r in listed), listed


def test_account_form_keeps_the_language(client, auth, demo):
    auth.login("costarica@demo.test")
    tree = page(client, "/account")
    token = tree.cssselect("input[name=csrf_token]")[0].get("value")
    response = client.post("/account", data={"csrf_token": token, "locale": "es"})
    assert response.status_code == 303
    assert visible(page(client, "/account"), "h1") == ["Su cuenta"]
    assert demo.user("costarica@demo.test").locale == "es"
    bad = client.post("/account", data={"csrf_token": token, "locale": "xx"})
    assert bad.status_code == 303
