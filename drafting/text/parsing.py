"""Turn numbered text (typed numbers or Word list levels) into a paragraph tree.

Numbers decide depth, not indentation: `1.` is a paragraph, `a.` a sub-paragraph and `i.`
a sub-sub-paragraph. `i`, `v`, `x`, ... are ambiguous: after `h.` an `i.` continues the
letters, after `b.` it starts a roman list.

Unnumbered text before the first number is preamble; unnumbered text after a number is its
own closing paragraph ("Adopted in Panama City, ...") unless it merely continues a
hard-wrapped line. An unnumbered paragraph ends the open lists, so the list after it starts
afresh. Each numbered paragraph keeps its source label (`1)`, `(a)`) for display.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

ARTEFACTS = re.compile(r"\[bookmark:[^\]]*\]|\[_?Hlk\d+\]", re.IGNORECASE)
NUMBERED = re.compile(
    r"^\s*(?:[-–—•]\s*)?(?:\(\s*(?P<paren>[0-9]+|[a-zA-Z]{1,6})\s*\)|(?P<plain>[0-9]+|[a-zA-Z]{1,6})\s*[.)])"
    r"(?:\s+|$)(?P<text>.*)$"
)
SENTENCE_END = re.compile(r"[.;:!?»”\"')\]]$")
ROMAN_VALUE = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


class ImportError_(ValueError):
    """The file cannot be read as a numbered text; the message says why."""


@dataclass
class ParsedParagraph:
    depth: int  # 0 for unnumbered (preamble or closing) paragraphs, 1..3 for numbered ones
    text: str
    label: str = ""  # the bare number: "1", "b", "ii"
    children: list[ParsedParagraph] = field(default_factory=list)
    section: str = ""  # "preamble" | "operative" | "closing"; from the depth when not given
    source_label: str = ""  # the number as printed in the source: "1)", "(a)", "b."

    def __post_init__(self) -> None:
        if not self.section:
            self.section = "preamble" if self.depth == 0 else "operative"


@dataclass(frozen=True)
class Line:
    """One source paragraph; `level` is set when Word's list numbering gives the depth."""

    text: str
    level: int | None = None


def roman_value(label: str) -> int | None:
    label = label.lower()
    if not label or any(c not in ROMAN_VALUE for c in label):
        return None
    total = 0
    for i, c in enumerate(label):
        v = ROMAN_VALUE[c]
        total += -v if i + 1 < len(label) and ROMAN_VALUE[label[i + 1]] > v else v
    from drafting.text.numbering import roman

    return total if roman(total) == label else None


def letter_value(label: str) -> int | None:
    """a=1 .. z=26, aa=27 (UN style repeats the letter)."""
    label = label.lower()
    if label and label.isalpha() and len(set(label)) == 1:
        return (ord(label[0]) - ord("a") + 1) + 26 * (len(label) - 1)
    return None


def clean(text: str) -> str:
    return ARTEFACTS.sub("", text).replace("\u00a0", " ").strip()


