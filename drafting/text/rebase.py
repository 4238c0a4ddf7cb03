"""Carry one person's edits over onto a text someone else changed meanwhile (live editing).

Both the server (an edit written against an older version) and the browser (unsent
keystrokes when another person's change arrives) need the same operation: given the common
``base``, ``mine`` (base plus my edits) and ``theirs`` (base plus their edits), produce
theirs plus my edits. Unlike a merge for amendments, live typing never stops for a human:
nothing is refused, every inserted character of both sides survives, and a character is
gone if either side deleted it. static/js/editor.js implements the same function for the
browser.
"""

from __future__ import annotations

from drafting.text import textdiff

Edit = tuple[int, int, str]  # (start, end) in base coordinates, inserted text


def edits(base: str, new: str) -> list[Edit]:
    """Minimal edited regions turning ``base`` into ``new``, in base coordinates."""
    out: list[Edit] = []
    pos = 0
    start = end = -1
    inserted: list[str] = []
    for op, text in textdiff.char_diff(base, new):
        if op == textdiff.EQUAL:
            if start >= 0:
                out.append((start, end, "".join(inserted)))
                start, inserted = -1, []
            pos += len(text)
            continue
        if start < 0:
            start = end = pos
        if op == textdiff.DELETE:
            pos += len(text)
            end = pos
        else:
            inserted.append(text)
    if start >= 0:
        out.append((start, end, "".join(inserted)))
    return out


def rebase(base: str, mine: str, theirs: str, *, mine_first: bool = False) -> str:
    """``theirs`` with the edits ``base -> mine`` carried over; never fails, loses no insertion.

    Two insertions at the same spot have no natural order. The server puts the stored one
    (theirs) first, so what everyone has seen stays put; a client rebasing its unsent
    keystrokes puts its own first, so the word being typed stays in one piece.
    """
    if mine == base:
        return theirs
    if theirs == base:
        return mine
    order_mine, order_theirs = (0, 1) if mine_first else (1, 0)
    insertions = sorted(
        [(s, order_theirs, i, text) for i, (s, _, text) in enumerate(edits(base, theirs)) if text]
        + [(s, order_mine, i, text) for i, (s, _, text) in enumerate(edits(base, mine)) if text]
    )
    deleted = _union(
        [(s, e) for s, e, _ in edits(base, theirs) if e > s]
        + [(s, e) for s, e, _ in edits(base, mine) if e > s]
    )
    cuts = sorted({0, len(base)} | {p for p, *_ in insertions} | {p for r in deleted for p in r})
    out: list[str] = []
    at_insert = at_delete = 0
    previous = 0
    for cut in cuts:
        if cut > previous:
            while at_delete < len(deleted) and deleted[at_delete][1] <= previous:
                at_delete += 1
            gone = at_delete < len(deleted) and deleted[at_delete][0] <= previous
            if not gone:
                out.append(base[previous:cut])
            previous = cut
        while at_insert < len(insertions) and insertions[at_insert][0] == cut:
            out.append(insertions[at_insert][3])
            at_insert += 1
    return "".join(out)


def _union(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
