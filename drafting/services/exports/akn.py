"""Akoma Ntoso (OASIS LegalDocML 1.0) XML of a revision, for publication and archiving.

`akomaNtoso/doc name="<kind>"`: `meta` (FRBR identification, a lifecycle event and a
workflow step for every transition in the audit log, references to the process and every
delegation taking part, the SHA-256 of an adopted text), `preface` (title, symbol),
`preamble`, `mainBody` with `paragraph` / `subparagraph`, `num`, `content/p`, and eIds
derived from the numbering (`para_6__subpara_b__subpara_ii`). Reservations are
`authorialNote`s (footnotes) where they apply.
"""

from __future__ import annotations

import re
from datetime import datetime

from lxml import etree
from sqlalchemy import select

from drafting import clock
from drafting.extensions import db
from drafting.models import AuditEntry, Delegation, Document, Membership, User
from drafting.models.people import DelegationKind
from drafting.services.exports.revision_text import (
    CURRENT,
    ExportFile,
    RevisionText,
    TextRow,
    filename,
    notes_by_paragraph,
    slug,
    xml_safe,
)

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
DRAFTING_NS = "urn:drafting:akn-extension"  # our proprietary metadata
AKN_TYPE = "application/akn+xml"
ISO639_2 = {"en": "eng", "es": "spa", "fr": "fra", "pt": "por"}
ROLE_NAMES = {
    "secretariat": "Technical Secretariat",
    "ppt": "Presidency Pro Tempore",
    "committee": "Drafting committee",
    "delegate": "Delegate",
    "observer": "Observer",
}
# A step nobody took (a round closed by its deadline) is the process's own, in this role:
# the schema wants every workflow step to say by whom.
DEADLINE_ROLE = "deadline"


def _e(parent: etree._Element | None, tag: str, text: str | None = None, **attrs) -> etree._Element:
    name = f"{{{AKN_NS}}}{tag}"
    node = etree.Element(name) if parent is None else etree.SubElement(parent, name)
    for key, value in attrs.items():
        if value is not None:
            node.set(key.rstrip("_"), str(value))
    if text is not None:
        node.text = xml_safe(text)
    return node


def eid_part(token: str) -> str:
    """A safe piece of an eId ('6', 'b', 'ii')."""
    return re.sub(r"[^A-Za-z0-9]", "", token) or "x"


def eid_of(row: TextRow) -> str:
    """'6' -> para_6, '6.b' -> para_6__subpara_b, '6.b.ii' -> para_6__subpara_b__subpara_ii."""
    parts = row.number.split(".")
    names = [f"para_{eid_part(parts[0])}"]
    names += [f"subpara_{eid_part(p)}" for p in parts[1:]]
    return "__".join(names)


def ref_id(code: str) -> str:
    """An eId / href fragment for a delegation code ('MX' -> 'mx')."""
    return re.sub(r"[^a-z0-9_]", "_", code.lower()) or "unknown"


def iso_date(moment: datetime | None) -> str:
    return clock.as_utc(moment or clock.now()).date().isoformat()


def iso_datetime(moment: datetime) -> str:
    return clock.as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Uris:
    """FRBR IRIs after the Akoma Ntoso naming convention:
    /akn/<jurisdiction>/doc/<kind>/<date>/<number>/<lang>@<version>/!main"""

    def __init__(self, text: RevisionText, lang: str) -> None:
        document = text.document
        self.country = ref_id(document.process.acronym or "int")
        self.work_date = iso_date(document.created_at)
        self.number = slug(document.symbol or f"doc-{document.id}").lower()
        self.work = f"/akn/{self.country}/doc/{document.kind.value}/{self.work_date}/{self.number}"
        self.version_date = iso_date(
            document.adopted_at if document.is_adopted and text.label in (CURRENT, "Final")
            else text.taken_at
        )  # fmt: skip
        self.language = ISO639_2.get(lang, lang)
        self.expression = f"{self.work}/{self.language}@{self.version_date}"
        self.manifestation = f"{self.expression}.akn"


def _identification(meta, text: RevisionText, uris: _Uris) -> None:
    document = text.document
    ident = _e(meta, "identification", source="#ts")
    work = _e(ident, "FRBRWork")
    _e(work, "FRBRthis", value=f"{uris.work}/!main")
    _e(work, "FRBRuri", value=uris.work)
    _e(work, "FRBRdate", date=uris.work_date, name="generation")
    _e(work, "FRBRauthor", href=f"#{uris.country}")
    _e(work, "FRBRcountry", value=uris.country)
    _e(work, "FRBRsubtype", value=document.kind.value)
    _e(work, "FRBRnumber", value=document.symbol or str(document.id))
    _e(work, "FRBRname", value=document.title)
    expression = _e(ident, "FRBRExpression")
    _e(expression, "FRBRthis", value=f"{uris.expression}/!main")
    _e(expression, "FRBRuri", value=uris.expression)
    adopted = document.is_adopted and text.label in (CURRENT, "Final")
    _e(expression, "FRBRdate", date=uris.version_date, name="adoption" if adopted else "version")
    _e(expression, "FRBRauthor", href=f"#{uris.country}")
    _e(expression, "FRBRversionNumber", value=text.label)
    _e(expression, "FRBRauthoritative", value="true" if adopted else "false")
    _e(expression, "FRBRlanguage", language=uris.language)
    manifestation = _e(ident, "FRBRManifestation")
    _e(manifestation, "FRBRthis", value=f"{uris.expression}/!main.xml")
    _e(manifestation, "FRBRuri", value=uris.manifestation)
    _e(manifestation, "FRBRdate", date=iso_date(clock.now()), name="transform")
    _e(manifestation, "FRBRauthor", href="#ts")
    _e(manifestation, "FRBRformat", value=AKN_TYPE)


