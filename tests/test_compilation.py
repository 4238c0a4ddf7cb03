"""The compilation of amendments as a page, a standalone .html and a .docx: recommendations,
rival groups and compromises, and only the amended paragraphs on request."""

from __future__ import annotations

import io

import docx
from support.amendments import EIGHT_A, file


def prepare(auth, demo) -> tuple[int, int, int]:
    """Two rivals on 8.a (one recommended with changes) and a compromise replacing both."""
    first = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Now.").get_json()["id"]
    second = file(auth, demo, "canada@demo.test", "8.a", EIGHT_A + " Later.").get_json()["id"]
    auth.login("elsalvador@demo.test")
    answer = auth.post(
        f"/api/amendments/{first}/recommendation",
        {"recommendation": "accept_with_changes", "text": EIGHT_A + " Soon.", "note": "Milder."},
    )
    assert answer.status_code == 200, answer.get_json()
    compromise = file(auth, demo, "elsalvador@demo.test", "8.a", EIGHT_A + " In time.",
                      replaces=[first, second]).get_json()["id"]  # fmt: skip
    return first, second, compromise


def docx_text(data: bytes) -> str:
    word = docx.Document(io.BytesIO(data))
    cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in word.paragraphs] + cells)


def test_the_page_shows_recommendations_and_rival_groups(auth, demo, client):
    first, second, compromise = prepare(auth, demo)
    html = client.get(f"/documents/{demo.id}/compilation").get_data(as_text=True)
    assert 'class="c-rivals"' in html
    assert f'href="#a-{first}">#{first}</a>, <a href="#a-{second}">' in html
    assert "accept with changes" in html and "Milder." in html and EIGHT_A + " Soon." in html
    assert "Replaces" in html and f'The compromise <a href="#a-{compromise}"' in html
    spanish = client.get(f"/documents/{demo.id}/compilation?lang=es",
                         headers={"Accept-Language": "es"}).get_data(as_text=True)  # fmt: skip
    assert "aceptar con cambios" in spanish


def test_only_amended_paragraphs_on_request(auth, demo, client):
    prepare(auth, demo)
    every = client.get(f"/documents/{demo.id}/compilation").get_data(as_text=True)
    only = client.get(f"/documents/{demo.id}/compilation?only=amended").get_data(as_text=True)
    assert every.count('class="no-amendments') > 10
    assert only.count('class="no-amendments') == 0 and only.count('class="has-amendments') == 1
    download = client.get(f"/documents/{demo.id}/compilation.html?only=amended")
    assert download.get_data(as_text=True).count('class="has-amendments') == 1


def test_the_compilation_as_a_word_file(auth, demo, client):
    first, second, compromise = prepare(auth, demo)
    response = client.get(f"/documents/{demo.id}/compilation.docx?only=amended")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = docx_text(response.data)
    assert "Compilation of amendments" in text and "only amended paragraphs" in text
    assert f"Competing amendments: #{first}, #{second}, #{compromise}" in text
    assert "The committee recommends: accept with changes (SV)" in text
    assert f"replaces #{first}, #{second}" in text
    assert "Mexico" in text and "Canada" in text
    assert "Thank Mexico" not in text  # paragraph 1 has no amendment
    full = docx_text(client.get(f"/documents/{demo.id}/compilation.docx?lang=es").data)
    assert "Compilación de enmiendas" in full and "aceptar con cambios" in full


def test_the_word_file_is_the_participants(client, demo):
    assert client.get(f"/documents/{demo.id}/compilation.docx").status_code == 404
