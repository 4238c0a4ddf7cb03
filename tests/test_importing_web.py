"""The upload pages: importing a text with a preview, a translation, a marked-up Word file."""

from __future__ import annotations

import io

from support.amendments import csrf_in
from support.formats import Marked

TEXT = "CONCLUSIONS\n\n1. To thank Mexico.\na) on data;\n\nAdopted in Panama City.\n"


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def process_id(client) -> int:
    return client.get("/api/processes").get_json()[0]["id"]


def test_staff_find_the_import_page_from_the_process_page(client, auth, demo):
    auth.login("secretariat@demo.test")
    pid = process_id(client)
    assert f'href="/processes/{pid}/import"' in page(client, f"/processes/{pid}")
    auth.login("mexico@demo.test")
    assert "/import" not in page(client, f"/processes/{pid}")
    html = page(client, f"/processes/{pid}/import")
    assert "only the secretariat and the PPT import documents" in html
    assert 'name="file"' not in html
    posted = client.post(
        f"/processes/{pid}/import",
        data={"csrf_token": csrf_in(html), "file": (io.BytesIO(TEXT.encode()), "c.txt")},
    )
    assert posted.status_code == 403


def test_preview_shows_the_tree_and_stores_nothing_then_create(client, auth, demo):
    auth.login("secretariat@demo.test")
    pid = process_id(client)
    html = page(client, f"/processes/{pid}/import")
    token = csrf_in(html)
    before = len(client.get("/api/documents").get_json())
    fields = {"csrf_token": token, "title": "Panama conclusions", "symbol": "RCM/1"}
    preview = client.post(
        f"/processes/{pid}/import",
        data={**fields, "file": (io.BytesIO(TEXT.encode()), "c.txt"), "preview": "1"},
        headers={"X-Preview-Fragment": "1"},
    )
    assert preview.status_code == 200
    fragment = preview.get_data(as_text=True)
    assert "<html" not in fragment
    assert "1.a" in fragment and "Adopted in Panama City." in fragment
    assert "closing" in fragment
    assert len(client.get("/api/documents").get_json()) == before
    created = client.post(
        f"/processes/{pid}/import",
        data={**fields, "file": (io.BytesIO(TEXT.encode()), "c.txt"), "proposer": "MX"},
    )
    assert created.status_code == 302
    new_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    document = client.get(f"/api/documents/{new_id}").get_json()
    assert (document["title"], document["symbol"]) == ("Panama conclusions", "RCM/1")
    assert [p["number"] for p in document["paragraphs"]] == ["PP1", "1", "1.a", "CP1"]


def test_a_bad_upload_says_why_and_creates_nothing(client, auth, demo):
    auth.login("secretariat@demo.test")
    pid = process_id(client)
    token = csrf_in(page(client, f"/processes/{pid}/import"))
    before = len(client.get("/api/documents").get_json())
    response = client.post(
        f"/processes/{pid}/import",
        data={"csrf_token": token, "file": (io.BytesIO("é".encode("latin-1")), "c.txt")},
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.get_data(as_text=True)
    assert len(client.get("/api/documents").get_json()) == before


def test_translation_page_previews_then_stores(client, auth, demo):
    auth.login("panama@demo.test")  # the PPT edits the text in committee review
    url = f"/documents/{demo.id}/translation"
    token = csrf_in(page(client, url))
    spanish = "\n".join(
        f"{p['label']} Texto {p['number']}" if p["label"] else f"Preámbulo {p['number']}"
        for p in demo.document()["paragraphs"]
        if p["depth"] == 1 or p["number"].startswith("PP")
    )
    preview = client.post(
        url,
        data={
            "csrf_token": token,
            "lang": "es",
            "preview": "1",
            "file": (io.BytesIO(spanish.encode()), "es.txt"),
        },
        headers={"X-Preview-Fragment": "1"},
    )
    assert preview.status_code == 200
    assert "Not aligned" in preview.get_data(as_text=True)
    assert demo.paragraph("3")["text"]["es"] != "Texto 3"
    stored = client.post(
        url,
        data={"csrf_token": token, "lang": "es", "file": (io.BytesIO(spanish.encode()), "es.txt")},
    )
    assert stored.status_code == 302
    assert demo.paragraph("3")["text"]["es"] == "Texto 3"
    assert demo.paragraph("6.a")["text"]["es"] != "Texto 6.a"  # not in the file: untouched


def test_marked_up_file_previewed_then_one_of_two_filed(client, auth, demo):
    auth.login("mexico@demo.test")
    assert f"/documents/{demo.id}/amendments/import" in page(client, f"/documents/{demo.id}")
    marked = Marked(client.get(f"/api/documents/{demo.id}/export?format=docx").data)
    marked.replace("3.", "UNHCR", "UN Refugee Agency (UNHCR)")
    marked.replace("6.", "to ratify the commitment", "to reaffirm the commitment")
    url = f"/documents/{demo.id}/amendments/import"
    token = csrf_in(page(client, url))
    preview = client.post(
        url,
        data={"csrf_token": token, "preview": "1", "file": (io.BytesIO(marked.bytes()), "m.docx")},
        headers={"X-Preview-Fragment": "1"},
    )
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert html.count('name="choose"') == 2
    assert client.get(f"/api/documents/{demo.id}/amendments").get_json() == []
    filed = client.post(
        url,
        data={"csrf_token": token, "choose": "0", "file": (io.BytesIO(marked.bytes()), "m.docx")},
    )
    assert filed.status_code == 302
    (only,) = client.get(f"/api/documents/{demo.id}/amendments").get_json()
    assert only["paragraph_id"] == demo.paragraph("3")["id"]


def test_observers_get_no_marked_up_upload(client, auth, demo):
    auth.login("iom@demo.test")
    assert f"/documents/{demo.id}/amendments/import" not in page(client, f"/documents/{demo.id}")
    html = page(client, f"/documents/{demo.id}/amendments/import")
    assert 'name="file"' not in html
    posted = client.post(
        f"/documents/{demo.id}/amendments/import",
        data={"csrf_token": csrf_in(html), "file": (io.BytesIO(b"PK"), "m.docx")},
    )
    assert posted.status_code == 403
