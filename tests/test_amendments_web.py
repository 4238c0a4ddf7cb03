"""The amendment pages: table with filters, filing form, buttons, conflict page, compilation."""

from __future__ import annotations

from lxml import html as lxml_html
from support.amendments import EIGHT_A, csrf_in, decide, edit, file


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_filing_through_the_form(client, auth, demo):
    auth.login("mexico@demo.test")
    pid = demo.paragraph("8.a")["id"]
    html = page(client, f"/documents/{demo.id}/amendments/new?paragraph={pid}&kind=modify")
    assert EIGHT_A in html  # the current wording to edit
    response = client.post(
        f"/documents/{demo.id}/amendments",
        data={
            "csrf_token": csrf_in(html),
            "paragraph_id": str(pid),
            "kind": "modify",
            "text_en": EIGHT_A.replace("Decline", "Reject"),
            "text_es": "",
            "rationale": "Clearer.",
        },
    )
    assert response.status_code == 302
    listed = client.get(f"/api/documents/{demo.id}/amendments").get_json()
    assert [(a["delegation"], a["texts"], a["rationale"]) for a in listed] == [
        ("MX", {"en": EIGHT_A.replace("Decline", "Reject")}, "Clearer.")
    ]


def test_a_refused_form_says_why_and_stores_nothing(client, auth, demo):
    auth.login("mexico@demo.test")
    pid = demo.paragraph("8.a")["id"]
    html = page(client, f"/documents/{demo.id}/amendments/new?paragraph={pid}")
    response = client.post(
        f"/documents/{demo.id}/amendments",
        data={"csrf_token": csrf_in(html), "paragraph_id": str(pid), "kind": "modify"},
        follow_redirects=True,
    )
    assert "text is required" in response.get_data(as_text=True)
    assert client.get(f"/api/documents/{demo.id}/amendments").get_json() == []


def test_table_filters_by_delegation_status_and_paragraph(client, auth, demo):
    file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " A.")
    file(auth, demo, "canada@demo.test", "2.a", None, kind="delete")
    url = f"/documents/{demo.id}/amendments"
    html = page(client, url)
    assert 'data-delegation="MX"' in html and 'data-delegation="CA"' in html
    html = page(client, f"{url}?delegation=CA")
    assert 'data-delegation="MX"' not in html and 'data-delegation="CA"' in html
    html = page(client, f"{url}?paragraph=8.a")
    assert 'data-paragraph="8.a"' in html and 'data-paragraph="2.a"' not in html
    html = page(client, f"{url}?status=accepted")
    assert "data-delegation=" not in html
    html = page(client, f"{url}?paragraph=99.z")  # unknown number: nothing, not an error
    assert "data-delegation=" not in html


def test_buttons_co_sponsor_and_decide(client, auth, demo):
    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " A.").get_json()["id"]
    auth.login("canada@demo.test")
    html = page(client, f"/documents/{demo.id}/amendments")
    assert f'data-co-sponsor="{aid}"' in html and f'data-accept="{aid}"' not in html
    client.post(f"/amendments/{aid}/co-sponsor", data={"csrf_token": csrf_in(html)})
    html = page(client, f"/documents/{demo.id}/amendments")
    assert "your delegation co-sponsors" in html
    auth.login("elsalvador@demo.test")
    html = page(client, f"/documents/{demo.id}/amendments")
    response = client.post(
        f"/amendments/{aid}/decision",
        data={"csrf_token": csrf_in(html), "decision": "accept", "note": "fine"},
    )
    assert response.status_code == 302
    assert demo.paragraph("8.a")["text"]["en"] == EIGHT_A + " A."


def test_a_conflicting_decision_leads_to_the_three_way_page(client, auth, demo):
    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A.replace("Decline", "Accept"))
    aid = aid.get_json()["id"]
    edit(auth, demo, "elsalvador@demo.test", "8.a", EIGHT_A.replace("Decline", "Postpone"))
    html = page(client, f"/documents/{demo.id}/amendments")
    response = client.post(
        f"/amendments/{aid}/decision", data={"csrf_token": csrf_in(html), "decision": "accept"}
    )
    assert response.status_code == 302
    assert f"/amendments/{aid}/conflict" in response.headers["Location"]
    html = page(client, response.headers["Location"])
    for side in ("way-base", "way-current", "way-proposed"):
        assert side in html
    assert "Postpone" in html and "Accept" in html
    # Merging by hand from the page: accept with the committee's wording.
    response = client.post(
        f"/amendments/{aid}/decision",
        data={
            "csrf_token": csrf_in(html),
            "decision": "accept",
            "lang": "en",
            "text": EIGHT_A.replace("Decline", "Postpone, then accept,"),
        },
    )
    assert response.status_code == 302
    assert demo.paragraph("8.a")["text"]["en"].startswith("Postpone, then accept,")
    assert client.get(f"/api/amendments/{aid}").get_json()["status"] == "merged"