def _transitions(document: Document) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.document_id == document.id, AuditEntry.action == "transition")
            .order_by(AuditEntry.id)
        )
    )


def _roles(document: Document) -> dict[int, str]:
    """delegation id -> the role its people hold in the process."""
    rows = db.session.execute(
        select(User.delegation_id, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.process_id == document.process_id)
    )
    return {delegation_id: role.value for delegation_id, role in rows}


def _lifecycle(
    meta, document: Document, uris: _Uris, entries: list[AuditEntry], roles: dict[int, str]
):
    """One eventRef per workflow step (and the creation), with who took it in `workflow`:
    a delegation in its role, or the process itself for a step its deadline took."""
    lifecycle = _e(meta, "lifecycle", source="#ts")
    _e(
        lifecycle,
        "eventRef",
        eId="e_1",
        date=iso_datetime(document.created_at),
        source="#original",
        type="generation",
        refersTo="#creation",
    )
    for index, entry in enumerate(entries, start=2):
        _e(
            lifecycle,
            "eventRef",
            eId=f"e_{index}",
            date=iso_datetime(entry.at),
            source="#original",
            type="generation",
            refersTo=f"#{(entry.details or {}).get('transition', 'step')}",
        )
    if entries:
        workflow = _e(meta, "workflow", source="#ts")
        for entry in entries:
            delegation = entry.delegation
            step = _e(
                workflow,
                "step",
                date=iso_datetime(entry.at),
                refersTo=f"#{(entry.details or {}).get('transition', 'step')}",
                outcome=f"#state_{entry.to_state}" if entry.to_state else None,
            )
            if delegation is None:
                step.set("by", f"#{uris.country}")
                step.set("as", f"#{DEADLINE_ROLE}")
                continue
            step.set("by", f"#{ref_id(delegation.code)}")
            role = roles.get(delegation.id)
            if role:
                step.set("as", f"#{role}")


def _references(meta, document: Document, uris: _Uris, entries: list[AuditEntry], roles) -> None:
    references = _e(meta, "references", source="#ts")
    _e(references, "original", eId="original", href=f"{uris.work}/!main", showAs=document.title)
    process = document.process
    _e(
        references,
        "TLCOrganization",
        eId=uris.country,
        href=f"/akn/ontology/organization/{uris.country}",
        showAs=process.name,
    )
    # everyone taking part, and whoever took a step (a delegation may have left since)
    acting = {e.delegation_id for e in entries if e.delegation_id is not None}
    delegations = db.session.scalars(
        select(Delegation).where(Delegation.id.in_(set(roles) | acting)).order_by(Delegation.code)
    )
    kinds = {
        DelegationKind.MEMBER_STATE: "member",
        DelegationKind.OBSERVER: "observer",
        DelegationKind.CIVIL_SOCIETY: "civil-society",
        DelegationKind.SECRETARIAT: "secretariat",
    }
    has_ts = False
    for delegation in delegations:
        code = ref_id(delegation.code)
        has_ts = has_ts or code == "ts"
        _e(
            references,
            "TLCOrganization",
            eId=code,
            href=f"/akn/ontology/organization/{uris.country}/{kinds[delegation.kind]}/{code}",
            showAs=delegation.name,
        )
    if not has_ts:
        _e(references, "TLCOrganization", eId="ts", href="/akn/ontology/organization/ts",
           showAs="Technical Secretariat")  # fmt: skip
    for role in sorted(set(roles.values())):
        _e(references, "TLCRole", eId=role, href=f"/akn/ontology/role/{role}",
           showAs=ROLE_NAMES.get(role, role))  # fmt: skip
    if any(e.delegation_id is None for e in entries):
        _e(references, "TLCRole", eId=DEADLINE_ROLE, href=f"/akn/ontology/role/{DEADLINE_ROLE}",
           showAs="Deadline (the step was taken when it passed)")  # fmt: skip
    events = {"creation": "creation"}
    for entry in entries:
        name = (entry.details or {}).get("transition", "step")
        events.setdefault(name, name.replace("_", " "))
    for name, show in events.items():
        _e(references, "TLCEvent", eId=name, href=f"/akn/ontology/event/{name}", showAs=show)
    states = {e.to_state for e in entries if e.to_state}
    for state in sorted(states):
        _e(references, "TLCConcept", eId=f"state_{state}", href=f"/akn/ontology/concept/{state}",
           showAs=state.replace("_", " "))  # fmt: skip


