"""Importing numbered texts: the RCM fixture and the tricky cases around it."""

from __future__ import annotations

import io
from collections import Counter

import docx
import pytest

from drafting.services.errors import BadInput
from drafting.services.importing import docx_lines, parse_upload
from drafting.text.parsing import ImportError_, parse_text, walk


def labels(forest):
    return [(p.depth, p.label) for p in walk(forest)]


def test_fixture_imports_as_16_23_and_2_paragraphs(fixture_text):
    forest = parse_text(fixture_text)
    depths = Counter(p.depth for p in walk(forest))
    assert depths[1] == 16
    assert depths[2] == 23
    assert depths[3] == 2
    assert depths[0] == 5  # title, place, date, introduction and the CONCLUSIONS heading


def test_fixture_roman_numerals_sit_under_6_b(fixture_text):
    forest = parse_text(fixture_text)
    six = next(p for p in forest if p.label == "6")
    assert [c.label for c in six.children] == ["a", "b"]
    assert [c.label for c in six.children[1].children] == ["i", "ii"]


def test_fixture_text_is_intact_and_artefacts_dropped(fixture_text):
    forest = parse_text(fixture_text)
    six = next(p for p in forest if p.label == "6")
    assert six.text.startswith("To thank El Salvador and IOM for the presentation")
    assert "bookmark" not in six.text
    fourteen = next(p for p in forest if p.label == "14")
    assert fourteen.text.startswith("To thank the IOM and receive with thanks")
    eleven = next(p for p in forest if p.label == "11")
    assert eleven.depth == 1  # indented number is still a top-level paragraph
    every_text = " ".join(p.text for p in walk(forest))
    for line in fixture_text.splitlines():
        stripped = line.strip()
        if stripped and "[bookmark" not in stripped:
            body = stripped.split(" ", 1)[-1].strip() if stripped[0].isalnum() else stripped
            assert body[:40] in every_text


def test_i_after_h_is_a_letter_and_after_b_is_roman():
    letters = "\n".join(f"{c}. Item {c}" for c in "abcdefghij")
    forest = parse_text(
        "1. Chapeau:\n"
        + letters
        + "\n2. Next:\na. first\nb. second\ni. sub one\nii. sub two\nc. third"
    )
    assert [c.label for c in forest[0].children] == list("abcdefghij")
    assert all(c.depth == 2 for c in forest[0].children)
    second = forest[1]
    assert [c.label for c in second.children] == ["a", "b", "c"]
    assert [c.label for c in second.children[1].children] == ["i", "ii"]


def test_v_continuing_roman_list_stays_roman():
    text = "1. P\na. A\ni. one\nii. two\niii. three\niv. four\nv. five\nvi. six\nb. B"
    forest = parse_text(text)
    a = forest[0].children[0]
    assert [c.label for c in a.children] == ["i", "ii", "iii", "iv", "v", "vi"]
    assert [c.label for c in forest[0].children] == ["a", "b"]


def test_parentheses_indentation_blank_lines_and_windows_endings():
    text = (
        "Heading\r\n\r\n   1) First point\r\n\r\n      (a) sub a\r\n  (b) sub b\r\n\r\n"
        "2) Second\r\n"
    )
    forest = parse_text(text)
    assert labels(forest) == [(0, ""), (1, "1"), (2, "a"), (2, "b"), (1, "2")]
    assert forest[1].children[1].text == "sub b"
    assert "\r" not in "".join(p.text for p in walk(forest))


def test_unnumbered_line_continues_the_paragraph_above():
    forest = parse_text("1. A paragraph that was\nhard-wrapped by an editor.\n2. Next")
    assert forest[0].text == "A paragraph that was hard-wrapped by an editor."


def test_empty_file_is_refused():
    with pytest.raises(ImportError_):
        parse_text("\n\n  \n")


