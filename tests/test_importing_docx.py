"""Word imports: numbering from Word's automatic lists, tracked changes in the file, and a
delegation's marked-up copy of an export filed as its amendments."""

from __future__ import annotations

import copy
import io

import docx
from docx.oxml import parse_xml
from support.formats import Marked, W, q

from drafting.services.importing import parse_upload
from drafting.text.parsing import walk

# -- Word's automatic numbering -------------------------------------------------------------


def add_list(document, formats: list[str]) -> int:
    """A numbering definition whose levels use `formats` (e.g. lowerLetter first); its numId."""
    numbering = document.part.numbering_part.element
    abstract_id = 90 + len(numbering.findall(q("abstractNum")))
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="%{i + 1}."/><w:lvlJc w:val="left"/></w:lvl>'
        for i, fmt in enumerate(formats)
    )
    abstract = parse_xml(
        f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="{abstract_id}">'
        f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>'
    )
    first_num = numbering.find(q("num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    num_id = 900 + abstract_id
    numbering.append(
        parse_xml(
            f'<w:num xmlns:w="{W}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
            "</w:num>"
        )
    )
    return num_id


def listed(document, text: str, num_id: int, ilvl: int):
    paragraph = document.add_paragraph(text)
    numpr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numpr.get_or_add_ilvl().val = ilvl
    numpr.get_or_add_numId().val = num_id
    return paragraph


def saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_list_levels_give_depth_whatever_the_number_format():
    document = docx.Document()
    document.add_paragraph("CONCLUSIONS")
    letters_first = add_list(document, ["lowerLetter", "lowerRoman", "decimal"])
    listed(document, "First paragraph, shown by Word as a.", letters_first, 0)
    listed(document, "Its sub-paragraph, shown as i.", letters_first, 1)
    listed(document, "A third level, shown as 1.", letters_first, 2)
    listed(document, "Second paragraph", letters_first, 0)
    off = document.add_paragraph("Numbering switched off with numId 0", style="List Number")
    numpr = off._p.get_or_add_pPr().get_or_add_numPr()
    numpr.get_or_add_ilvl().val = 0
    numpr.get_or_add_numId().val = 0
    forest = parse_upload("list.docx", saved(document))
    shape = [(p.depth, p.text) for p in walk(forest)]
    assert shape == [
        (0, "CONCLUSIONS"),
        (1, "First paragraph, shown by Word as a."),
        (2, "Its sub-paragraph, shown as i."),
        (3, "A third level, shown as 1."),
        # numId 0 turns the style's list off: an unnumbered line continues the paragraph.
        (1, "Second paragraph Numbering switched off with numId 0"),
    ]


def test_mixed_typed_numbers_and_auto_lists_import_over_http(auth, demo):
    document = docx.Document()
    document.add_paragraph("Preamble line")
    document.add_paragraph("1. Typed first paragraph.")
    document.add_paragraph("a. Typed letter.")
    decimal = add_list(document, ["decimal", "lowerLetter", "lowerRoman"])
    listed(document, "Automatic second paragraph.", decimal, 0)
    listed(document, "Automatic letter.", decimal, 1)
    listed(document, "Automatic roman.", decimal, 2)
    auth.login("secretariat@demo.test")
    response = auth.client.post(
        "/api/documents/import",
        data={"file": (io.BytesIO(saved(document)), "mixed.docx"), "title": "Mixed"},
        headers=auth.headers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    paragraphs = auth.get(f"/api/documents/{response.get_json()['id']}").get_json()["paragraphs"]
    assert [(p["number"], p["text"]["en"]) for p in paragraphs] == [
        ("PP1", "Preamble line"),
        ("1", "Typed first paragraph."),
        ("1.a", "Typed letter."),
        ("2", "Automatic second paragraph."),
        ("2.a", "Automatic letter."),
        ("2.a.i", "Automatic roman."),
    ]


def test_tracked_changes_in_an_imported_file_count_as_accepted():
    document = docx.Document()
    paragraph = document.add_paragraph("1. To thank ")
    p = paragraph._p
    p.append(
        parse_xml(
            f'<w:del xmlns:w="{W}" w:id="1" w:author="X" w:date="2026-01-01T00:00:00Z">'
            "<w:r><w:delText>Canada</w:delText></w:r></w:del>"
        )
    )
    p.append(
        parse_xml(
            f'<w:ins xmlns:w="{W}" w:id="2" w:author="X" w:date="2026-01-01T00:00:00Z">'
            "<w:r><w:t>Mexico</w:t></w:r></w:ins>"
        )
    )
    p.append(
        parse_xml(f'<w:r xmlns:w="{W}"><w:t xml:space="preserve"> for the report.</w:t></w:r>')
    )
    forest = parse_upload("tracked.docx", saved(document))
    assert [p.text for p in walk(forest)] == ["To thank Mexico for the report."]


# -- a delegation's marked-up copy ----------------------------------------------------------


def export_as(auth, demo, email: str) -> Marked:
    auth.login(email)
    response = auth.get(f"/api/documents/{demo.id}/export?format=docx")
    assert response.status_code == 200
    return Marked(response.data)


def upload(auth, demo, data: bytes, name: str = "marked-up.docx"):
    return auth.client.post(
        f"/api/documents/{demo.id}/amendments/import",
        data={"file": (io.BytesIO(data), name)},
        headers=auth.headers(),
        content_type="multipart/form-data",
    )


def amendments(auth, demo) -> dict[int, dict]:
    return {a["id"]: a for a in auth.get(f"/api/documents/{demo.id}/amendments").get_json()}


def test_word_changes_become_amendments_of_the_delegation(auth, demo):
    marked = export_as(auth, demo, "mexico@demo.test")
    marked.replace("3.", "UNHCR", "UN Refugee Agency (UNHCR)")
    marked.replace("6.", "to ratify the commitment", "to reaffirm the commitment")
    response = upload(auth, demo, marked.bytes())
    assert response.status_code == 201, response.get_json()
    ids = response.get_json()["amendments"]
    assert len(ids) == 2
    filed = amendments(auth, demo)
    three, six = demo.paragraph("3"), demo.paragraph("6")
    by_paragraph = {filed[i]["paragraph_id"]: filed[i] for i in ids}
    assert set(by_paragraph) == {three["id"], six["id"]}
    first = by_paragraph[three["id"]]
    assert first["kind"] == "modify" and first["delegation"] == "MX"
    assert first["status"] == "submitted"
    assert first["text"] == three["text"]["en"].replace("UNHCR", "UN Refugee Agency (UNHCR)")
    assert by_paragraph[six["id"]]["text"].startswith(
        "To thank El Salvador and IOM for the presentation"
    )
    assert "to reaffirm the commitment" in by_paragraph[six["id"]]["text"]


def test_amendments_are_based_on_the_version_the_delegation_read(auth, demo):
    marked = export_as(auth, demo, "mexico@demo.test")
    marked.replace("3.", "To thank the UNHCR", "To warmly thank the UNHCR")
    # Meanwhile the committee changes the end of the same paragraph.
    auth.login("elsalvador@demo.test")
    three = demo.paragraph("3")
    edited = three["text"]["en"] + " Adopted by consensus."
    saved_edit = auth.post(
        f"/api/documents/{demo.id}/paragraphs/{three['id']}/versions",
        json={"lang": "en", "text": edited, "base_version": three["version"]["en"]},
    )
    assert saved_edit.status_code == 201
    auth.login("mexico@demo.test")
    response = upload(auth, demo, marked.bytes())
    assert response.status_code == 201, response.get_json()
    (amendment_id,) = response.get_json()["amendments"]
    auth.login("elsalvador@demo.test")
    decided = auth.post(f"/api/amendments/{amendment_id}/decision", json={"decision": "accept"})
    assert decided.status_code == 200, decided.get_json()
    # A three-way merge from the exported version keeps the committee's later edit.
    assert demo.paragraph("3")["text"]["en"] == (
        "To warmly thank the UNHCR for the report on the status of the Global Compact on "
        "Refugees and the Comprehensive Regional Protection and Solutions Framework (CRPSF). "
        "Adopted by consensus."
    )


def test_without_bookmarks_paragraphs_are_found_by_their_numbers(auth, demo):
    marked = export_as(auth, demo, "canada@demo.test")
    marked.drop_bookmarks()
    marked.replace("b.\tTo establish a drafting committee", "Costa Rica", "Costa Rica, Canada")
    marked.replace("ii.", "1 August", "2 August")
    response = upload(auth, demo, marked.bytes())
    assert response.status_code == 201, response.get_json()
    filed = amendments(auth, demo)
    targets = {filed[i]["paragraph_id"] for i in response.get_json()["amendments"]}
    assert targets == {demo.paragraph("6.b")["id"], demo.paragraph("6.b.ii")["id"]}
    assert all(filed[i]["delegation"] == "CA" for i in response.get_json()["amendments"])


def test_deleted_and_new_paragraphs_become_delete_and_insert_amendments(auth, demo):
    marked = export_as(auth, demo, "usa@demo.test")
    marked.delete_paragraph("a.\tTo thank United States for funding")
    marked.insert_after("4.", "To welcome the new Liaison Officer Network.", "ParagraphLevel1")
    response = upload(auth, demo, marked.bytes())
    assert response.status_code == 201, response.get_json()
    filed = amendments(auth, demo)
    kinds = {filed[i]["kind"]: filed[i] for i in response.get_json()["amendments"]}
    assert set(kinds) == {"delete", "insert"}
    assert kinds["delete"]["paragraph_id"] == demo.paragraph("5.a")["id"]
    # Written after 4's sub-paragraph a, at depth 1: after paragraph 4.
    assert kinds["insert"]["paragraph_id"] == demo.paragraph("4")["id"]
    assert kinds["insert"]["text"] == "To welcome the new Liaison Officer Network."


def test_refusals_leave_nothing_filed(auth, demo):
    marked = export_as(auth, demo, "mexico@demo.test")
    unchanged = marked.bytes()
    assert upload(auth, demo, unchanged).status_code == 400  # nothing changed
    assert upload(auth, demo, b"not a zip").status_code == 400
    missing = auth.client.post(
        f"/api/documents/{demo.id}/amendments/import",
        data={},
        headers=auth.headers(),
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400
    # One bad paragraph (unbalanced bracket) refuses the whole file.
    marked.replace("3.", "UNHCR", "[UNHCR")
    marked.replace("6.", "to ratify", "to confirm")
    bad = upload(auth, demo, marked.bytes())
    assert bad.status_code == 400 and "bracket" in bad.get_json()["error"]
    assert amendments(auth, demo) == {}
    # A file exported from another document.
    other = copy.deepcopy(marked)
    core = other.files["docProps/core.xml"].decode()
    other.files["docProps/core.xml"] = core.replace(
        f"drafting:document={demo.id};", "drafting:document=999;"
    ).encode()
    wrong = upload(auth, demo, other.bytes())
    assert wrong.status_code == 400 and "999" in wrong.get_json()["error"]
    # Observers do not negotiate.
    auth.login("iom@demo.test")
    assert upload(auth, demo, marked.bytes()).status_code == 403
    assert amendments(auth, demo) == {}


def test_preview_lists_the_amendments_and_files_none_then_the_chosen_one_is_filed(auth, demo):
    marked = export_as(auth, demo, "mexico@demo.test")
    marked.replace("3.", "UNHCR", "UN Refugee Agency (UNHCR)")
    marked.replace("6.", "to ratify the commitment", "to reaffirm the commitment")
    preview = auth.client.post(
        f"/api/documents/{demo.id}/amendments/import?preview=1",
        data={"file": (io.BytesIO(marked.bytes()), "m.docx")},
        headers=auth.headers(),
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    listed_ = preview.get_json()["amendments"]
    assert [(a["index"], a["paragraph"], a["kind"], a["duplicate"]) for a in listed_] == [
        (0, "3", "modify", False),
        (1, "6", "modify", False),
    ]
    assert "UN Refugee Agency (UNHCR)" in listed_[0]["new"]
    assert "UN Refugee Agency" not in listed_[0]["old"]
    assert amendments(auth, demo) == {}
    chosen = auth.client.post(
        f"/api/documents/{demo.id}/amendments/import",
        data={"file": (io.BytesIO(marked.bytes()), "m.docx"), "choose": "1"},
        headers=auth.headers(),
        content_type="multipart/form-data",
    )
    assert chosen.status_code == 201
    (only,) = amendments(auth, demo).values()
    assert only["paragraph_id"] == demo.paragraph("6")["id"]


def test_the_same_file_uploaded_twice_files_nothing_new(auth, demo):
    marked = export_as(auth, demo, "mexico@demo.test")
    marked.replace("3.", "UNHCR", "UN Refugee Agency (UNHCR)")
    marked.delete_paragraph("a.\tTo thank United States for funding")
    assert upload(auth, demo, marked.bytes()).status_code == 201
    again = upload(auth, demo, marked.bytes())
    assert again.status_code == 200
    assert again.get_json()["amendments"] == []
    assert [a["paragraph"] for a in again.get_json()["already_filed"]] == ["3", "5.a"]
    assert len(amendments(auth, demo)) == 2


def retyped(demo, tracked_in: str | None = None) -> bytes:
    """The demo text retyped in Word by someone else: its own labels ("3)"), doubled spaces,
    no identifier and no bookmarks; a tracked change only in paragraph `tracked_in`."""
    document = docx.Document()
    for paragraph in demo.document()["paragraphs"]:
        label = paragraph["label"].replace(".", ")")
        text = paragraph["text"]["en"].replace(" ", "  ", 1)
        p = document.add_paragraph(f"{label}  {text}" if label else text)
        if paragraph["number"] == tracked_in:
            p._p.append(
                parse_xml(
                    f'<w:ins xmlns:w="{W}" w:id="7" w:author="MX" w:date="2026-01-01T00:00:00Z">'
                    '<w:r><w:t xml:space="preserve"> Also Canada.</w:t></w:r></w:ins>'
                )
            )
    return saved(document)


def test_a_word_file_not_from_the_app_without_tracked_changes_files_nothing(auth, demo):
    auth.login("mexico@demo.test")
    response = upload(auth, demo, retyped(demo), "retyped.docx")
    assert response.status_code == 400
    assert "no change" in response.get_json()["error"]
    assert amendments(auth, demo) == {}


def test_a_word_file_not_from_the_app_files_only_its_tracked_changes(auth, demo):
    auth.login("mexico@demo.test")
    response = upload(auth, demo, retyped(demo, tracked_in="3"), "retyped.docx")
    assert response.status_code == 201, response.get_json()
    (only,) = amendments(auth, demo).values()
    assert only["paragraph_id"] == demo.paragraph("3")["id"]
    assert only["text"].endswith("Also Canada.")
