"""Creating a document from a plain-text or Word file with numbered paragraphs."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import insert, select

from drafting import clock
from drafting.database import lock_row
from drafting.extensions import db
from drafting.models import Delegation, Document, Membership, Paragraph, Process, User, Version
from drafting.models.integrity import row_hash
from drafting.models.text import (
    DocumentKind,
    LabelStyle,
    ParagraphStatus,
    Section,
    VersionSource,
)
from drafting.services import audit, provenance, revisions
from drafting.services.documents import tree
from drafting.services.errors import BadInput, TooLarge
from drafting.services.paragraphs import status_after_edit, store_version, validate_text
from drafting.text.numbering import Node, number_tree
from drafting.text.parsing import (
    ImportError_,
    Line,
    ParsedParagraph,
    parse_lines,
    parse_text,
    shape,
    walk,
)

LIST_STYLE_LEVEL = re.compile(r"^List (?:Number|Bullet|Paragraph) ([2-9])$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Z]{2})?\Z")  # en, es, fr, es-MX: fits Version.lang
MAX_LANGUAGES = 6
MAX_SYMBOL = 100  # the column's size
MAX_TITLE = 500  # the column's size
# The longest UN texts run to a few thousand paragraphs; 20,000 import in seconds
# (bench/importing.py) and keep one import from holding the database for long.
MAX_IMPORT_PARAGRAPHS = 20_000
SYMBOL_PUNCTUATION = frozenset(" /-.–—_(),:")  # A/CONF.231/3, ECE/TRANS/WP.29/2023/1 (Add.1)


def validate_symbol(raw: str | None) -> str:
    """A document symbol such as A/RES/73/195: letters of any script, digits and the
    punctuation symbols use. It names the downloads, so no newlines, quotes or controls."""
    symbol = (raw or "").strip()
    if len(symbol) > MAX_SYMBOL:
        raise BadInput(f"the symbol may hold at most {MAX_SYMBOL} characters")
    for char in symbol:
        if unicodedata.category(char)[0] not in "LMN" and char not in SYMBOL_PUNCTUATION:
            raise BadInput(
                f"the symbol may hold letters, digits, spaces and / - . ( ) , : _ only;"
                f" not {char!r}"
            )
    return symbol


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused with a
    message rather than guessed, so a wrong encoding never turns into wrong text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInput(
            f"the file is not UTF-8 text (byte {error.start}); save it as UTF-8 and try again"
        ) from None


def docx_lines(data: bytes) -> list[Line]:
    """Paragraphs of a .docx; Word's automatic list numbering gives the depth."""
    from drafting.services.exports.wordml import accepted_text, open_docx

    document = open_docx(data)
    lines = []
    for paragraph in document.paragraphs:
        # Tracked changes count as accepted: python-docx's .text would drop inserted runs.
        lines.append(Line(accepted_text(paragraph._p), _list_level(paragraph)))
    return lines


def _list_level(paragraph) -> int | None:
    """1-based depth from w:numPr/w:ilvl, or None for typed numbers and plain text."""
    ppr = paragraph._p.pPr
    numpr = ppr.numPr if ppr is not None else None
    if numpr is not None and numpr.numId is not None:
        if numpr.numId.val == 0:
            return None  # numId 0 switches off the numbering a style would give
        return int(numpr.ilvl.val if numpr.ilvl is not None else 0) + 1
    style = paragraph.style
    while style is not None:
        style_ppr = style.element.pPr
        style_numpr = style_ppr.numPr if style_ppr is not None else None
        if style_numpr is not None:
            # Word's "List Number 2" style numbers a second level through its own list.
            match = LIST_STYLE_LEVEL.search(style.name or "")
            ilvl = style_numpr.ilvl.val if style_numpr.ilvl is not None else 0
            return int(match.group(1)) if match else int(ilvl) + 1
        style = style.base_style
    return None


def parse_upload(filename: str, data: bytes) -> list[ParsedParagraph]:
    try:
        if filename.lower().endswith(".docx") or data[:2] == b"PK":
            return parse_lines(docx_lines(data))
        return parse_text(decode_text(data))
    except ImportError_ as error:
        raise BadInput(str(error)) from None


