"""PDF exports (WeasyPrint from the HTML export): the clean, adopted and tracked texts, with
the symbol, revision and SHA-256 in every page's footer; a server without WeasyPrint answers
503 for PDFs and nothing else."""

from __future__ import annotations

import builtins
import hashlib
import json

import pytest
from support.adoption import adopt_demo
from support.formats import Story, pdf_text

pytest.importorskip("weasyprint")


def export(client, demo, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/documents/{demo.id}/export?{query}")


def read_pdf(response, tmp_path) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    path = tmp_path / "file.pdf"
    path.write_bytes(response.data)
    return pdf_text(path)


def canonical_sha256(client, demo) -> str:
    """The SHA-256 adoption would seal for the current text, from the JSON API's own fields."""
    document = client.get(f"/api/documents/{demo.id}").get_json()
    payload = {
        "title": document["title"],
        "symbol": document["symbol"],
        "languages": document["languages"],
        "paragraphs": [
            {
                "number": p["number"],
                "section": p["section"],
                "text": dict(sorted(p["text"].items())),
            }
            for p in document["paragraphs"]
        ],
    }
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def test_clean_pdf_shows_the_text_and_a_footer_with_symbol_revision_and_sha256(
    client, auth, demo, tmp_path
):
    auth.login("mexico@demo.test")
    response = export(client, demo, format="pdf")
    assert response.status_code == 200, response.get_json()
    assert "RCM-RCGM-2018-07_Draft_en.pdf" in response.headers["Content-Disposition"]
    text = read_pdf(response, tmp_path)
    assert "Conclusions of the Meeting of the Regional Consultation Group" in text
    assert "To thank Mexico for the report about the status of the Global Compact" in text
    assert text.count("RCM/RCGM/2018/07 · Draft") >= 2  # on every page
    assert f"SHA-256 {canonical_sha256(client, demo)}" in text
    assert "Page 1 of" in text
    spanish = read_pdf(export(client, demo, format="pdf", lang="es"), tmp_path)
    assert "Agradecer a México" in spanish and "Página 1 de" in spanish


def test_adopted_pdf_carries_the_sealed_sha256_and_is_public(client, auth, demo, tmp_path):
    adopt_demo(auth, demo)
    sealed = auth.get(f"/api/documents/{demo.id}").get_json()["sha256"]
    auth.logout()
    response = export(client, demo, format="pdf")
    assert "RCM-RCGM-2018-07_Final_en.pdf" in response.headers["Content-Disposition"]
    text = read_pdf(response, tmp_path)
    assert f"SHA-256 {sealed}" in text
    assert "RCM/RCGM/2018/07 · Final" in text and "Adopted on" in text


def test_tracked_pdf_strikes_and_underlines_changes_since_a_revision(client, auth, demo, tmp_path):
    Story(client, auth, demo).run()
    auth.login("mexico@demo.test")
    response = export(client, demo, format="pdf-tracked", **{"from": "Rev.1"})
    disposition = response.headers["Content-Disposition"]
    assert "RCM-RCGM-2018-07_Rev.1-working_changes-since-Rev.1_en.pdf" in disposition
    text = read_pdf(response, tmp_path)
    assert "Changes from Rev.1 to the current text" in text
    assert "To warmly thank Mexico" in text
    assert "To welcome the regional guidelines on labour migration." in text
    assert "RCM/RCGM/2018/07 · Rev.1-working" in text
    assert f"SHA-256 {canonical_sha256(client, demo)}" in text


def test_file_names_carry_the_revision_a_frozen_round_text_is_rev1(client, auth, demo):
    auth.login("secretariat@demo.test")
    due = "2030-01-01T12:00:00-06:00"
    opened = auth.post(f"/api/documents/{demo.id}/transitions/open_round", json={"deadline": due})
    assert opened.status_code == 200, opened.get_json()
    for fmt, name in (
        ("docx", "RCM-RCGM-2018-07_Rev.1_en.docx"),
        ("html", "RCM-RCGM-2018-07_Rev.1_en.html"),
        ("akn", "RCM-RCGM-2018-07_Rev.1_en.akn.xml"),
    ):
        assert name in export(client, demo, format=fmt).headers["Content-Disposition"]
    named = export(client, demo, format="docx", revision="Draft")
    assert "RCM-RCGM-2018-07_Draft_en.docx" in named.headers["Content-Disposition"]


def test_without_weasyprint_pdf_answers_503_and_other_formats_still_work(
    client, auth, demo, monkeypatch
):
    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "weasyprint", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    auth.login("mexico@demo.test")
    response = export(client, demo, format="pdf")
    assert response.status_code == 503
    assert "PDF export is not available" in response.get_json()["error"]
    tracked = client.get(
        f"/api/documents/{demo.id}/export?format=pdf", headers={"Accept": "text/html,*/*;q=0.8"}
    )
    assert tracked.status_code == 503 and tracked.mimetype == "text/html"
    assert "PDF not available" in tracked.get_data(as_text=True)
    assert export(client, demo, format="docx").status_code == 200
    assert export(client, demo, format="html").status_code == 200
    assert client.get(f"/documents/{demo.id}").status_code == 200