def test_docx_with_typed_numbers_and_word_list_levels():
    document = docx.Document()
    document.add_paragraph("CONCLUSIONS")
    document.add_paragraph("1. To thank Mexico for the report.")
    document.add_paragraph("a. To follow up on the Global Compact.")
    auto = document.add_paragraph("Automatic first level", style="List Number")
    nested = document.add_paragraph("Automatic second level", style="List Number 2")
    assert auto.text and nested.text
    explicit = document.add_paragraph("Explicit third level", style="List Number")
    numpr = explicit._p.get_or_add_pPr().get_or_add_numPr()
    numpr.get_or_add_ilvl().val = 2
    numpr.get_or_add_numId().val = 1
    buffer = io.BytesIO()
    document.save(buffer)
    forest = parse_upload("conclusions.docx", buffer.getvalue())
    assert labels(forest)[:3] == [(0, ""), (1, "1"), (2, "a")]
    depths = [p.depth for p in walk(forest)]
    assert depths == [0, 1, 2, 1, 2, 3]
    assert [p.text for p in walk(forest)][-3:] == [
        "Automatic first level",
        "Automatic second level",
        "Explicit third level",
    ]


def test_docx_lines_refuses_a_file_that_is_not_a_zip():
    with pytest.raises(BadInput, match="not a Word document"):
        docx_lines(b"PK\x03\x04 this is not really a zip")


def test_text_in_another_encoding_is_refused_with_a_message():
    latin1 = "1. Migración y desarrollo".encode("latin-1")
    with pytest.raises(BadInput, match="not UTF-8"):
        parse_upload("conclusiones.txt", latin1)


def sections(forest):
    return [(p.section, p.label, p.text) for p in walk(forest)]


def test_closing_line_after_the_last_paragraph_stays_its_own_paragraph():
    forest = parse_text(
        "1. To thank Mexico.\n2. To meet again in 2019.\n\n"
        "Adopted in Panama City, 15 November 2018.\n"
    )
    assert sections(forest) == [
        ("operative", "1", "To thank Mexico."),
        ("operative", "2", "To meet again in 2019."),
        ("closing", "", "Adopted in Panama City, 15 November 2018."),
    ]


def test_closing_line_right_below_the_last_paragraph_is_not_merged_into_it():
    forest = parse_text("1. To meet again in 2019.\nAdopted in Panama City,\non 15 November 2018.")
    assert sections(forest) == [
        ("operative", "1", "To meet again in 2019."),
        ("closing", "", "Adopted in Panama City, on 15 November 2018."),
    ]


def test_a_list_under_a_new_heading_restarts_its_lettering():
    forest = parse_text(
        "1. The meeting agreed:\na) one\nb) two\nc) three\n\nFollow-up\n\na) four\nb) five\n"
    )
    assert [c.label for c in forest[0].children] == ["a", "b", "c"]
    assert [(p.section, p.depth, p.label) for p in forest[1:]] == [
        ("closing", 0, ""),
        ("operative", 1, "a"),
        ("operative", 1, "b"),
    ]
    assert [p.source_label for p in forest[2:]] == ["a)", "b)"]


def test_a_letter_at_the_top_level_after_a_heading_stays_a_letter():
    forest = parse_text("Recommendations\n\na. To share data.\nb. To meet.\ni. in person")
    assert labels(forest) == [(0, ""), (1, "a"), (1, "b"), (2, "i")]
    assert [p.source_label for p in walk(forest)][1:] == ["a.", "b.", "i."]


def test_long_unnumbered_stretch_inside_a_numbered_text_is_split_off():
    note = "\n".join(f"Line {n} of the concept note." for n in range(1, 42))
    forest = parse_text(f"1. To take note of the concept note:\n\n{note}\n\n2. To thank IOM.")
    assert forest[0].text == "To take note of the concept note:"
    middle = [p for p in forest if p.section == "closing"]
    assert len(middle) == 41
    assert middle[0].text == "Line 1 of the concept note."
    assert [p.label for p in forest if p.section == "operative"] == ["1", "2"]


def test_dash_before_a_number_and_source_label_styles_are_kept():
    forest = parse_text("1) First\n(a) sub a\n- i. sub-sub\n- ii. another\n2) Second")
    assert labels(forest) == [(1, "1"), (2, "a"), (3, "i"), (3, "ii"), (1, "2")]
    assert [p.source_label for p in walk(forest)] == ["1)", "(a)", "i.", "ii.", "2)"]
