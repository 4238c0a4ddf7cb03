"""Carry one person's edits over onto a text someone else changed meanwhile (live editing).

Both the server (an edit written against an older version) and the browser (unsent
keystrokes when another person's change arrives) need the same operation: given the common
``base``, ``mine`` (base plus my edits) and ``theirs`` (base plus their edits), produce
theirs plus my edits. Unlike a merge for amendments, live typing never stops for a human:
nothing is refused, every inserted character of both sides survives, and a character is
gone if either side deleted it. static/js/editor.js implements the same function for the
browser.

Where both sides insert at one spot, words stay whole: an insertion that continues the word
its author was typing there (``mine_at``: where the author's own last insertion ends) goes
next to that word, and otherwise an insertion that continues the word on the left (or leads
into the word on the right) goes next to it, so the other side's whole insertion ends up
before or after it, never inside a word.
"""

from __future__ import annotations

from collections.abc import Collection

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


def insertion_ends(base: str, new: str) -> list[int]:
    """Where, in ``new``, each text inserted by the edits ``base -> new`` ends: the spots
    where its author was typing (the ``mine_at`` of a later rebase made from ``new``)."""
    out: list[int] = []
    shift = 0
    for start, end, text in edits(base, new):
        shift += len(text) - (end - start)
        if text:
            out.append(end + shift)
    return out


def rebase(
    base: str,
    mine: str,
    theirs: str,
    *,
    mine_first: bool = False,
    mine_at: Collection[int] = (),
) -> str:
    """``theirs`` with the edits ``base -> mine`` carried over; never fails, loses no insertion.

    Two insertions at the same spot have no natural order. The server puts the stored one
    (theirs) first, so what everyone has seen stays put; a client rebasing its unsent
    keystrokes puts its own first, so the word being typed stays in one piece. Either way
    the order at a spot bows to the words (:func:`_mine_goes_first`): ``mine_at`` are base
    positions where the author of ``mine`` was typing, so their insertion there goes first.
    """
    if mine == base:
        return theirs
    if theirs == base:
        return mine
    ours, other = edits(base, mine), edits(base, theirs)
    mine_inserts = {s: text for s, _, text in ours if text}
    their_inserts = {s: text for s, _, text in other if text}
    typing_at = set(mine_at)
    insertions: list[tuple[int, int, str]] = []  # (spot, 0 first / 1 second, text)
    for spot, text in mine_inserts.items():
        theirs_there = their_inserts.get(spot)
        first = theirs_there is None or _mine_goes_first(
            base, spot, text, theirs_there, mine_first=mine_first, mine_at=typing_at
        )
        insertions.append((spot, 0 if first else 1, text))
        if theirs_there is not None:
            insertions.append((spot, 1 if first else 0, theirs_there))
    insertions += [(s, 0, text) for s, text in their_inserts.items() if s not in mine_inserts]
    insertions.sort(key=lambda insertion: insertion[:2])
    deleted = _union([(s, e) for s, e, _ in other + ours if e > s])
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
            out.append(insertions[at_insert][2])
            at_insert += 1
    return "".join(out)


def _mine_goes_first(
    base: str, spot: int, mine: str, theirs: str, *, mine_first: bool, mine_at: set[int]
) -> bool:
    """Whether ``mine`` goes before ``theirs``, both inserted at ``spot`` of ``base``.

    The author of mine continuing their own word there comes first. Otherwise the side
    that joins the word on the left of the spot goes next to it, or else the side that
    joins the word on the right; failing all that, ``mine_first`` decides.
    """
    if spot in mine_at:
        return True
    left = spot > 0 and _is_word(base[spot - 1])
    right = spot < len(base) and _is_word(base[spot])
    mine_left, theirs_left = left and _is_word(mine[0]), left and _is_word(theirs[0])
    if mine_left != theirs_left:
        return mine_left
    mine_right, theirs_right = right and _is_word(mine[-1]), right and _is_word(theirs[-1])
    if mine_right != theirs_right:
        return theirs_right
    return mine_first


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _union(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
