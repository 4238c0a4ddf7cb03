"""Shared by the export/import tests: a demo history with changes by several delegations,
and readers for the files the exports produce."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
ROUND_DEADLINE = "2030-11-30T17:00:00-06:00"


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


class Story:
    """Rev.1 is circulated, Mexico's amendment to 1 is accepted, El Salvador and Costa Rica
    edit 2 and 3 live, Canada's new paragraph after 4 is accepted, the United States'
    deletion of 5 is accepted: a text changed by five delegations since Rev.1."""

    def __init__(self, client, auth, demo) -> None:
        self.client, self.auth, self.demo = client, auth, demo
        self.id = demo.id
        auth.login("secretariat@demo.test")
        self.before_list = demo.document()["paragraphs"]
        self.before = {p["number"]: p for p in self.before_list}

    def as_user(self, email: str) -> None:
        self.auth.login(email)

    def transition(self, email: str, name: str, **data) -> None:
        self.as_user(email)
        response = self.auth.post(f"/api/documents/{self.id}/transitions/{name}", json=data)
        assert response.status_code == 200, response.get_json()

    def amend(self, email: str, **data) -> int:
        self.as_user(email)
        data.setdefault("rationale", "Clearer.")
        response = self.auth.post(f"/api/documents/{self.id}/amendments", json=data)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def accept(self, email: str, amendment_id: int) -> None:
        self.as_user(email)
        response = self.auth.post(
            f"/api/amendments/{amendment_id}/decision", json={"decision": "accept"}
        )
        assert response.status_code == 200, response.get_json()

    def edit(self, email: str, number: str, text: str, lang: str = "en") -> None:
        self.as_user(email)
        paragraph = self.demo.paragraph(number)
        response = self.auth.post(
            f"/api/documents/{self.id}/paragraphs/{paragraph['id']}/versions",
            json={"lang": lang, "text": text, "base_version": paragraph["version"][lang]},
        )
        assert response.status_code == 201, response.get_json()

    def run(self) -> Story:
        b = self.before
        self.transition("secretariat@demo.test", "open_round", deadline=ROUND_DEADLINE)
        mexico = self.amend(
            "mexico@demo.test",
            kind="modify",
            paragraph_id=b["1"]["id"],
            lang="en",
            text=b["1"]["text"]["en"].replace("To thank Mexico", "To warmly thank Mexico"),
        )
        canada = self.amend(
            "canada@demo.test",
            kind="insert",
            paragraph_id=b["4"]["id"],
            lang="en",
            text="To welcome the regional guidelines on labour migration.",
        )
        usa = self.amend(
            "usa@demo.test", kind="delete", paragraph_id=b["5"]["id"], lang="en", text=""
        )
        self.transition("secretariat@demo.test", "close_round")
        for amendment in (mexico, canada, usa):
            self.accept("elsalvador@demo.test", amendment)
        self.edit(
            "elsalvador@demo.test",
            "2",
            b["2"]["text"]["en"].replace("financial and activity report", "financial report"),
        )
        self.edit(
            "costarica@demo.test",
            "3",
            b["3"]["text"]["en"] + " The TS will circulate a summary.",
        )
        self.after_list = self.demo.document()["paragraphs"]
        self.after = {p["number"]: p for p in self.after_list}
        return self

    @staticmethod
    def printed(paragraphs: list[dict], lang: str = "en") -> list[str]:
        """Paragraphs as the Word export prints them: "6.", a tab, the text."""
        return [
            (f"{p['label']}\t" if p["section"] == "operative" else "") + p["text"][lang]
            for p in paragraphs
        ]


def docx_xml(data: bytes, part: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read(part))


def paragraph_texts(root: etree._Element, *, accept: bool) -> list[str]:
    """Body paragraphs with every change accepted (keep w:ins, drop w:del) or rejected
    (drop w:ins, keep w:delText); paragraphs whose mark is removed by that choice and that
    end up empty disappear, as in Word."""
    out = []
    for p in root.iter(q("p")):
        mark = p.find("w:pPr/w:rPr", NS)
        gone_mark = mark is not None and (mark.find("w:del" if accept else "w:ins", NS) is not None)
        parts = []
        for node in p.iter(q("t"), q("delText"), q("tab")):
            inside_ins = any(a.tag == q("ins") for a in node.iterancestors())
            inside_del = any(a.tag == q("del") for a in node.iterancestors())
            if (accept and inside_del) or (not accept and inside_ins):
                continue
            parts.append("\t" if node.tag == q("tab") else (node.text or ""))
        text = "".join(parts)
        if gone_mark and not text:
            continue
        out.append(text)
    return out


def soffice_pdf(path: Path, out_dir: Path, target: str = "pdf") -> Path:
    """Convert with LibreOffice headless in a private profile; the converted file's path."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice is not installed")
    profile = out_dir / "lo-profile"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(path),
        ],
        capture_output=True,
        timeout=90,
        check=False,
    )
    pdf = out_dir / f"{path.stem}.{target}"
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert pdf.exists() and pdf.stat().st_size > 1000, result.stdout.decode(errors="replace")
    return pdf


def pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext (poppler-utils) is required in CI")
        pytest.skip("pdftotext is not installed")
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, timeout=60, check=True
    )
    return " ".join(result.stdout.decode().split())


class Marked:
    """An exported .docx edited the way Word records changes made with Track Changes on."""

    def __init__(self, data: bytes) -> None:
        self.files = {}
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                self.files[name] = archive.read(name)
        self.root = etree.fromstring(self.files["word/document.xml"])
        self.ids = 5000

    def paragraph(self, starts: str) -> etree._Element:
        for p in self.root.iter(q("p")):
            text = "".join(
                "\t" if n.tag == q("tab") else (n.text or "") for n in p.iter(q("t"), q("tab"))
            )
            if text.startswith(starts):
                return p
        raise KeyError(starts)

    def _mark(self, tag: str) -> etree._Element:
        self.ids += 1
        mark = etree.Element(q(tag))
        mark.set(q("id"), str(self.ids))
        mark.set(q("author"), "Maria Lopez")
        mark.set(q("date"), "2026-11-20T10:00:00Z")
        return mark

    def replace(self, starts: str, old: str, new: str) -> None:
        """Delete `old` and insert `new` in its place as tracked changes."""
        p = self.paragraph(starts)
        for t in p.iter(q("t")):
            if t.text and old in t.text:
                run = t.getparent()
                before, after = t.text.split(old, 1)
                t.text = before
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                deleted = self._mark("del")
                dr = etree.SubElement(deleted, q("r"))
                etree.SubElement(dr, q("delText")).text = old
                inserted = self._mark("ins")
                ir = etree.SubElement(inserted, q("r"))
                etree.SubElement(ir, q("t")).text = new
                tail = etree.Element(q("r"))
                tt = etree.SubElement(tail, q("t"))
                tt.text = after
                tt.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                run.addnext(deleted)
                deleted.addnext(inserted)
                inserted.addnext(tail)
                return
        raise KeyError(old)

    def delete_paragraph(self, starts: str) -> None:
        p = self.paragraph(starts)
        ppr = p.find(q("pPr"))
        rpr = (
            ppr.find(q("rPr"))
            if ppr.find(q("rPr")) is not None
            else etree.SubElement(ppr, q("rPr"))
        )
        rpr.append(self._mark("del"))
        for run in list(p.findall(q("r"))):
            for t in run.findall(q("t")):
                t.tag = q("delText")
            deleted = self._mark("del")
            run.addprevious(deleted)
            deleted.append(run)

    def insert_after(self, starts: str, text: str, style: str) -> None:
        """A new paragraph typed in Word after the one starting with `starts`."""
        anchor = self.paragraph(starts)
        p = etree.Element(q("p"))
        ppr = etree.SubElement(p, q("pPr"))
        etree.SubElement(ppr, q("pStyle")).set(q("val"), style)
        etree.SubElement(etree.SubElement(ppr, q("rPr")), q("ins"))
        ppr.find(f"{q('rPr')}/{q('ins')}").attrib.update(
            {q("id"): "4999", q("author"): "Maria Lopez", q("date"): "2026-11-20T10:00:00Z"}
        )
        inserted = self._mark("ins")
        etree.SubElement(etree.SubElement(inserted, q("r")), q("t")).text = text
        p.append(inserted)
        anchor.addnext(p)

    def drop_bookmarks(self) -> None:
        for node in [*self.root.iter(q("bookmarkStart")), *self.root.iter(q("bookmarkEnd"))]:
            node.getparent().remove(node)

    def bytes(self) -> bytes:
        self.files["word/document.xml"] = etree.tostring(
            self.root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.files.items():
                archive.writestr(name, data)
        return out.getvalue()
