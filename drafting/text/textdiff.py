"""Text diffs, patches, three-way merges and authorship for declaration drafts.

This is the only module that imports ``diff_match_patch``: every other part of the app goes
through these functions so that the matching thresholds, the patch-text validation and the
optional C++ backend are decided in one place.

Positions and lengths are counted in Python code points throughout.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TypeVar

from diff_match_patch import diff_match_patch
from diff_match_patch.diff_match_patch import patch_obj

__all__ = [
    "BACKEND",
    "DELETE",
    "EQUAL",
    "INSERT",
    "Applied",
    "InvalidPatch",
    "MergeConflict",
    "apply_patch",
    "attribute",
    "char_diff",
    "diff",
    "make_patch",
    "merge",
    "parse_patch",
]

T = TypeVar("T")

DELETE, EQUAL, INSERT = -1, 0, 1

# How closely a hunk's text (context plus deleted text) must match where it lands:
# score = errors / pattern length + distance from the expected spot / Match_Distance.
# With the library default (0.5), a hunk inserting "urgent" into "shall take | measures"
# whose clause had been reworded lands in the *next* "shall take | steps" clause instead
# (see the tests). At 0.35 a hunk survives ordinary drift (a neighbouring word retyped,
# text shifted) but fails once about a third of its 8-32 characters differ, which in a
# declaration means someone reworded the clause and a human has to look at it.
MATCH_THRESHOLD = 0.35
# Hunks that delete more than Match_MaxBits (32) characters are located by their first and
# last 32 characters only; the deletion is then refused if the block in between differs by
# more than this share (edit distance / length). The default 0.5 lets a deletion swallow a
# 45-character addition another delegation made inside the sentence; 0.35 refuses it.
PATCH_DELETE_THRESHOLD = 0.35
# Characters of drift that add 1.0 to the score. The default 1000 with the stricter threshold
# would refuse a perfect match 350 characters away (say, after a colleague pasted a
# paragraph above); 2000 lets it move 700, while the error term still rules out rewrites.
MATCH_DISTANCE = 2000
# No declaration is remotely this long; coordinates beyond it are corrupt or hostile and
# would only make the matcher do pointless arithmetic.
MAX_COORDINATE = 50_000_000

_dmp = diff_match_patch()
_dmp.Diff_Timeout = 0  # exact diffs: a timed-out diff differs between machines and loads
_dmp.Match_Threshold = MATCH_THRESHOLD
_dmp.Patch_DeleteThreshold = PATCH_DELETE_THRESHOLD
_dmp.Match_Distance = MATCH_DISTANCE
# Match_MaxBits stays 32: hunks longer than that are split by patch_splitMax when applied.

_fast: ModuleType | None = None
if os.environ.get("DRAFTING_FAST_DIFF", "1") != "0":
    try:
        import fast_diff_match_patch as _fast
    except ImportError:  # pragma: no cover - depends on the environment
        _fast = None

BACKEND: str = "fast-diff-match-patch" if _fast is not None else "diff-match-patch"
"""Which library computes :func:`diff`; patches and merges always use diff-match-patch."""

_FAST_OPS = {"=": EQUAL, "-": DELETE, "+": INSERT}


@dataclass(frozen=True)
class Applied:
    """A patch or merge that went through completely."""

    text: str


@dataclass(frozen=True)
class MergeConflict:
    """A patch or merge with hunks that could not be placed; nothing was changed.

    ``failed_hunks`` are indices into the hunks of the patch (for :func:`merge`, the hunks of
    ``make_patch(base, proposed)``), so a UI can point at the clauses that need a human.
    """

    base: str
    current: str
    proposed: str
    failed_hunks: tuple[int, ...]


class InvalidPatch(ValueError):
    """Patch text that is malformed, oversized or hostile; the message says what is wrong."""


# --------------------------------------------------------------------------------------------
# Diffs and patches
# --------------------------------------------------------------------------------------------


def diff(old: str, new: str) -> list[tuple[int, str]]:
    """Exact character diff tidied to human-sized chunks (``diff_cleanupSemantic``).

    Ops are ``DELETE`` (-1), ``EQUAL`` (0) and ``INSERT`` (1). Both backends give identical
    output; the C++ one is only faster.
    """
    if not isinstance(old, str) or not isinstance(new, str):
        raise TypeError("diff() compares two str values")
    if _fast is not None:
        return _fast_diff(_fast, old, new)
    return _py_diff(old, new)


def _py_diff(old: str, new: str) -> list[tuple[int, str]]:
    """Pure-python diff; separate so tests and the bench can compare the backends."""
    diffs = _dmp.diff_main(old, new, False)  # checklines=False: no line-mode shortcut
    _dmp.diff_cleanupSemantic(diffs)
    return diffs


def _fast_diff(module: ModuleType, old: str, new: str) -> list[tuple[int, str]]:
    """The same diff through the C++ binding, converted to dmp's (op, text) tuples."""
    return [
        (_FAST_OPS[op], text)
        for op, text in module.diff(
            old, new, timelimit=0, checklines=False, cleanup="Semantic", counts_only=False
        )
    ]