def _proprietary(meta, text: RevisionText) -> None:
    document = text.document
    box = _e(meta, "proprietary", source="#ts")
    sealed = etree.SubElement(box, f"{{{DRAFTING_NS}}}document", nsmap={"drafting": DRAFTING_NS})
    sealed.set("id", str(document.id))
    sealed.set("state", document.state)
    sealed.set("revision", text.label)
    if document.is_adopted and text.label in (CURRENT, "Final"):
        sealed.set("sha256", document.sha256 or "")
        sealed.set("adopted", iso_datetime(document.adopted_at or clock.now()))


class _Notes:
    def __init__(self, document: Document, lang: str) -> None:
        self.notes = notes_by_paragraph(document)
        self.lang = lang
        self.count = 0

    def add(self, p: etree._Element, key: int | None, owner: str) -> None:
        for index, note in enumerate(self.notes.get(key, []), start=1):
            self.count += 1
            holder = _e(
                p,
                "authorialNote",
                marker=str(self.count),
                placement="bottom",
                eId=f"{owner}__authorialNote_{index}",
            )
            _e(holder, "p", f"{note.heading(self.lang)}: {note.text}")


def _paragraph(parent, row: TextRow, children: list[TextRow], lang, notes: _Notes, by_parent):
    tag = "paragraph" if row.depth == 1 else "subparagraph"
    eid = eid_of(row)
    node = _e(parent, tag, eId=eid)
    _e(node, "num", row.label)
    holder = _e(node, "intro" if children else "content")
    p = _e(holder, "p", row.text.get(lang, ""))
    notes.add(p, row.id, eid)
    for child in children:
        _paragraph(node, child, by_parent.get(child.id, []), lang, notes, by_parent)


def build(text: RevisionText, lang: str) -> etree._Element:
    """The akomaNtoso element for a text in one language."""
    document = text.document
    uris = _Uris(text, lang)
    root = etree.Element(f"{{{AKN_NS}}}akomaNtoso", nsmap={None: AKN_NS})
    doc = _e(root, "doc", name=document.kind.value)
    meta = _e(doc, "meta")
    entries = _transitions(document)
    roles = _roles(document)
    _identification(meta, text, uris)
    _lifecycle(meta, document, uris, entries, roles)
    _references(meta, document, uris, entries, roles)
    _proprietary(meta, text)
    notes = _Notes(document, lang)

    preface = _e(doc, "preface")
    long_title = _e(preface, "longTitle")
    title_p = _e(long_title, "p")
    _e(title_p, "docTitle", document.title_in(lang))
    notes.add(title_p, None, "preface")
    if document.symbol:
        _e(_e(preface, "p"), "docNumber", document.symbol)
    if document.is_adopted and text.label in (CURRENT, "Final") and document.adopted_at:
        status = _e(preface, "p")
        _e(status, "docStatus", "adopted")
        _e(status, "docDate", iso_date(document.adopted_at), date=iso_date(document.adopted_at))

    preamble_rows = [r for r in text.rows if r.preamble]
    operative = [r for r in text.rows if not r.unnumbered]
    closing_rows = [r for r in text.rows if r.closing]
    if preamble_rows:
        preamble = _e(doc, "preamble")
        for index, row in enumerate(preamble_rows, start=1):
            container = _e(preamble, "container", name="preambularParagraph",
                           eId=f"preamble__container_{index}")  # fmt: skip
            p = _e(container, "p", row.text.get(lang, ""))
            notes.add(p, row.id, f"preamble__container_{index}")
    body = _e(doc, "mainBody")
    by_parent: dict[int, list[TextRow]] = {}
    top: list[TextRow] = []
    stack: list[TextRow] = []
    for row in operative:
        del stack[row.depth - 1 :]
        if stack:
            by_parent.setdefault(stack[-1].id, []).append(row)
        else:
            top.append(row)
        stack.append(row)
    for row in top:
        _paragraph(body, row, by_parent.get(row.id, []), lang, notes, by_parent)
    if not top:
        _e(body, "p")
    if closing_rows:
        conclusions = _e(doc, "conclusions")
        for index, row in enumerate(closing_rows, start=1):
            container = _e(conclusions, "container", name="closingParagraph",
                           eId=f"conclusions__container_{index}")  # fmt: skip
            p = _e(container, "p", row.text.get(lang, ""))
            notes.add(p, row.id, f"conclusions__container_{index}")
    return root


def export(text: RevisionText, lang: str) -> ExportFile:
    xml = etree.tostring(build(text, lang), xml_declaration=True, encoding="UTF-8",
                         pretty_print=True)  # fmt: skip
    return ExportFile(xml, AKN_TYPE, filename(text, lang, "akn.xml"))