def create_document(
    process: Process,
    user: User,
    forest: list[ParsedParagraph],
    *,
    title: str,
    title_es: str = "",
    kind: str = "conclusions",
    workflow: str = "online_rounds",
    languages: list[str] | None = None,
    translations: dict[str, list[ParsedParagraph]] | None = None,
    symbol: str = "",
    label_style: str = "computed",
    proposer: Delegation | None = None,
) -> Document:
    """A new document in state `proposal`, proposed by `proposer` (by default the importing
    user's delegation), with its imported text as revision `Draft`."""
    from workflows import all_templates

    translations = translations or {}
    languages = languages or ["en", *translations]
    bad = [code for code in languages if not isinstance(code, str) or not LANGUAGE.match(code)]
    if bad or len(set(languages)) != len(languages) or len(languages) > MAX_LANGUAGES:
        raise BadInput(
            f"languages must be up to {MAX_LANGUAGES} distinct codes such as en, es, fr"
            + (f"; not {bad[0]!r}" if bad else "")
        )
    title = (title or "").strip()
    title_es = (title_es or "").strip()
    if len(title) > MAX_TITLE or len(title_es) > MAX_TITLE:
        raise BadInput(f"the title may hold at most {MAX_TITLE} characters")
    symbol = validate_symbol(symbol)
    if workflow not in all_templates():
        raise BadInput(f"unknown workflow {workflow!r}")
    try:
        kind_value = DocumentKind(kind)
    except ValueError:
        raise BadInput(f"unknown document kind {kind!r}") from None
    try:
        label_style_value = LabelStyle(label_style or "computed")
    except ValueError:
        raise BadInput(f"label_style must be computed or source; not {label_style!r}") from None
    count = sum(1 for _ in walk(forest))
    if count > MAX_IMPORT_PARAGRAPHS:
        raise TooLarge(
            f"the text has {count} paragraphs; one import may hold at most"
            f" {MAX_IMPORT_PARAGRAPHS}; split it into several documents"
        )
    for lang, other in translations.items():
        if shape(other) != shape(forest):
            raise BadInput(f"the {lang} text does not have the same paragraphs as the original")
    document = Document(
        process_id=process.id,
        kind=kind_value,
        title=title or "Untitled",
        title_es=title_es or None,
        symbol=symbol,
        languages=languages,
        workflow=workflow,
        state="proposal",
        proposer_delegation_id=proposer.id if proposer else user.delegation_id,
        label_style=label_style_value,
        created_at=clock.now(),
    )
    db.session.add(document)
    db.session.flush()
    originals = list(walk(forest))
    for p in originals:
        validate_text(document, languages[0], p.text, number=p.source_label or p.label)
    translated = {lang: list(walk(other)) for lang, other in translations.items()}
    for lang, paragraphs in translated.items():
        for p in paragraphs:
            validate_text(document, lang, p.text, number=p.source_label or p.label)
    stored = _add_tree(document, user, forest, languages[0], originals, translated)
    draft = revisions.snapshot(document, "Draft", user, provenance.imported())
    audit.record(
        "import",
        document=document,
        user=user,
        to_state="proposal",
        rows=[document, *stored, draft],
        layout=True,
        paragraphs=len(originals),
        languages=languages,
    )
    return document


