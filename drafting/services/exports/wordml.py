"""WordprocessingML at the level python-docx does not reach: tracked-change runs (w:ins /
w:del with w:delText), real footnotes (a footnotes part) and reading a marked-up file back.

python-docx writes the package, styles and properties; no maintained Python package writes
revision markup, so the few elements involved are built here with lxml, following
ECMA-376 Part 1 §17.13 (revisions) and §17.11 (footnotes).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from drafting.services.errors import BadInput
from drafting.services.exports.revision_text import xml_safe

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_NS = "http://www.w3.org/XML/1998/namespace"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
INDENT = Cm(1)  # one level of the hanging indent
MAX_DOCX_UNCOMPRESSED = 50 * 1024 * 1024  # a zip bomb is refused before python-docx opens it
DOCX_CONTENT_TYPES = "[Content_Types].xml"
LANGUAGE_TAGS = {"en": "en-GB", "es": "es-ES", "fr": "fr-FR", "pt": "pt-BR"}


def open_docx(data: bytes) -> docx.document.Document:
    """The one way an uploaded .docx is opened: a real Word package, at most 50 MB once
    expanded (checked on the zip directory before anything is inflated), else BadInput."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BadInput("the file is not a Word document (.docx is a zip archive)") from None
    with archive:
        names = archive.namelist()
        if DOCX_CONTENT_TYPES not in names or "word/document.xml" not in names:
            raise BadInput("the zip archive is not a Word document")
        if sum(info.file_size for info in archive.infolist()) > MAX_DOCX_UNCOMPRESSED:
            raise BadInput("the Word document expands to more than 50 MB; refusing to open it")
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds on broken files
        raise BadInput(f"the Word document cannot be read: {error}") from None


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def word_date(moment: datetime) -> str:
    """ISO 8601 in UTC without fractions, as Word writes w:date."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Change:
    """Revision attributes for a w:ins or w:del."""

    author: str
    date: datetime


class WordDocument:
    """One .docx being written: styles for our paragraph levels, unique ids for revisions
    and bookmarks, and footnotes."""

    def __init__(self, lang: str) -> None:
        self.doc = docx.Document()
        self.lang = lang
        self.body = self.doc.element.body
        self._sect = self.body.find(w("sectPr"))
        self._ids = 0
        self._footnotes: etree._Element | None = None
        self._footnote_count = 0
        self._styles()

    # -- set-up ---------------------------------------------------------------------------

    def _styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name = "Times New Roman"
        normal.font.size = Pt(12)
        normal.paragraph_format.space_after = Pt(6)
        rpr = normal.element.get_or_add_rPr()
        lang = etree.SubElement(rpr, w("lang"))
        lang.set(w("val"), LANGUAGE_TAGS.get(self.lang, self.lang))

        def paragraph_style(name: str) -> docx.styles.style.ParagraphStyle:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = normal
            style.quick_style = True
            return style

        symbol = paragraph_style("Document Symbol")
        symbol.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        symbol.font.size = Pt(10)
        title = paragraph_style("Document Title")
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_before = Pt(12)
        title.paragraph_format.space_after = Pt(18)
        title.font.bold = True
        title.font.size = Pt(14)
        status = paragraph_style("Document Status")
        status.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        status.font.size = Pt(9)
        preamble = paragraph_style("Preambular Paragraph")
        preamble.font.italic = True
        preamble.paragraph_format.first_line_indent = INDENT
        closing = paragraph_style("Closing Paragraph")
        closing.paragraph_format.space_before = Pt(12)
        for depth in (1, 2, 3, 4):
            level = paragraph_style(f"Paragraph Level {depth}")
            level.paragraph_format.left_indent = INDENT * depth
            level.paragraph_format.first_line_indent = -INDENT
            level.paragraph_format.tab_stops.add_tab_stop(INDENT * depth)
        note = paragraph_style("footnote text")
        note.font.size = Pt(10)
        note.paragraph_format.space_after = Pt(0)
        reference = styles.add_style("footnote reference", WD_STYLE_TYPE.CHARACTER)
        reference.font.superscript = True
        line_number = styles.add_style("Line Number", WD_STYLE_TYPE.CHARACTER)
        line_number.font.size = Pt(8)
        line_number.font.color.rgb = RGBColor(0x55, 0x55, 0x55)

    def style_id(self, name: str) -> str:
        return self.doc.styles[name].style_id

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    # -- writing --------------------------------------------------------------------------

    def paragraph(
        self,
        style: str,
        *,
        inserted: Change | None = None,
        deleted: Change | None = None,
        keep_with_next: bool = False,
    ) -> etree._Element:
        """A new w:p at the end of the body; its mark may be inserted or deleted."""
        p = etree.Element(w("p"))
        ppr = etree.SubElement(p, w("pPr"))
        etree.SubElement(ppr, w("pStyle")).set(w("val"), self.style_id(style))
        if keep_with_next:
            etree.SubElement(ppr, w("keepNext"))
        if inserted or deleted:
            rpr = etree.SubElement(ppr, w("rPr"))
            if inserted:
                self._revision(rpr, "ins", inserted)
            if deleted:
                self._revision(rpr, "del", deleted)
        self._sect.addprevious(p)
        return p

    def _revision(self, parent: etree._Element, tag: str, change: Change) -> etree._Element:
        mark = etree.SubElement(parent, w(tag))
        mark.set(w("id"), str(self.next_id()))
        mark.set(w("author"), change.author or "Unknown")
        mark.set(w("date"), word_date(change.date))
        return mark

    def run(self, parent: etree._Element, text: str, *, deleted: bool = False, **fmt) -> None:
        """Text as one w:r; tabs and line breaks become w:tab / w:br."""
        r = etree.SubElement(parent, w("r"))
        if fmt:
            rpr = etree.SubElement(r, w("rPr"))
            if fmt.get("style"):
                etree.SubElement(rpr, w("rStyle")).set(w("val"), self.style_id(fmt["style"]))
            if fmt.get("bold"):
                etree.SubElement(rpr, w("b"))
            if fmt.get("italic"):
                etree.SubElement(rpr, w("i"))
        text_tag = w("delText") if deleted else w("t")
        for index, line in enumerate(xml_safe(text).split("\n")):
            if index:
                etree.SubElement(r, w("br"))
            for part_index, part in enumerate(line.split("\t")):
                if part_index:
                    etree.SubElement(r, w("tab"))
                if part:
                    t = etree.SubElement(r, text_tag)
                    t.text = part
                    if part != part.strip():
                        t.set(f"{{{XML_NS}}}space", "preserve")

    def line_break(self, parent: etree._Element) -> None:
        etree.SubElement(etree.SubElement(parent, w("r")), w("br"))

    def tab(self, parent: etree._Element) -> None:
        etree.SubElement(etree.SubElement(parent, w("r")), w("tab"))

    def inserted(self, p: etree._Element, text: str, change: Change) -> None:
        self.run(self._revision(p, "ins", change), text)

    def deleted(self, p: etree._Element, text: str, change: Change) -> None:
        self.run(self._revision(p, "del", change), text, deleted=True)

    def bookmark(self, p: etree._Element, name: str) -> None:
        """A bookmark around the paragraph's content, which survives editing in Word and
        lets a marked-up file be matched back to our paragraph ids."""
        bid = str(self.next_id())
        start = etree.Element(w("bookmarkStart"))
        start.set(w("id"), bid)
        start.set(w("name"), name)
        ppr = p.find(w("pPr"))
        if ppr is not None:
            ppr.addnext(start)
        else:
            p.insert(0, start)
        etree.SubElement(p, w("bookmarkEnd")).set(w("id"), bid)

    # -- footnotes ------------------------------------------------------------------------

    def _footnotes_root(self) -> etree._Element:
        if self._footnotes is None:
            xml = (
                f'<w:footnotes xmlns:w="{W_NS}">'
                '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0"'
                ' w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p>'
                "</w:footnote>"
                '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing'
                ' w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r>'
                "<w:continuationSeparator/></w:r></w:p></w:footnote>"
                "</w:footnotes>"
            )
            part = XmlPart(
                PackURI("/word/footnotes.xml"), FOOTNOTES_CT, parse_xml(xml), self.doc.part.package
            )
            self.doc.part.relate_to(part, RT.FOOTNOTES)
            self._footnotes = part.element
        return self._footnotes

    def footnote(self, p: etree._Element, heading: str, text: str) -> int:
        """A real Word footnote: the reference mark at the end of `p`, the note in the
        footnotes part."""
        root = self._footnotes_root()
        self._footnote_count += 1
        number = self._footnote_count
        note = etree.SubElement(root, w("footnote"))
        note.set(w("id"), str(number))
        np = etree.SubElement(note, w("p"))
        ppr = etree.SubElement(np, w("pPr"))
        etree.SubElement(ppr, w("pStyle")).set(w("val"), self.style_id("footnote text"))
        ref = etree.SubElement(np, w("r"))
        rpr = etree.SubElement(ref, w("rPr"))
        etree.SubElement(rpr, w("rStyle")).set(w("val"), self.style_id("footnote reference"))
        etree.SubElement(ref, w("footnoteRef"))
        self.run(np, " ")
        self.run(np, f"{heading}: ", italic=True)
        self.run(np, text)
        mark = etree.SubElement(p, w("r"))
        rpr = etree.SubElement(mark, w("rPr"))
        etree.SubElement(rpr, w("rStyle")).set(w("val"), self.style_id("footnote reference"))
        etree.SubElement(mark, w("footnoteReference")).set(w("id"), str(number))
        return number

    # -- finishing ------------------------------------------------------------------------

    def page_footer(self, text: str) -> None:
        """'<symbol> · <page>' in the footer."""
        footer = self.doc.sections[0].footer
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(f"{text} · " if text else "")
        field = etree.SubElement(p._p, w("fldSimple"))
        field.set(w("instr"), " PAGE ")
        self.run(field, "1")

    def track_revisions(self) -> None:
        """Turn on Track Changes, so edits made in Word on this file are marked too."""
        settings = self.doc.settings.element
        track = etree.Element(w("trackRevisions"))
        # CT_Settings is a sequence; trackRevisions follows these elements when present.
        before = (
            "writeProtection", "view", "zoom", "removePersonalInformation",
            "removeDateAndTime", "doNotDisplayPageBoundaries", "displayBackgroundShape",
            "printPostScriptOverText", "printFractionalCharacterWidth", "printFormsData",
            "embedTrueTypeFonts", "embedSystemFonts", "saveSubsetFonts", "saveFormsData",
            "mirrorMargins", "alignBordersAndEdges", "bordersDoNotSurroundHeader",
            "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors",
            "hideGrammaticalErrors", "activeWritingStyle", "proofState", "formsDesign",
            "attachedTemplate", "linkStyles", "stylePaneFormatFilter",
            "stylePaneSortMethod", "documentType", "mailMerge", "revisionView",
        )  # fmt: skip
        anchor = None
        for child in settings:
            if etree.QName(child).localname in before:
                anchor = child
        if anchor is None:
            settings.insert(0, track)
        else:
            anchor.addnext(track)

    def properties(self, *, title: str, identifier: str, language: str, subject: str) -> None:
        core = self.doc.core_properties
        core.title = title[:255]
        core.identifier = identifier
        core.language = LANGUAGE_TAGS.get(language, language)
        core.subject = subject[:255]
        core.author = "Drafting"
        core.comments = ""

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


# -- reading ------------------------------------------------------------------------------


def _text_of(element: etree._Element, *, accept: bool) -> str:
    """A paragraph's text with every change accepted (keep w:ins, drop w:del) or rejected
    (drop w:ins, keep w:del's w:delText). Moves count like insertions and deletions."""
    parts: list[str] = []
    drop = {"del", "moveFrom"} if accept else {"ins", "moveTo"}

    def walk(node: etree._Element) -> None:
        for child in node:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            # pPr/rPr hold the paragraph mark's own ins/del, which carry no text.
            if name in drop or name in ("pPr", "rPr", "instrText", "delInstrText"):
                continue
            if name in ("t", "delText"):
                parts.append(child.text or "")
            elif name == "tab":
                parts.append("\t")
            elif name in ("br", "cr"):
                parts.append("\n")
            elif name == "noBreakHyphen":
                parts.append("\u2011")
            else:
                walk(child)

    walk(element)
    return "".join(parts)


def accepted_text(p: etree._Element) -> str:
    return _text_of(p, accept=True)


def rejected_text(p: etree._Element) -> str:
    return _text_of(p, accept=False)


def mark_of(p: etree._Element) -> str | None:
    """'inserted' / 'deleted' when the paragraph mark itself is a tracked change."""
    rpr = p.find(f"{w('pPr')}/{w('rPr')}")
    if rpr is None:
        return None
    if rpr.find(w("del")) is not None:
        return "deleted"
    if rpr.find(w("ins")) is not None:
        return "inserted"
    return None


def bookmarks_of(p: etree._Element) -> list[str]:
    return [b.get(w("name"), "") for b in p.iter(w("bookmarkStart"))]


def body_paragraphs(document_xml: etree._Element) -> Iterable[etree._Element]:
    """Every w:p of the body in order, including those inside tables and content controls."""
    body = document_xml.find(w("body"))
    if body is None:
        return []
    return (p for p in body.iter(w("p")) if not _inside(p, ("footnote", "txbxContent")))


def _inside(p: etree._Element, names: tuple[str, ...]) -> bool:
    parent = p.getparent()
    while parent is not None:
        if isinstance(parent.tag, str) and etree.QName(parent).localname in names:
            return True
        parent = parent.getparent()
    return False
