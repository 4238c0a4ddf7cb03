"""Word exports: the clean text, and real tracked changes by delegation between revisions.

Every file is read back (python-docx and the raw XML) and, in CI, opened by LibreOffice.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

import docx
import pytest
from lxml import etree
from support.formats import (
    NS,
    Story,
    docx_xml,
    paragraph_texts,
    pdf_text,
    q,
    soffice_pdf,
)

from drafting import clock

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def export(client, demo, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/documents/{demo.id}/export?{query}")


def body_paragraphs(data: bytes) -> list[docx.text.paragraph.Paragraph]:
    return docx.Document(io.BytesIO(data)).paragraphs


def test_clean_docx_has_title_symbol_and_our_numbering(client, auth, demo):
    auth.login("mexico@demo.test")
    response = export(client, demo, format="docx")
    assert response.status_code == 200
    assert response.mimetype == DOCX
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "RCM-RCGM-2018-07_Draft_en.docx" in disposition
    paragraphs = body_paragraphs(response.data)
    texts = [p.text for p in paragraphs]
    assert texts[0] == "RCM/RCGM/2018/07"
    assert texts[1].startswith("Conclusions of the Meeting of the Regional Consultation Group")
    # Labels are our computed numbers, written as text before a tab.
    numbered = [t for t in texts if re.match(r"^[0-9a-z]+\.\t", t)]
    assert numbered[0] == (
        "1.\tTo thank Mexico for the report about the status of the Global Compact for Safe, "
        "Orderly and Regular Migration."
    )
    assert "6.\tTo thank El Salvador and IOM" in "\n".join(numbered)
    labels = [t.split("\t")[0] for t in numbered]
    assert labels.count("16.") == 1 and "ii." in labels
    assert len(numbered) == 16 + 23 + 2
    # No Word auto-numbering: the numbers can never disagree with ours.
    root = docx_xml(response.data)
    assert not root.findall(".//w:numPr", NS)


def test_clean_docx_styles_give_hanging_indents_per_depth_and_italic_preamble(client, auth, demo):
    auth.login("mexico@demo.test")
    document = docx.Document(io.BytesIO(export(client, demo, format="docx").data))
    by_text = {p.text.split("\t")[0]: p for p in document.paragraphs if "\t" in p.text}
    one, letter, roman = by_text["1."], by_text["a."], by_text["ii."]
    assert one.style.name == "Paragraph Level 1"
    assert letter.style.name == "Paragraph Level 2"
    assert roman.style.name == "Paragraph Level 3"
    for depth, paragraph in ((1, one), (2, letter), (3, roman)):
        fmt = paragraph.style.paragraph_format
        assert fmt.left_indent.cm == pytest.approx(depth * 1.0, abs=0.01)
        assert fmt.first_line_indent.cm == pytest.approx(-1.0, abs=0.01)
    preamble = [p for p in document.paragraphs if p.style.name == "Preambular Paragraph"]
    assert preamble[0].text.startswith("MEETING OF THE REGIONAL CONSULTATION GROUP")
    assert all(p.style.font.italic for p in preamble)
    assert not any(re.match(r"^[0-9a-z]+\.\t", p.text) for p in preamble)


def test_reservations_become_real_word_footnotes(client, auth, demo):
    auth.login("mexico@demo.test")
    target = demo.paragraph("4.a")
    for body in (
        {"paragraph_id": target["id"], "kind": "reservation", "text": "Mexico reserves on 4 a."},
        {"kind": "explanation", "text": "Mexico joins the consensus."},
    ):
        filed = auth.post(f"/api/documents/{demo.id}/reservations", json=body)
        assert filed.status_code == 201, filed.get_json()
    data = export(client, demo, format="docx").data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
    assert "wordprocessingml.footnotes+xml" in types
    assert "relationships/footnotes" in rels
    notes = docx_xml(data, "word/footnotes.xml")
    real = [n for n in notes.findall("w:footnote", NS) if n.get(q("type")) is None]
    texts = ["".join(n.itertext()) for n in real]
    assert texts == [
        " Explanation of position by Mexico: Mexico joins the consensus.",
        " Reservation by Mexico: Mexico reserves on 4 a.",
    ]
    root = docx_xml(data)
    references = root.findall(".//w:footnoteReference", NS)
    assert [r.get(q("id")) for r in references] == ["1", "2"]
    holder = references[1].getparent().getparent()
    assert "".join(holder.itertext()).startswith("a.To take note on the concern")


def test_a_named_revision_is_exported_and_unknown_ones_are_404(client, auth, demo):
    story = Story(client, auth, demo).run()
    rev1 = export(client, demo, format="docx", revision="Rev.1")
    assert rev1.status_code == 200
    assert "RCM-RCGM-2018-07_Rev.1_en.docx" in rev1.headers["Content-Disposition"]
    texts = [p.text for p in body_paragraphs(rev1.data)]
    assert "1.\t" + story.before["1"]["text"]["en"] in texts
    assert "Rev.1" in texts
    now = [p.text for p in body_paragraphs(export(client, demo, format="docx").data)]
    assert "1.\t" + story.after["1"]["text"]["en"] in now
    assert export(client, demo, format="docx", revision="Rev.9").status_code == 404
    spanish = [p.text for p in body_paragraphs(export(client, demo, format="docx", lang="es").data)]
    assert any(t.startswith("1.\tAgradecer a México") for t in spanish), spanish[:12]
    assert export(client, demo, format="docx", lang="fr").status_code == 400
    assert export(client, demo, format="odt").status_code == 400


def test_tracked_changes_accept_all_gives_newer_reject_all_gives_older(client, auth, demo):
    story = Story(client, auth, demo).run()
    response = export(client, demo, format="docx-tracked")  # from the latest circulated: Rev.1
    assert response.status_code == 200 and response.mimetype == DOCX
    assert "changes-since-Rev.1" in response.headers["Content-Disposition"]
    root = docx_xml(response.data)
    accepted = paragraph_texts(root, accept=True)
    rejected = paragraph_texts(root, accept=False)
    head = 3  # symbol, title, "Changes from Rev.1 to the current text"
    assert accepted[:head] == rejected[:head]
    assert accepted[2] == "Changes from Rev.1 to the current text"
    assert accepted[head:] == story.printed(story.after_list)
    assert rejected[head:] == story.printed(story.before_list)
    assert accepted[head:] != rejected[head:]


def test_tracked_changes_carry_delegation_authors_dates_and_unique_ids(client, auth, demo):
    Story(client, auth, demo).run()
    root = docx_xml(export(client, demo, format="docx-tracked", **{"from": "Rev.1"}).data)
    marks = root.findall(".//w:ins", NS) + root.findall(".//w:del", NS)
    assert marks
    ids = [m.get(q("id")) for m in marks] + [
        b.get(q("id")) for b in root.findall(".//w:bookmarkStart", NS)
    ]
    assert len(ids) == len(set(ids))
    for mark in marks:
        moment = datetime.strptime(mark.get(q("date")), "%Y-%m-%dT%H:%M:%SZ")
        assert abs((moment.replace(tzinfo=UTC) - clock.now()).total_seconds()) < 3600

    def authors(tag: str, text: str) -> set[str]:
        found = set()
        for mark in root.findall(f".//w:{tag}", NS):
            if text in "".join(mark.itertext()):
                found.add(mark.get(q("author")))
        return found

    # Mexico's accepted amendment is Mexico's text, not the committee member's who accepted it.
    assert authors("ins", "warmly ") == {"Mexico (MX)"}
    assert authors("del", "and activity ") == {"El Salvador (SV)"}
    assert authors("ins", "The TS will circulate a summary.") == {"Costa Rica (CR)"}
    assert authors("ins", "To welcome the regional guidelines") == {"Canada (CA)"}
    assert authors("del", "To thank the Mesoamerica Programme") == {"United States (US)"}
    # Whole paragraphs: the paragraph mark itself is inserted / deleted.
    inserted = [p for p in root.iter(q("p")) if p.find("w:pPr/w:rPr/w:ins", NS) is not None]
    deleted = [p for p in root.iter(q("p")) if p.find("w:pPr/w:rPr/w:del", NS) is not None]
    assert ["".join(p.itertext()) for p in inserted] == [
        "5.To welcome the regional guidelines on labour migration."
    ]
    assert len(deleted) == 2  # 5 and its sub-paragraph a
    assert all(p.find(".//w:t", NS) is None for p in deleted)  # only w:delText in them
    settings = docx_xml(export(client, demo, format="docx-tracked").data, "word/settings.xml").find(
        "w:trackRevisions", NS
    )
    assert settings is not None


def test_tracked_export_between_two_revisions_and_without_changes(client, auth, demo):
    auth.login("secretariat@demo.test")
    same = export(client, demo, format="docx-tracked", **{"from": "Draft", "to": "Draft"})
    assert same.status_code == 200
    root = docx_xml(same.data)
    assert not root.findall(".//w:ins", NS) and not root.findall(".//w:del", NS)
    assert export(client, demo, format="docx-tracked", **{"from": "Rev.7"}).status_code == 404


def start_silence(auth, demo) -> None:
    from datetime import timedelta, timezone

    auth.login("elsalvador@demo.test")
    for paragraph in demo.document()["paragraphs"]:  # bring the Spanish in step first
        url = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}"
        if "es" not in paragraph["translation_pending"]:
            continue
        if "es" in paragraph["text"]:
            assert auth.post(f"{url}/confirm-translation", json={"lang": "es"}).status_code == 201
        else:
            written = {"lang": "es", "text": "Acoger las directrices.", "base_version": 0}
            assert auth.post(f"{url}/versions", json=written).status_code == 201
    auth.login("panama@demo.test")
    deadline = (clock.now() + timedelta(hours=2)).astimezone(timezone(timedelta(hours=-6)))
    started = auth.post(
        f"/api/documents/{demo.id}/transitions/start_silence",
        json={"deadline": deadline.isoformat(timespec="seconds")},
    )
    assert started.status_code == 200, started.get_json()


def test_after_silence_starts_the_tracked_download_defaults_to_the_last_differing_revision(
    client, auth, demo
):
    """Silence snapshots Rev.2, which reads as the current text: the page's download and the
    Changes page start from Rev.1, where the changes are, and any range can be chosen."""
    from lxml import html as lxml_html

    story = Story(client, auth, demo).run()
    start_silence(auth, demo)
    page = lxml_html.fromstring(client.get(f"/documents/{demo.id}").get_data(as_text=True))
    (form,) = page.cssselect("form.tracked-download")
    assert form.get("action") == f"/api/documents/{demo.id}/export"
    chosen = {
        select.get("name"): [o.get("value") for o in select.cssselect("option[selected]")]
        for select in form.cssselect("select")
    }
    assert chosen == {"from": ["Rev.1"], "to": ["current"], "lang": ["en"]}
    offered = [o.get("value") for o in form.cssselect("select[name=from] option")]
    assert offered == ["Rev.2", "Rev.1", "Draft"]
    fields = {i.get("name"): i.get("value") for i in form.cssselect("input[type=hidden]")}
    response = client.get(form.get("action"), query_string={**fields, "from": "Rev.1"})
    assert response.status_code == 200, response.get_json()
    root = docx_xml(response.data)
    assert paragraph_texts(root, accept=True)[3:] == story.printed(story.after_list)
    assert root.findall(".//w:ins", NS)
    # the API's default is the same revision
    default = export(client, demo, format="docx-tracked")
    assert "changes-since-Rev.1" in default.headers["Content-Disposition"]
    # a range between two revisions, chosen in the form
    between = client.get(
        form.get("action"), query_string={**fields, "from": "Draft", "to": "Rev.1"}
    )
    assert between.status_code == 200
    assert paragraph_texts(docx_xml(between.data), accept=True)[3:] == story.printed(
        story.before_list
    )
    # the Changes page starts there too and downloads what it shows
    changes = lxml_html.fromstring(
        client.get(f"/documents/{demo.id}/changes").get_data(as_text=True)
    )
    assert changes.cssselect("select[name=from] option[selected]")[0].get("value") == "Rev.1"
    (link,) = changes.cssselect("a[data-format=docx-tracked]")
    download = client.get(link.get("href"))
    assert download.status_code == 200 and download.mimetype == DOCX
    assert "changes-since-Rev.1" in download.headers["Content-Disposition"]
    chosen = client.get(f"/documents/{demo.id}/changes?from=Draft&to=Rev.1&lang=es")
    (link,) = lxml_html.fromstring(chosen.get_data(as_text=True)).cssselect(
        "a[data-format=docx-tracked]"
    )
    assert "from=Draft" in link.get("href") and "to=Rev.1" in link.get("href")
    assert "lang=es" in link.get("href")


def test_export_permissions(client, auth, demo, app):
    assert export(client, demo, format="docx").status_code == 404  # anonymous, not published
    auth.login("iom@demo.test")  # observers read, so they may download
    assert export(client, demo, format="docx").status_code == 200


@pytest.mark.slow
def test_libreoffice_opens_the_clean_and_tracked_files(client, auth, demo, tmp_path):
    Story(client, auth, demo).run()
    auth.login("mexico@demo.test")
    reservation = auth.post(
        f"/api/documents/{demo.id}/reservations",
        json={"kind": "reservation", "text": "Footnote for LibreOffice."},
    )
    assert reservation.status_code == 201
    clean = tmp_path / "clean.docx"
    clean.write_bytes(export(client, demo, format="docx").data)
    tracked = tmp_path / "tracked.docx"
    tracked.write_bytes(export(client, demo, format="docx-tracked").data)
    text = pdf_text(soffice_pdf(clean, tmp_path))
    assert "Conclusions of the Meeting of the Regional Consultation Group" in text
    assert "To warmly thank Mexico" in text
    assert "Footnote for LibreOffice." in text
    changed = pdf_text(soffice_pdf(tracked, tmp_path))
    # LibreOffice shows both sides of a tracked change in the printed file.
    assert "To welcome the regional guidelines on labour migration." in changed
    assert "To thank the Mesoamerica Programme of the IOM" in changed
    assert "The TS will circulate a summary." in changed
    # LibreOffice read the revisions themselves: its own format lists them by delegation.
    odt = soffice_pdf(tracked, tmp_path, "odt")
    with zipfile.ZipFile(odt) as archive:
        content = etree.fromstring(archive.read("content.xml"))
    office = "urn:oasis:names:tc:opendocument:xmlns:"
    regions = content.findall(f".//{{{office}text:1.0}}changed-region")
    creators = {c.text for c in content.iter("{http://purl.org/dc/elements/1.1/}creator")}
    assert len(regions) >= 5
    assert {
        "Mexico (MX)",
        "El Salvador (SV)",
        "Costa Rica (CR)",
        "Canada (CA)",
        "United States (US)",
    } <= creators


def test_characters_xml_cannot_hold_are_left_out_of_every_file(client, auth, demo):
    auth.login("elsalvador@demo.test")
    three = demo.paragraph("3")
    saved = auth.post(
        f"/api/documents/{demo.id}/paragraphs/{three['id']}/versions",
        json={"lang": "en", "text": "Vertical\x0btab and form\x0cfeed.", "base_version": 1},
    )
    assert saved.status_code == 201
    for fmt in ("docx", "docx-tracked", "akn", "html"):
        response = export(client, demo, format=fmt)
        assert response.status_code == 200, fmt
        xml = docx_xml(response.data) if fmt.startswith("docx") else response.data
        if fmt.startswith("docx"):
            xml = "".join(xml.itertext()).encode()
        assert b"\x0b" not in xml and b"\x0c" not in xml
    texts = [p.text for p in body_paragraphs(export(client, demo, format="docx").data)]
    assert "3.\tVerticaltab and formfeed." in texts