def _add_tree(
    document: Document,
    user: User,
    forest: list[ParsedParagraph],
    lang: str,
    originals: list[ParsedParagraph],
    translated: dict[str, list[ParsedParagraph]],
) -> list[audit.RowRef]:
    """Paragraphs one tree level per INSERT, then each language's first versions in one
    INSERT: row-by-row inserts held the database's write lock for minutes on a long text.

    The rows are what paragraphs.store_version writes for a new paragraph: seq 1, no base,
    each translation written against the source-language version, the status read from the
    last text, and the hash the audit chain vouches for (a bulk INSERT runs no ORM hooks, so
    it is computed here); the versions are returned for the import's audit entry."""
    index = {id(p): i for i, p in enumerate(originals)}
    texts = [[p.text for p in originals]] + [[p.text for p in t] for t in translated.values()]
    ids: dict[int, int] = {}  # reading-order index -> paragraph id
    level = [(None, position, p) for position, p in enumerate(forest)]
    while level:
        rows = [
            {
                "document_id": document.id,
                "parent_id": ids[index[id(parent)]] if parent else None,
                "position": position,
                "section": Section(parsed.section),
                "source_label": parsed.source_label[:20] or None,
                "status": status_after_edit(ParagraphStatus.OPEN, texts[-1][index[id(parsed)]]),
            }
            for parent, position, parsed in level
        ]
        new_ids = db.session.scalars(
            insert(Paragraph).returning(Paragraph.id, sort_by_parameter_order=True), rows
        ).all()
        for (_parent, _position, parsed), new_id in zip(level, new_ids, strict=True):
            ids[index[id(parsed)]] = new_id
        level = [(p, pos, child) for _, _, p in level for pos, child in enumerate(p.children)]
    paragraph_ids = [ids[i] for i in range(len(originals))]
    followed: list[int | None] = [None] * len(originals)
    stored: list[audit.RowRef] = []
    now = clock.now()
    for code, column in zip([lang, *translated], texts, strict=True):
        rows = [
            {
                "paragraph_id": paragraph_id,
                "lang": code,
                "seq": 1,
                "text": text,
                "author_id": user.id,
                "delegation_id": user.delegation_id,
                "created_at": now,
                "source": VersionSource.IMPORT,
                "amendment_id": None,
                "base_version_id": None,
                "translation_of_id": followed[i],
            }
            for i, (paragraph_id, text) in enumerate(zip(paragraph_ids, column, strict=True))
        ]
        for row in rows:
            row["hash"] = row_hash("version", row)
        version_ids = list(
            db.session.scalars(
                insert(Version).returning(Version.id, sort_by_parameter_order=True), rows
            )
        )
        if code == lang:
            followed = list(version_ids)  # every translation follows the source's texts
        stored += [
            audit.RowRef("version", version_id, row["hash"])
            for version_id, row in zip(version_ids, rows, strict=True)
        ]
    return stored


@dataclass(frozen=True)
class Numbered:
    """A parsed paragraph with the number the document will give it."""

    number: str
    label: str
    depth: int
    paragraph: ParsedParagraph


def numbered(forest: list[ParsedParagraph]) -> list[Numbered]:
    """The numbers the app computes for a parsed text, exactly as for a stored tree."""
    flat = list(walk(forest))
    index = {id(p): i for i, p in enumerate(flat)}
    nodes = []
    for position, p in enumerate(forest):
        nodes.append(Node(index[id(p)], None, position, p.section))
    for parent in flat:
        for position, child in enumerate(parent.children):
            nodes.append(Node(index[id(child)], index[id(parent)], position, child.section))
    numbers = number_tree(nodes)
    return [
        Numbered(numbers[i].number, numbers[i].label, numbers[i].depth, p)
        for i, p in enumerate(flat)
    ]


def preview(forest: list[ParsedParagraph], label_style: str = "computed") -> dict:
    """What an import would create, stored nowhere: each paragraph with its number, the
    label it would show, its depth, section and text, and warnings on what may be misread."""
    rows = numbered(forest)
    warnings: list[str] = []
    source = label_style == LabelStyle.SOURCE.value
    previous = ""
    for row in rows:
        parsed = row.paragraph
        computed = row.label.rstrip(".")
        if parsed.label and parsed.label.lower() != computed:
            warnings.append(
                gettext(
                    "Paragraph %(number)s is numbered “%(source)s” in the file; the app"
                    " numbers it %(label)s.",
                    number=row.number,
                    source=parsed.source_label,
                    label=row.label,
                )
            )
        if parsed.section == "closing" and previous:
            warnings.append(
                gettext(
                    "Unnumbered text after paragraph %(number)s is kept as a paragraph of its"
                    " own: “%(text)s”",
                    number=previous,
                    text=_excerpt(parsed.text),
                )
            )
        if parsed.section == "operative":
            previous = row.number
    return {
        "paragraphs": [
            {
                "number": row.number,
                "label": (row.paragraph.source_label or row.label) if source else row.label,
                "source_label": row.paragraph.source_label,
                "depth": row.depth if row.paragraph.section == "operative" else 0,
                "section": row.paragraph.section,
                "text": row.paragraph.text,
            }
            for row in rows
        ],
        "warnings": warnings,
    }


