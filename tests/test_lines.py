"""Line numbers by a fixed measure (issue 20, item 6): the same lines on the page, in print
and in the exports of one revision."""

from __future__ import annotations

import io
import re

from docx import Document as WordFile
from lxml import html as lxml_html

from drafting.text.lines import LINE_WIDTH, lines_of


def test_lines_are_a_fixed_measure_of_whole_words():
    text = " ".join(["negotiation"] * 30)
    lines = lines_of(text)
    assert all(len(line) <= LINE_WIDTH for line in lines)
    assert " ".join(lines) == text
    assert len(lines) == len(lines_of(text)) > 3
    assert lines_of("") == []
    assert lines_of("first\nsecond") == ["first", "second"]
    assert max(len(x) for x in lines_of("x" * 200)) == LINE_WIDTH


def paragraph_lines(demo, number: str, lang: str = "en") -> list[str]:
    return lines_of(demo.paragraph(number)["text"][lang])


def test_the_document_page_numbers_lines_on_request(client, auth, demo):
    auth.login("mexico@demo.test")
    plain = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert 'class="line"' not in plain
    page = lxml_html.fromstring(client.get(f"/documents/{demo.id}?lines=1").get_data(as_text=True))
    pid = demo.paragraph("8.a")["id"]
    shown = page.xpath(f'//*[@id="p-{pid}"]//div[contains(@class,"plines") and @lang="en"]/span')
    assert [s.text_content() for s in shown] == paragraph_lines(demo, "8.a")
    assert [s.get("data-line") for s in shown] == [str(n) for n in range(1, len(shown) + 1)]


def test_print_and_html_export_agree_with_the_page(client, auth, demo):
    auth.login("secretariat@demo.test")
    expected = paragraph_lines(demo, "8.a")
    pid = demo.paragraph("8.a")["id"]
    printed = lxml_html.fromstring(
        client.get(f"/documents/{demo.id}/print?lines=1&text=en").get_data(as_text=True)
    )
    assert [
        s.text_content() for s in printed.xpath(f'//*[@id="p-{pid}"]//span[@class="line"]')
    ] == expected
    exported = client.get(f"/api/documents/{demo.id}/export?format=html&lines=1")
    assert exported.status_code == 200
    tree = lxml_html.fromstring(exported.data)
    assert [
        s.text_content() for s in tree.xpath(f'//*[@id="p{pid}"]//span[@class="line"]')
    ] == expected
    assert not lxml_html.fromstring(
        client.get(f"/api/documents/{demo.id}/export?format=html").data
    ).xpath('//span[@class="line"]')


def test_word_export_breaks_and_numbers_the_same_lines(client, auth, demo):
    auth.login("secretariat@demo.test")
    response = client.get(f"/api/documents/{demo.id}/export?format=docx&lines=1")
    assert response.status_code == 200
    word = WordFile(io.BytesIO(response.data))
    expected = paragraph_lines(demo, "8.a")
    found = next(p for p in word.paragraphs if expected[0] in p.text)
    numbered = [re.sub(r"^\d+ ", "", line) for line in found.text.split("\n")]
    assert numbered[0].endswith(expected[0]) and numbered[1:] == expected[1:]
    assert [line.split(" ")[0] for line in found.text.split("\n")][1:] == [
        str(n) for n in range(2, len(expected) + 1)
    ]


def test_lines_flag_must_be_yes_or_no(client, auth, demo):
    auth.login("mexico@demo.test")
    response = client.get(f"/api/documents/{demo.id}/export?format=html&lines=maybe")
    assert response.status_code == 400
    assert "error" in response.get_json()
