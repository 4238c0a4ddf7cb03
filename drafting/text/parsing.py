"""Turn numbered text (typed numbers or Word list levels) into a paragraph tree.

Numbers decide depth, not indentation: `1.` is a paragraph, `a.` a sub-paragraph and `i.`
a sub-sub-paragraph. `i`, `v`, `x`, ... are ambiguous: after `h.` an `i.` continues the
letters, after `b.` it starts a roman list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

ARTEFACTS = re.compile(r"\[bookmark:[^\]]*\]|\[_?Hlk\d+\]", re.IGNORECASE)
NUMBERED = re.compile(
    r"^\s*(?:\(\s*(?P<paren>[0-9]+|[a-zA-Z]{1,6})\s*\)|(?P<plain>[0-9]+|[a-zA-Z]{1,6})\s*[.)])"
    r"(?:\s+|$)(?P<text>.*)$"
)
ROMAN_VALUE = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


class ImportError_(ValueError):
    """The file cannot be read as a numbered text; the message says why."""


@dataclass
class ParsedParagraph:
    depth: int  # 0 for preamble lines, 1..3 for numbered ones
    text: str
    label: str = ""
    children: list[ParsedParagraph] = field(default_factory=list)

    @property
    def section(self) -> str:
        return "preamble" if self.depth == 0 else "operative"


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
        self.last_letter: int | None = None
        self.last_roman: int | None = None
        self.pending_blank = False

    def kind_of(self, label: str) -> tuple[str, int]:
        if label.isdigit():
            return "number", int(label)
        letter = letter_value(label)
        rom = roman_value(label)
        depth = len(self.stack)
        if letter is not None and rom is not None:
            continues_letters = self.last_letter is not None and letter == self.last_letter + 1
            continues_roman = self.last_roman is not None and rom == self.last_roman + 1
            if depth >= 3 and continues_roman:
                return "roman", rom
            if depth >= 2 and continues_letters:
                return "letter", letter
            if depth >= 2 and rom == 1:
                return "roman", rom
            if depth >= 3 and continues_letters is False and continues_roman is False:
                return "letter", letter
            return "letter", letter
        if rom is not None and (depth >= 2 or letter is None):
            return "roman", rom
        if letter is not None:
            return "letter", letter
        raise ImportError_(f"cannot read the paragraph number {label!r}")

    def add_numbered(self, label: str, text: str, level: int | None = None) -> None:
        if level is not None:
            depth = max(1, min(level, len(self.stack) + 1))
        else:
            kind, value = self.kind_of(label)
            depth = {"number": 1, "letter": 2, "roman": 3}[kind]
            depth = min(depth, len(self.stack) + 1)
            if kind == "letter":
                self.last_letter, self.last_roman = value, None
            elif kind == "roman":
                self.last_roman = value
            else:
                self.last_letter = self.last_roman = None
        paragraph = ParsedParagraph(depth, text, label)
        del self.stack[depth - 1 :]
        if depth == 1:
            self.roots.append(paragraph)
        else:
            self.stack[-1].children.append(paragraph)
        self.stack.append(paragraph)

    def add_unnumbered(self, text: str) -> None:
        if not self.stack:
            self.roots.append(ParsedParagraph(0, text))
            return
        # A line without a number continues the paragraph above (hard-wrapped text).
        last = self.stack[-1]
        separator = "\n" if self.pending_blank else " "
        last.text = f"{last.text}{separator}{text}" if last.text else text

    def feed(self, line: Line) -> None:
        raw = clean(line.text)
        if not raw:
            self.pending_blank = True
            return
        if line.level is not None:
            self.add_numbered("", raw, line.level)
        else:
            match = NUMBERED.match(raw)
            if match and (match["text"] or "").strip():
                label = match["paren"] or match["plain"]
                self.add_numbered(label, match["text"].strip())
            else:
                self.add_unnumbered(raw)
        self.pending_blank = False


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