def _excerpt(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def process_delegations(process: Process) -> list[Delegation]:
    """The delegations taking part in a process, by code: who may propose a document."""
    return list(
        db.session.scalars(
            select(Delegation)
            .join(User, User.delegation_id == Delegation.id)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.process_id == process.id)
            .distinct()
            .order_by(Delegation.code)
        )
    )


def proposer_named(process: Process, code: str | None) -> Delegation | None:
    """The delegation `code` as proposer (None: the importer's own); it must take part."""
    code = (code or "").strip()
    if not code:
        return None
    for delegation in process_delegations(process):
        if delegation.code == code:
            return delegation
    raise BadInput(f"no delegation {code!r} takes part in this process")


@dataclass(frozen=True)
class Alignment:
    """A second-language text matched to a document paragraph by paragraph number."""

    lang: str
    pairs: list[tuple[int, str, str]]  # (paragraph id, number, text in `lang`)
    unmatched: list[dict]  # {"number", "in": "file" | "document", "text"}

    def as_json(self) -> dict:
        return {"aligned": len(self.pairs), "unmatched": self.unmatched}


def align_translation(document: Document, forest: list[ParsedParagraph], lang: str) -> Alignment:
    """Pair each paragraph of the uploaded text with the document paragraph of the same
    number; what is left on either side is reported, so nothing is stored on a guess."""
    lang = (lang or "").strip()
    if not LANGUAGE.match(lang):
        raise BadInput("lang must be a language code such as es or en")
    if lang == document.languages[0]:
        raise BadInput(f"{lang} is the document's original language; upload another language")
    if lang not in document.languages:
        raise BadInput(
            f"language {lang!r} is not one of this document's ({', '.join(document.languages)})"
        )
    views = {v.number: v for v in tree(document)}
    uploaded = {row.number: row.paragraph.text for row in numbered(forest)}
    pairs, unmatched = [], []
    for number, text in uploaded.items():
        view = views.get(number)
        if view is None:
            unmatched.append({"number": number, "in": "file", "text": _excerpt(text)})
        else:
            validate_text(document, lang, text, number=number)
            pairs.append((view.id, number, text))
    for number, view in views.items():
        if number not in uploaded:
            original = view.text.get(document.languages[0], "")
            unmatched.append({"number": number, "in": "document", "text": _excerpt(original)})
    return Alignment(lang, pairs, unmatched)


def store_translation(document: Document, user: User, alignment: Alignment) -> int:
    """Write the aligned texts as new versions of that language, in the caller's one
    transaction, audited once; texts already identical are left alone. Returns how many
    versions were written."""
    if not alignment.pairs:
        raise BadInput("no paragraph of the file matches a paragraph of the document")
    current = {v.id: v.text.get(alignment.lang) for v in tree(document)}
    written: list[Version] = []
    for paragraph_id, _number, text in alignment.pairs:
        if current.get(paragraph_id) == text:
            continue
        lock_row(Paragraph, paragraph_id)
        paragraph = db.session.get(Paragraph, paragraph_id)
        written.append(
            store_version(document, paragraph, user, alignment.lang, text, audited=False)
        )
    audit.record(
        "translation_import",
        document=document,
        user=user,
        rows=written,  # the chain vouches for every version the file wrote
        layout=True,  # statuses may have changed (brackets in the translation)
        lang=alignment.lang,
        paragraphs=len(written),
        unmatched=len(alignment.unmatched),
    )
    return len(written)