def test_rejecting_from_the_three_way_page_ignores_the_wording(client, auth, demo):
    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " A.").get_json()["id"]
    auth.login("elsalvador@demo.test")
    html = page(client, f"/amendments/{aid}/conflict")
    assert "merges cleanly" in html
    client.post(
        f"/amendments/{aid}/decision",
        data={"csrf_token": csrf_in(html), "decision": "reject", "text": "ignored"},
    )
    assert client.get(f"/api/amendments/{aid}").get_json()["status"] == "rejected"


def test_compilation_page_and_download(client, auth, demo):
    aid = file(
        auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " A.", rationale="Because."
    ).get_json()["id"]
    auth.login("canada@demo.test")
    auth.post(f"/api/amendments/{aid}/co-sponsor")
    decide(auth, aid, decision="reject", note="Not now.")
    auth.login("usa@demo.test")
    pid = demo.paragraph("8.a")["id"]
    auth.post(f"/api/documents/{demo.id}/reservations", {"paragraph_id": pid, "text": "Not us."})
    html = page(client, f"/documents/{demo.id}/compilation")
    assert "Compilation of amendments" in html
    assert "Mexico" in html and "co-sponsored by CA" in html and "Because." in html
    assert "Not now." in html and "rejected" in html and "Not us." in html
    assert 'href="/static/css/compilation.css"' in html
    download = client.get(f"/documents/{demo.id}/compilation.html?lang=es")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "compilation-RCM-RCGM-2018-07-Draft-es.html" in download.headers["Content-Disposition"]
    assert download.mimetype == "text/html"
    body = download.get_data(as_text=True)
    assert "<style>" in body and "table.compilation" in body  # self-contained
    assert 'lang="es"' in body and "Declinar" in body


def test_pages_of_another_process_stay_hidden(client, auth, demo):
    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " A.").get_json()["id"]
    auth.logout()
    for url in (
        f"/documents/{demo.id}/amendments",
        f"/documents/{demo.id}/compilation",
        f"/documents/{demo.id}/changes",
        f"/documents/{demo.id}/compare",
        f"/api/documents/{demo.id}/amendments",
        f"/api/documents/{demo.id}/changes",
        f"/api/amendments/{aid}",
    ):
        # pages and the API alike do not tell an outsider the document exists
        expected = 404
        assert client.get(url).status_code == expected, url


def test_a_merged_amendment_shows_the_wording_adopted_against_the_proposal(client, auth, demo):
    proposal = EIGHT_A.replace("Decline", "Accept")
    aid = file(auth, demo, "mexico@demo.test", "8.a", proposal).get_json()["id"]
    adopted = EIGHT_A.replace("Decline", "Accept, with thanks,")
    assert decide(auth, aid, decision="accept", text=adopted).status_code == 200
    amendment = lxml_html.fromstring(page(client, f"/amendments/{aid}"))
    assert "Nothing was applied" not in amendment.text_content()
    assert not amendment.cssselect("form.merge-form")
    (box,) = amendment.cssselect(f"[data-adopted='{aid}']")
    assert "Adopted wording" in box.text_content()
    assert [i.text_content() for i in box.cssselect("ins")] == [", with thanks,"]
    assert box.cssselect(".amd-text")[0].text_content() == adopted
    # the conflict address, reached from old links, shows the same decided page
    assert f'data-adopted="{aid}"' in page(client, f"/amendments/{aid}/conflict")
    table = lxml_html.fromstring(page(client, f"/documents/{demo.id}/amendments"))
    row = table.cssselect(f"#a-{aid}")[0]
    assert [i.text_content() for i in row.cssselect(f"[data-adopted='{aid}'] ins")] == [
        ", with thanks,"
    ]
    assert row.cssselect("td a")[0].get("href") == f"/amendments/{aid}"


def test_an_amendment_accepted_as_proposed_says_so(client, auth, demo):
    proposal = EIGHT_A + " Noted."
    aid = file(auth, demo, "mexico@demo.test", "8.a", proposal).get_json()["id"]
    assert decide(auth, aid, decision="accept").status_code == 200
    amendment = lxml_html.fromstring(page(client, f"/amendments/{aid}"))
    (box,) = amendment.cssselect(f"[data-adopted='{aid}']")
    assert "as proposed" in box.text_content()
    assert box.cssselect(".amd-text")[0].text_content() == proposal
    assert not box.cssselect("ins, del")
    auth.login("mexico@demo.test")
    rejected = file(auth, demo, "mexico@demo.test", "8.b", "Other.").get_json()["id"]
    decide(auth, rejected, decision="reject", note="No.")
    other = lxml_html.fromstring(page(client, f"/amendments/{rejected}"))
    assert not other.cssselect("[data-adopted]")
    assert "No." in other.text_content()


def test_compilation_can_show_only_the_amended_paragraphs(client, auth, demo):
    file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Soon.")
    full = page(client, f"/documents/{demo.id}/compilation")
    only = page(client, f"/documents/{demo.id}/compilation?only=amended")
    assert full.count('<td class="c-num"') > 40
    assert only.count('<td class="c-num"') == 1 and "8.a" in only and "Soon." in only
    assert "All paragraphs" in only and "Only amended paragraphs" in full
    download = client.get(f"/documents/{demo.id}/compilation.html?only=amended")
    assert download.get_data(as_text=True).count('<td class="c-num"') == 1
