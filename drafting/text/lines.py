"""Line numbers of a paragraph, so that delegations can say "6 b, line 3".

A line is a fixed measure of characters, not what a screen or a printer happens to wrap:
the server breaks every text the same way, so the document page, the print view and the
exports of one revision all number the same words on the same line."""

from __future__ import annotations

import textwrap

LINE_WIDTH = 80  # characters; about a printed line of 12 pt type on A4


def lines_of(text: str, width: int = LINE_WIDTH) -> list[str]:
    """The text's lines at `width` characters (words kept whole unless longer than a line);
    a line break in the text always starts a new line. Empty text has no lines."""
    if not text:
        return []
    lines: list[str] = []
    for piece in text.split("\n"):
        lines.extend(
            textwrap.wrap(piece, width, break_long_words=True, break_on_hyphens=False) or [""]
        )
    return lines