def char_diff(old: str, new: str) -> list[tuple[int, str]]:
    """Minimal character diff for rebasing live edits: no semantic clean-up, only the lossless
    one that slides each edit to the nearest word boundary.

    Semantic clean-up widens edits to whole words, which would make one person's retyped
    word swallow a letter another person changed inside it. Sliding matters because an
    insertion such as "the " before "the" diffs equally well as "he t" after "t"; typing
    happens at word boundaries, and carrying the edit over must put it there too.
    """
    if not isinstance(old, str) or not isinstance(new, str):
        raise TypeError("char_diff() compares two str values")
    if _fast is not None:
        diffs = [
            (_FAST_OPS[op], text)
            for op, text in _fast.diff(
                old, new, timelimit=0, checklines=False, cleanup="No", counts_only=False
            )
        ]
    else:
        diffs = _dmp.diff_main(old, new, False)
    _dmp.diff_cleanupSemanticLossless(diffs)
    return diffs


def make_patch(old: str, new: str) -> str:
    """Patch text (GNU-diff-like, %-escaped) turning ``old`` into ``new``."""
    return _dmp.patch_toText(_dmp.patch_make(old, diff(old, new)))


def text_sha1(text: str) -> str:
    """SHA-1 (hex) of the text's UTF-8 bytes: what an update carries instead of the whole
    text, for the receiver to check its patched copy against (SPEC §7)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def apply_exact(patch_text: str, text: str) -> str | None:
    """Apply a patch to the very text it was made from (a server update to the version
    before): each hunk where it says, its context checked, nothing searched for; None where
    the text is not that one. A tenth of ``patch_apply``'s work, which pads, splits and
    places every hunk by a fuzzy search; the text is checked against the update's hash
    anyway. Hunks carry a rolling context: each one's start is in the text the ones before
    it made."""
    try:
        patches = _dmp.patch_fromText(patch_text)
    except (ValueError, IndexError):
        return None
    for patch in patches:
        at, out = patch.start1, [text[: patch.start1]]
        for op, segment in patch.diffs:
            if op != INSERT:
                if text[at : at + len(segment)] != segment:
                    return None
                at += len(segment)
            if op != DELETE:
                out.append(segment)
        text = "".join(out) + text[at:]
    return text


MAX_HUNKS = 500
_HEADER = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.ASCII)
# Anything but the characters patch_toText (and encodeURI in the JS port) leave unescaped,
# or a "%" that does not start a two-digit hex escape.
_BAD_BODY = re.compile(r"[^A-Za-z0-9 !#$&'()*+,\-./:;=?@_~%]|%(?![0-9A-Fa-f]{2})")


def parse_patch(patch_text: str, *, max_length: int = 200_000) -> list[patch_obj]:
    """Parse patch text, refusing anything make_patch could not have produced.

    ``patch_fromText`` alone accepts "%zz" or "%FF" (silently turned into other text),
    raw control characters, negative or huge coordinates and header lengths that contradict
    the body; any of those reaching ``patch_apply`` corrupts the draft or burns CPU.
    Header lengths may be code points or UTF-16 units (JS clients); they are normalised.
    """
    if not isinstance(patch_text, str):
        raise InvalidPatch(f"patch must be text, not {type(patch_text).__name__}")
    if len(patch_text) > max_length:
        raise InvalidPatch(f"patch is {len(patch_text)} characters long; the limit is {max_length}")
    hunks = patch_text.count("@@ -")
    if hunks > MAX_HUNKS:
        # Each hunk that matches nowhere costs a fuzzy search over the whole paragraph.
        raise InvalidPatch(f"patch has {hunks} hunks; the limit is {MAX_HUNKS}")
    for number, line in enumerate(patch_text.split("\n"), start=1):
        _check_line(number, line)
    try:
        patches = _dmp.patch_fromText(patch_text)
    except (ValueError, IndexError) as exc:
        raise InvalidPatch(f"unreadable patch: {exc}") from None
    for index, patch in enumerate(patches):
        _check_hunk(index, patch)
    return patches


def _check_line(number: int, line: str) -> None:
    """Validate one patch line before the lenient library parser sees it."""
    if not line:
        return
    if line.startswith("@"):
        if _HEADER.fullmatch(line) is None:
            raise InvalidPatch(f"line {number}: bad hunk header {line[:60]!r}")
        return
    if line[0] not in "+- ":
        raise InvalidPatch(f"line {number}: expected '+', '-', ' ' or '@@', got {line[:1]!r}")
    body = line[1:]
    bad = _BAD_BODY.search(body)
    if bad is not None:
        what = "bad %-escape" if bad.group() == "%" else f"unescaped character {bad.group()!r}"
        raise InvalidPatch(f"line {number}: {what}")
    try:
        urllib.parse.unquote_to_bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidPatch(f"line {number}: %-escapes are not valid UTF-8") from None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _check_hunk(index: int, patch: patch_obj) -> None:
    """Check coordinates and lengths of one parsed hunk; normalise lengths to code points."""
    numbers = (patch.start1, patch.start2, patch.length1, patch.length2)
    if min(numbers) < 0:
        raise InvalidPatch(f"hunk {index}: negative coordinates")
    if max(numbers[0] + numbers[2], numbers[1] + numbers[3]) > MAX_COORDINATE:
        raise InvalidPatch(f"hunk {index}: coordinates beyond {MAX_COORDINATE}")
    if all(op == EQUAL for op, _ in patch.diffs):
        raise InvalidPatch(f"hunk {index}: no changes")
    text1 = _dmp.diff_text1(patch.diffs)
    text2 = _dmp.diff_text2(patch.diffs)
    if patch.length1 not in (len(text1), _utf16_len(text1)) or patch.length2 not in (
        len(text2),
        _utf16_len(text2),
    ):
        raise InvalidPatch(
            f"hunk {index}: header says {patch.length1}->{patch.length2} characters, "
            f"body has {len(text1)}->{len(text2)}"
        )
    patch.length1, patch.length2 = len(text1), len(text2)


def _apply_hunks(patches: list[patch_obj], text: str) -> tuple[str, list[bool]]:
    """``patch_apply`` with one verdict per hunk.

    patch_apply splits hunks longer than Match_MaxBits and reports per piece, and its
    splitting loop skips the hunks after the first one it splits. So pad and split each hunk
    here, one at a time, and hand over pieces that need no further splitting.
    """
    copies = _dmp.patch_deepCopy(patches)
    padding = _dmp.patch_addPadding(copies)
    pieces: list[patch_obj] = []
    owners: list[int] = []
    for index, copy in enumerate(copies):
        parts = [copy]
        _dmp.patch_splitMax(parts)
        pieces.extend(parts)
        owners.extend([index] * len(parts))
    new_text, results = _dmp.patch_apply(pieces, padding + text + padding)
    new_text = new_text[len(padding) : len(new_text) - len(padding)]
    if len(results) != len(pieces):  # pragma: no cover - the library re-split a piece
        return new_text, [all(results)] * len(patches)
    verdicts = [True] * len(patches)
    for owner, ok in zip(owners, results, strict=True):
        verdicts[owner] = verdicts[owner] and ok
    return new_text, verdicts


def apply_patch(patch_text: str, current: str) -> Applied | MergeConflict:
    """Apply a client's patch to the server text (differential synchronisation).

    The text may have moved on since the patch was made, so hunks are placed fuzzily; the
    result is only accepted if every hunk found its place, never half a patch.
    Raises :class:`InvalidPatch` for bad patch text.
    """
    patches = parse_patch(patch_text)
    if not patches:
        return Applied(current)
    new_text, results = _apply_hunks(patches, current)
    failed = tuple(i for i, ok in enumerate(results) if not ok)
    if failed:
        return MergeConflict(base="", current=current, proposed="", failed_hunks=failed)
    return Applied(new_text)


# --------------------------------------------------------------------------------------------
# Three-way merge
# --------------------------------------------------------------------------------------------

_Change = tuple[int, int, str]  # (start, end) in base coordinates, replacement text


def _changes(diffs: Sequence[tuple[int, str]]) -> list[_Change]:
    """Maximal edited regions of a diff, in coordinates of its old text."""
    out: list[_Change] = []
    pos = 0
    region: list | None = None  # [start, end, inserted parts]
    for op, text in diffs:
        if op == EQUAL:
            if region is not None:
                out.append((region[0], region[1], "".join(region[2])))
                region = None
            pos += len(text)
            continue
        if region is None:
            region = [pos, pos, []]
        if op == DELETE:
            pos += len(text)
            region[1] = pos
        else:
            region[2].append(text)
    if region is not None:
        out.append((region[0], region[1], "".join(region[2])))
    return out


def _clashes(change: _Change, theirs: list[_Change], ends: list[int]) -> bool:
    """Whether ``change`` overlaps or touches one of ``theirs`` (sorted, disjoint edits).

    Touching counts: two insertions at one spot, or an insertion at the edge of a
    replaced stretch, have no natural order, so a human should decide.
    """
    at = bisect.bisect_left(ends, change[0])  # first edit of theirs ending at/after ours
    return at < len(theirs) and theirs[at][0] <= change[1]


def _placeable(
    patch: patch_obj,
    mine: list[_Change],
    base: str,
    base_to_current: list[tuple[int, str]],
    current: str,
) -> bool:
    """Whether dmp still finds the hunk's context in ``current`` at its mapped position.

    This is where the thresholds act in a merge: a clause reworded around a proposed change
    makes the hunk fail even though the changed characters themselves were not touched.
    patch_make's hunks carry "rolling" context (text as patched by the earlier hunks), so
    the outer context is re-read from ``base`` and the hunk is placed where its base
    position now lies in ``current``.
    """
    diffs = list(patch.diffs)
    start, end = mine[0][0], mine[-1][1]
    if diffs[0][0] == EQUAL:
        context = len(diffs[0][1])
        diffs[0] = (EQUAL, base[max(0, start - context) : start])
        start = max(0, start - context)
    if diffs[-1][0] == EQUAL:
        diffs[-1] = (EQUAL, base[end : end + len(diffs[-1][1])])
    hunk = patch_obj()
    hunk.diffs = [d for d in diffs if d[1]]
    hunk.start1 = start
    hunk.start2 = _dmp.diff_xIndex(base_to_current, start)
    hunk.length1 = len(_dmp.diff_text1(hunk.diffs))
    hunk.length2 = len(_dmp.diff_text2(hunk.diffs))
    return all(_apply_hunks([hunk], current)[1])


def merge(base: str, proposed: str, current: str) -> Applied | MergeConflict:
    """Three-way merge: carry the edits ``base -> proposed`` over onto ``current``.

    Each hunk of ``make_patch(base, proposed)`` fails when it changes base text that
    ``current`` also changed (overlapping or touching edits; identical edits are fine) or
    when dmp no longer finds its context in ``current`` under the strict thresholds.
    Fuzzy patching alone would silently overwrite a concurrent edit of the same words, and
    its imperfect-match path can misplace boundaries; since the base is known, the merged
    text is instead spliced exactly from both sets of non-overlapping edits.
    """
    if current == base:
        return Applied(proposed)
    if proposed in (base, current):
        return Applied(current)
    base_to_proposed = diff(base, proposed)
    patches = _dmp.patch_make(base, base_to_proposed)
    proposed_changes = _changes(base_to_proposed)
    base_to_current = diff(base, current)
    theirs = _changes(base_to_current)
    theirs_set = set(theirs)
    ends = [end for _, end, _ in theirs]
    edits: list[_Change] = list(theirs)
    failed: list[int] = []
    taken = 0
    for index, patch in enumerate(patches):
        # Hunks partition the changes in order; take this hunk's share in base coordinates.
        count = len(_changes(patch.diffs))
        mine = proposed_changes[taken : taken + count]
        taken += count
        new = [c for c in mine if c not in theirs_set]
        if any(_clashes(c, theirs, ends) for c in new) or (
            len(new) == len(mine) and not _placeable(patch, mine, base, base_to_current, current)
        ):
            failed.append(index)
        edits.extend(new)
    if failed:
        return MergeConflict(base, current, proposed, tuple(failed))
    edits.sort()
    parts, pos = [], 0
    for start, end, text in edits:
        parts.append(base[pos:start])
        parts.append(text)
        pos = end
    parts.append(base[pos:])
    return Applied("".join(parts))


# --------------------------------------------------------------------------------------------
# Authorship
# --------------------------------------------------------------------------------------------

# A segment of the evolving text: (kind, base_start, length, author).
# kind EQUAL: surviving base text; DELETE: base text deleted by `author` (a zero-width
# tombstone kept in place so it can be emitted at its base position); INSERT: text inserted
# by `author` (base_start unused).
_Segment = tuple[int, int, int, object]


def _push(out: list[_Segment], kind: int, start: int, length: int, author: object) -> None:
    """Append a segment, merging it into the previous one when it simply continues it."""
    if out:
        k, s, n, a = out[-1]
        if k == kind and a == author and (kind == INSERT or s + n == start):
            out[-1] = (k, s, n + length, a)
            return
    out.append((kind, start, length, author))


def _step(segs: list[_Segment], diffs: list[tuple[int, str]], author: object) -> list[_Segment]:
    """Carry attributions across one version: equal text keeps them, inserts get ``author``.

    An insertion's segment keeps where it started in the version that typed it (its
    ``base_start``), which names the change for as long as any of it survives."""
    out: list[_Segment] = []
    i, offset, count, at = 0, 0, len(segs), 0
    for op, text in diffs:
        if op == INSERT:
            # Tombstones sitting at this position go first: deletions before insertions.
            while i < count and segs[i][0] == DELETE:
                _push(out, *segs[i])
                i += 1
            _push(out, INSERT, at, len(text), author)
            at += len(text)
            continue
        if op == EQUAL:
            at += len(text)
        remaining = len(text)
        while remaining:
            kind, start, length, who = segs[i]
            if kind == DELETE:
                _push(out, kind, start, length, who)
                i += 1
                continue
            take = min(remaining, length - offset)
            if op == EQUAL:
                # base text keeps its offset in base; an insertion keeps where it was typed
                _push(out, kind, start + offset if kind == EQUAL else start, take, who)
            elif kind == EQUAL:  # base text deleted now: remember who did it
                _push(out, DELETE, start + offset, take, author)
            # else: text inserted earlier in the chain and deleted again vanishes entirely
            offset += take
            remaining -= take
            if offset == length:
                i, offset = i + 1, 0
    for seg in segs[i:]:
        _push(out, *seg)
    return out


def attribute(
    base: str,
    versions: Sequence[tuple[str, T]],
    base_author: T | None = None,
    *,
    origins: bool = False,
) -> list[tuple]:
    """Tracked changes from ``base`` to the last version, each run with its author.

    ``versions`` are the later texts in order, each with the author who produced it. Runs are
    ``(EQUAL, text, base_author)`` for base text still present, ``(INSERT, text, a)`` for text
    first typed by ``a`` that survived to the end, and ``(DELETE, text, a)`` for base text
    removed by ``a``, placed at its base position. EQUAL+DELETE texts concatenate to ``base``
    and EQUAL+INSERT texts to the final text. Text typed and removed within the chain is
    left out. Works on runs, so a long chain costs a diff per version and little else.
    With ``origins`` each run carries a fourth item: where it started in ``base`` (equal and
    deleted text) or in the version that typed it (inserted text).
    """
    segs: list[_Segment] = [(EQUAL, 0, len(base), None)] if base else []
    previous = base
    for text, author in versions:
        if text != previous:
            segs = _step(segs, diff(previous, text), author)
            previous = text
    runs: list[tuple] = []
    pos = 0
    for kind, start, length, who in segs:
        if kind == EQUAL:
            op, piece, by = EQUAL, base[start : start + length], base_author
            pos += length
        elif kind == DELETE:
            op, piece, by = DELETE, base[start : start + length], who
        else:
            op, piece, by = INSERT, previous[pos : pos + length], who
            pos += length
        if runs and runs[-1][0] == op and runs[-1][2] == by:
            runs[-1] = (op, runs[-1][1] + piece, *runs[-1][2:])
        else:
            runs.append((op, piece, by, start) if origins else (op, piece, by))
    return runs
