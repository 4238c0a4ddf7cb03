"""Square brackets mark text not yet agreed; they must balance before the text moves on.

While someone types, a bracket is open for a moment (``[`` typed, ``]`` not yet), so the
live editor stores such text and shows where the bracket is; what says where is always the
word next to the bracket, never a character offset, which means nothing to a drafter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"\w+")
MAX_WORD = 40


@dataclass(frozen=True)
class BracketProblem:
    """The first bracket that does not balance: ``open`` (never closed) or ``unopened`` (a
    closing bracket without an opening one), and the word just before it, or, at the start
    of the text, the word just after it (``before``)."""

    kind: str
    word: str
    before: bool
    position: int

    @property
    def code(self) -> str:
        """The Reason code naming it (the paragraph's, with ``paragraph_`` in front)."""
        return f"bracket_{self.kind}" + ("_before" if self.before else "")

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "word": self.word, "before": self.before}


def problem(text: str) -> BracketProblem | None:
    """The first bracket that does not balance, if any."""
    opened: list[int] = []
    for index, char in enumerate(text):
        if char == "[":
            opened.append(index)
        elif char == "]":
            if not opened:
                return _at(text, "unopened", index)
            opened.pop()
    return _at(text, "open", opened[0]) if opened else None


def _at(text: str, kind: str, index: int) -> BracketProblem:
    words = _WORD.findall(text[:index])
    if words:
        return BracketProblem(kind, words[-1][-MAX_WORD:], False, index)
    after = _WORD.search(text, index + 1)
    return BracketProblem(kind, after.group()[:MAX_WORD] if after else "", True, index)


def is_bracketed(text: str) -> bool:
    """Whether the text holds a bracket of either kind: it is not agreed."""
    return "[" in text or "]" in text