class TreeBuilder:
    """Keeps the open list at each depth so ambiguous labels can be decided in context."""

    def __init__(self) -> None:
        self.roots: list[ParsedParagraph] = []
        self.stack: list[ParsedParagraph] = []  # last paragraph at depth 1, 2, 3
        self.kinds: list[tuple[str, int]] = []  # (kind, value) of the open list at each depth
        self.pending_blank = False
        self.numbered = False  # a numbered paragraph has been read
        self.closing: ParsedParagraph | None = None  # the unnumbered paragraph being read

    def _continues(self, kind: str, value: int) -> bool:
        """Whether `value` is the next item of the innermost open list of that kind."""
        for open_kind, open_value in reversed(self.kinds):
            if open_kind == kind:
                return value == open_value + 1
        return False

    def kind_of(self, label: str) -> tuple[str, int]:
        if label.isdigit():
            return "number", int(label)
        letter = letter_value(label)
        rom = roman_value(label)
        innermost = self.kinds[-1][0] if self.kinds else None
        if letter is not None and rom is not None:
            if innermost == "roman" and self._continues("roman", rom):
                return "roman", rom
            if self._continues("letter", letter):
                return "letter", letter
            if innermost == "letter" and rom == 1:
                return "roman", rom
            return "letter", letter
        if rom is not None:
            return "roman", rom
        if letter is not None:
            return "letter", letter
        raise ImportError_(f"cannot read the paragraph number {label!r}")

    def add_numbered(
        self, label: str, text: str, level: int | None = None, source_label: str = ""
    ) -> None:
        if level is not None:
            depth = max(1, min(level, len(self.stack) + 1))
            kind, value = "level", 0
        else:
            kind, value = self.kind_of(label)
            open_at = [i for i, (k, _) in enumerate(self.kinds) if k == kind]
            if open_at:
                depth = open_at[-1] + 1  # the next item of a list already open
            else:
                depth = min({"number": 1, "letter": 2, "roman": 3}[kind], len(self.stack) + 1)
        del self.kinds[depth - 1 :]
        self.kinds.append((kind, value))
        paragraph = ParsedParagraph(depth, text, label, source_label=source_label)
        del self.stack[depth - 1 :]
        if depth == 1:
            self.roots.append(paragraph)
        else:
            self.stack[-1].children.append(paragraph)
        self.stack.append(paragraph)

    def add_unnumbered(self, text: str) -> None:
        last = self.stack[-1] if self.stack else self.closing
        if last is not None and not self.pending_blank and _wraps(last.text, text):
            # (Preamble lines stay one paragraph each: titles, places and dates.)
            # A line without a number right below a line that did not end continues it.
            last.text = f"{last.text} {text}" if last.text else text
            return
        if not self.numbered:
            self.roots.append(ParsedParagraph(0, text))
            return
        # After the numbered text has begun, unnumbered text is a paragraph of its own
        # that ends the open lists: the list after a heading restarts its lettering.
        self.closing = ParsedParagraph(0, text, section="closing")
        self.roots.append(self.closing)
        self.stack.clear()
        self.kinds.clear()

    def feed(self, line: Line) -> None:
        raw = clean(line.text)
        if not raw:
            self.pending_blank = True
            return
        match = NUMBERED.match(raw) if line.level is None else None
        if line.level is not None:
            self.add_numbered("", raw, line.level)
        elif match and (match["text"] or "").strip():
            label = match["paren"] or match["plain"]
            printed = raw[: match.start("text")].strip().lstrip("-–—•").strip()
            self.add_numbered(label, match["text"].strip(), source_label=printed)
        else:
            self.add_unnumbered(raw)
            self.pending_blank = False
            return
        self.numbered = True
        self.closing = None
        self.pending_blank = False


def _wraps(above: str, line: str) -> bool:
    """Whether `line` reads as the rest of `above`, broken by an editor's line wrap: the
    line above stops mid-sentence, or this one goes on in lower case."""
    return bool(above) and (not SENTENCE_END.search(above) or line[:1].islower())


def parse_lines(lines: Iterable[Line]) -> list[ParsedParagraph]:
    """The paragraph forest: preamble paragraphs (depth 0) then numbered ones."""
    builder = TreeBuilder()
    for line in lines:
        builder.feed(line)
    if not builder.roots:
        raise ImportError_("the file holds no text")
    return builder.roots


def parse_text(text: str) -> list[ParsedParagraph]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return parse_lines(Line(line) for line in text.split("\n"))


def walk(forest: list[ParsedParagraph]) -> Iterable[ParsedParagraph]:
    for paragraph in forest:
        yield paragraph
        yield from walk(paragraph.children)


def shape(forest: list[ParsedParagraph]) -> list[tuple[int, int]]:
    """(depth, number of children) in reading order, to check two languages line up."""
    return [(p.depth, len(p.children)) for p in walk(forest)]
