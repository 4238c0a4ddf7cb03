"""Tests for drafting.text.textdiff: diffs, patch validation, merges, authorship, backends."""

from __future__ import annotations

import importlib.util
import itertools
import os
import random
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from drafting.text import textdiff
from drafting.text.textdiff import Applied, InvalidPatch, MergeConflict

# Lower-case words for base texts; replacements are upper-case so they never share letters
# with the text they replace (that keeps "the text with both edits applied" unambiguous).
WORDS = (  # noqa: SIM905 - a paragraph of words reads better than a 100-line list
    "states members assembly council resolution declaration affirm recall recognise "
    "welcome note decide request invite encourage urge commend reaffirm acknowledge "
    "sovereignty cooperation development sustainable climate migration refugees rights "
    "human dignity equality gender women youth health education water energy oceans "
    "biodiversity finance trade debt technology capacity building partnership regional "
    "multilateral framework implementation monitoring review secretariat programme budget "
    "mandate report session agenda item paragraph operative preambular annex protocol "
    "convention treaty agreement commitment obligation principle charter nations united "
    "peace security disarmament nuclear weapons humanitarian assistance emergency "
    "disaster resilience adaptation mitigation emissions target deadline period biennium "
    "fiscal voluntary contributions donors recipient least developed landlocked island "
    "small"
).split()
UPPER = [w.upper() for w in WORDS]
AUTHORS = ["FRA", "DEU", "USA", "BRA", "CHN", "KEN"]

# A paragraph in the style the drafting tool handles, used by several tests.
PARAGRAPH = (
    "Recalling its resolution on sustainable development, the Assembly reaffirms the "
    "principles of the Charter of the United Nations. Member States shall take measures "
    "to protect the human rights of migrants and refugees. Member States shall take steps "
    "to promote sustainable growth in least developed countries. The Assembly requests the "
    "Secretary-General to report on the implementation of this resolution at its next session."
)


def applied_text(result: Applied | MergeConflict) -> str:
    assert isinstance(result, Applied), result
    return result.text


# --------------------------------------------------------------------------------------------
# diff / make_patch / apply_patch
# --------------------------------------------------------------------------------------------


def test_diff_is_semantic_and_uses_dmp_ops() -> None:
    old = "Member States shall take measures"
    new = "Member States should take all measures"
    ops = textdiff.diff(old, new)
    assert {op for op, _ in ops} <= {-1, 0, 1}
    assert "".join(t for op, t in ops if op != 1) == old
    assert "".join(t for op, t in ops if op != -1) == new
    assert (1, "all ") in ops
    assert textdiff.diff("", "") == []
    assert textdiff.diff("same", "same") == [(0, "same")]


def test_diff_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        textdiff.diff(b"bytes", "text")  # type: ignore[arg-type]


@given(st.text(max_size=200), st.text(max_size=200))
def test_diff_reconstructs_both_texts(old: str, new: str) -> None:
    ops = textdiff.diff(old, new)
    assert "".join(t for op, t in ops if op != 1) == old
    assert "".join(t for op, t in ops if op != -1) == new
    assert all(t for _, t in ops)


@given(st.text(max_size=300), st.text(max_size=300))
@settings(deadline=None)
def test_make_patch_round_trip(old: str, new: str) -> None:
    patch = textdiff.make_patch(old, new)
    assert isinstance(patch, str)
    assert textdiff.apply_patch(patch, old) == Applied(new)
    # parse_patch accepts everything make_patch writes, and loses nothing.
    assert "".join(str(p) for p in textdiff.parse_patch(patch)) == patch


@given(st.text(max_size=300), st.text(max_size=300))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_apply_exact_makes_the_new_text_of_the_old_and_refuses_another(old: str, new: str) -> None:
    """What a client does with an update: the patch applied where it says, to the version
    before; a text whose words differ where a hunk looks is refused (the hash catches the
    rest)."""
    patch = textdiff.make_patch(old, new)
    assert textdiff.apply_exact(patch, old) == new
    if patch and old and "\x00" not in old:  # every hunk holds some of the old text
        assert textdiff.apply_exact(patch, "\x00" * (len(old) + 5)) is None
    assert textdiff.apply_exact("@@ -1,3 +1,3 @@\n-abc\n+abd\n", "xyz") is None


def test_empty_patch_changes_nothing() -> None:
    assert textdiff.make_patch("same", "same") == ""
    assert textdiff.apply_patch("", "anything") == Applied("anything")


def test_apply_patch_follows_drift() -> None:
    old = PARAGRAPH
    new = PARAGRAPH.replace("take measures", "take urgent measures")
    patch = textdiff.make_patch(old, new)
    # Someone else inserted 500 characters in front of the clause in the meantime.
    current = "X" * 500 + " " + PARAGRAPH.replace("least developed", "the least developed")
    expected = "X" * 500 + " " + new.replace("least developed", "the least developed")
    assert textdiff.apply_patch(patch, current) == Applied(expected)


def test_apply_patch_refuses_rewritten_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """The thresholds exist for this: the clause was reworded, so the hunk must fail."""
    old = PARAGRAPH
    new = PARAGRAPH.replace("take measures", "take urgent measures")
    patch = textdiff.make_patch(old, new)
    current = PARAGRAPH.replace(
        "Member States shall take measures to protect",
        "Member States are encouraged to consider protecting",
    )
    assert textdiff.apply_patch(patch, current) == MergeConflict(
        base="", current=current, proposed="", failed_hunks=(0,)
    )
    # With the library default the same hunk lands in the *other* "shall take" clause.
    monkeypatch.setattr(textdiff._dmp, "Match_Threshold", 0.5)
    wrong = applied_text(textdiff.apply_patch(patch, current))
    assert "shall take urgent steps" in wrong


def test_big_deletion_refused_when_block_was_rewritten(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch_DeleteThreshold: a >32-character deletion of a much-changed block fails."""
    sentence = (
        "Member States shall take measures to protect the human rights of migrants and refugees. "
    )
    new = PARAGRAPH.replace(sentence, "")
    patch = textdiff.make_patch(PARAGRAPH, new)
    lightly = PARAGRAPH.replace("human rights", "fundamental human rights")
    assert textdiff.apply_patch(patch, lightly) == Applied(new)
    # Someone added 45 characters inside the sentence; its ends are still intact.
    heavily = PARAGRAPH.replace(
        "measures to protect", "measures, without delay and as a matter of priority, to protect"
    )
    assert textdiff.apply_patch(patch, heavily) == MergeConflict("", heavily, "", (0,))
    # The library default would delete the sentence, addition and all.
    monkeypatch.setattr(textdiff._dmp, "Patch_DeleteThreshold", 0.5)
    assert textdiff.apply_patch(patch, heavily) == Applied(new)


LONG = "a long replacement spanning far more than thirty-two characters"


@pytest.mark.parametrize(("rewritten", "failed"), [(slice(147, 154), (3,)), (slice(95, 115), (2,))])
def test_failed_hunks_index_original_hunks_not_split_pieces(
    rewritten: slice, failed: tuple[int, ...]
) -> None:
    """dmp applies long hunks in 32-character pieces; MergeConflict still names whole hunks."""
    words = [f"{WORDS[i % len(WORDS)]}{i}" for i in range(200)]
    old = " ".join(words)
    changed = list(words)
    changed[150] = "FOURTH"
    changed[100:110] = ["another " + LONG]
    changed[40:52] = [LONG]
    changed[5] = "FIRST"
    new = " ".join(changed)
    patch = textdiff.make_patch(old, new)
    assert [h.length1 > 32 for h in textdiff.parse_patch(patch)] == [False, True, True, False]
    assert textdiff.apply_patch(patch, old) == Applied(new)
    current = old.replace(" ".join(words[rewritten]), "entirely different wording " * 4)
    assert textdiff.apply_patch(patch, current) == MergeConflict("", current, "", failed)


def test_apply_patch_raises_invalid_patch() -> None:
    with pytest.raises(InvalidPatch):
        textdiff.apply_patch("@@ nonsense", "text")


# --------------------------------------------------------------------------------------------
# parse_patch validation
# --------------------------------------------------------------------------------------------

GOOD = textdiff.make_patch("Member States shall act", "Member States should act")

BAD_PATCHES = {
    "garbage header": "@@ -x +y @@\n+a\n",
    "not a header": "hello world",
    "leading blank": "\n" + GOOD,
    "unknown sign": "@@ -1,3 +1,3 @@\n*abc\n",
    "bad escape letters": "@@ -1,3 +1,3 @@\n-%zz\n+abc\n",
    "truncated escape": "@@ -1,3 +1,3 @@\n-ab%4\n+abc\n",
    "lone percent": "@@ -1,3 +1,3 @@\n-a%\n+abc\n",
    "escape not utf-8": "@@ -1 +1 @@\n-%FF\n+a\n",
    "cut utf-8 sequence": "@@ -1 +1 @@\n-%C3\n+a\n",
    "raw control char": "@@ -1 +1 @@\n-a\r\n+b\n",
    "raw non-ascii": "@@ -1 +1 @@\n-é\n+b\n",
    "negative coordinate": "@@ -0 +0 @@\n-a\n+b\n",
    "minus in coordinate": "@@ --1,1 +1,1 @@\n-a\n+b\n",
    "absurd coordinate": "@@ -900000000,1 +900000000,1 @@\n-a\n+b\n",
    "monster coordinate": "@@ -" + "9" * 5000 + ",1 +1,1 @@\n-a\n+b\n",
    "unicode digits": "@@ -\u0663,1 +1,1 @@\n-a\n+b\n",
    "length mismatch": "@@ -1,5 +1,1 @@\n-a\n+b\n",
    "no changes": "@@ -1,3 +1,3 @@\n abc\n",
    "header only": "@@ -1,3 +1,3 @@\n",
    "trailing comma": "@@ -1, +1 @@\n-a\n+b\n",
}


@pytest.mark.parametrize("patch", BAD_PATCHES.values(), ids=BAD_PATCHES.keys())
def test_parse_patch_rejects(patch: str) -> None:
    with pytest.raises(InvalidPatch) as info:
        textdiff.parse_patch(patch)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert message and "\n" not in message and len(message) < 200


@pytest.mark.parametrize("value", [None, b"@@ -1 +1 @@\n-a\n+b\n", 42, ["@@"]])
def test_parse_patch_rejects_non_text(value: object) -> None:
    with pytest.raises(InvalidPatch, match="must be text"):
        textdiff.parse_patch(value)  # type: ignore[arg-type]


def test_parse_patch_length_limit() -> None:
    huge = textdiff.make_patch("a" * 10, "b" * 300_000)
    with pytest.raises(InvalidPatch, match="limit"):
        textdiff.parse_patch(huge)
    with pytest.raises(InvalidPatch, match="limit"):
        textdiff.parse_patch(GOOD, max_length=10)
    assert textdiff.parse_patch(huge, max_length=len(huge))


def test_parse_patch_accepts_own_and_js_output() -> None:
    assert len(textdiff.parse_patch(GOOD)) == 1
    assert textdiff.parse_patch("") == []
    # Lowercase escapes and UTF-16 lengths, as the JS port writes for an emoji.
    js = "@@ -1,3 +1,4 @@\n a\n-b\n+%f0%9f%98%80\n c\n"
    (hunk,) = textdiff.parse_patch(js)
    assert (hunk.length1, hunk.length2) == (3, 3)
    assert textdiff.apply_patch(js, "abc") == Applied("a\N{GRINNING FACE}c")


# --------------------------------------------------------------------------------------------
# merge
# --------------------------------------------------------------------------------------------


def test_merge_trivial_cases() -> None:
    base, proposed, current = "one two three", "one 2 three", "one two 3"
    assert textdiff.merge(base, proposed, base) == Applied(proposed)
    assert textdiff.merge(base, base, current) == Applied(current)
    assert textdiff.merge(base, current, current) == Applied(current)
    assert textdiff.merge(base, proposed, current) == Applied("one 2 3")
    assert textdiff.merge("", "text", "") == Applied("text")


def test_merge_same_edit_made_twice_is_not_a_conflict() -> None:
    base = PARAGRAPH
    proposed = base.replace("shall take measures", "should take measures").replace(
        "next session", "seventy-ninth session"
    )
    current = base.replace("shall take measures", "should take measures")
    assert textdiff.merge(base, proposed, current) == Applied(proposed)


def test_merge_same_words_rewritten_is_a_conflict() -> None:
    base = PARAGRAPH
    proposed = base.replace("shall take measures", "should take measures")
    current = base.replace("shall take measures", "must take measures")
    result = textdiff.merge(base, proposed, current)
    assert result == MergeConflict(base, current, proposed, (0,))


def test_merge_insertions_at_the_same_place_conflict() -> None:
    base = "The Assembly decides to convene a conference."
    proposed = base.replace("a conference", "a high-level conference")
    current = base.replace("a conference", "a global conference")
    assert isinstance(textdiff.merge(base, proposed, current), MergeConflict)


def test_merge_refuses_hunk_whose_context_was_rewritten(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changed characters untouched, but the words around them reworded: a human decides."""
    base = PARAGRAPH
    proposed = base.replace("shall take measures", "shall take urgent measures")
    current = base.replace("shall take measures", "must adopt measures")
    assert textdiff.merge(base, proposed, current) == MergeConflict(base, current, proposed, (0,))
    # It is the threshold that refuses it: the library default would merge the insertion.
    with monkeypatch.context() as patched:
        patched.setattr(textdiff._dmp, "Match_Threshold", 0.5)
        assert textdiff.merge(base, proposed, current) == Applied(
            base.replace("shall take measures", "must adopt urgent measures")
        )
    # A small edit next to the hunk is ordinary drift and merges fine.
    nearby = base.replace("measures to protect", "measures that protect")
    assert textdiff.merge(base, proposed, nearby) == Applied(
        proposed.replace("measures to protect", "measures that protect")
    )


def test_merge_conflict_lists_only_the_failing_hunks() -> None:
    base = PARAGRAPH
    proposed = base.replace("reaffirms", "strongly reaffirms").replace(
        "next session", "eightieth session"
    )
    current = base.replace("next session", "following session")
    result = textdiff.merge(base, proposed, current)
    assert isinstance(result, MergeConflict)
    assert result.failed_hunks == (1,)


Edit = tuple[int, int, list[str]]


@st.composite
def two_disjoint_edits(draw: st.DrawFn) -> tuple[list[str], Edit, Edit]:
    """Base words plus two edits of word ranges separated by at least two unchanged words."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=6, max_size=40, unique=True))
    n = len(words)
    i1 = draw(st.integers(0, n - 3))
    j1 = draw(st.integers(i1, min(i1 + 4, n - 3)))
    i2 = draw(st.integers(j1 + 2, n))
    j2 = draw(st.integers(i2, min(i2 + 4, n)))
    new1 = draw(st.lists(st.sampled_from(UPPER), max_size=3))
    new2 = draw(st.lists(st.sampled_from(UPPER), max_size=3))
    assume((i1 != j1 or new1) and (i2 != j2 or new2))
    first, second = (i1, j1, new1), (i2, j2, new2)
    if draw(st.booleans()):
        first, second = second, first
    return words, first, second


def edited(words: list[str], *edits: Edit) -> str:
    out = list(words)
    for i, j, new in sorted(edits, reverse=True):
        out[i:j] = new
    return " ".join(out)


@given(two_disjoint_edits())
@settings(max_examples=300, deadline=None)
def test_merge_disjoint_edits_keeps_both(case: tuple[list[str], Edit, Edit]) -> None:
    words, mine, theirs = case
    base = " ".join(words)
    proposed, current = edited(words, mine), edited(words, theirs)
    assert textdiff.merge(base, proposed, current) == Applied(edited(words, mine, theirs))


@st.composite
def overlapping_rewrites(draw: st.DrawFn) -> tuple[list[str], Edit, Edit]:
    """Two different rewrites of overlapping word ranges."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=3, max_size=40, unique=True))
    n = len(words)
    i1 = draw(st.integers(0, n - 1))
    j1 = draw(st.integers(i1 + 1, min(i1 + 5, n)))
    i2 = draw(st.integers(max(0, i1 - 3), j1 - 1))
    j2 = draw(st.integers(max(i2, i1) + 1, min(max(i2, i1) + 5, n)))
    new1 = draw(st.lists(st.sampled_from(UPPER), max_size=3))
    new2 = draw(st.lists(st.sampled_from(UPPER), max_size=3))
    assume(edited(words, (i1, j1, new1)) != edited(words, (i2, j2, new2)))
    return words, (i1, j1, new1), (i2, j2, new2)


@given(overlapping_rewrites())
@settings(max_examples=300, deadline=None)
def test_merge_overlapping_rewrites_conflict(case: tuple[list[str], Edit, Edit]) -> None:
    words, mine, theirs = case
    base = " ".join(words)
    proposed, current = edited(words, mine), edited(words, theirs)
    result = textdiff.merge(base, proposed, current)
    assert isinstance(result, MergeConflict)
    assert (result.base, result.current, result.proposed) == (base, current, proposed)
    assert result.failed_hunks
    # Nothing was merged: the caller still holds exactly the three inputs.


# --------------------------------------------------------------------------------------------
# attribute
# --------------------------------------------------------------------------------------------


def check_runs(runs: list, base: str, final: str) -> None:
    assert "".join(t for op, t, _ in runs if op != 1) == base
    assert "".join(t for op, t, _ in runs if op != -1) == final
    assert all(t for _, t, _ in runs)
    # Adjacent runs always differ in op or author.
    assert all((a[0], a[2]) != (b[0], b[2]) for a, b in itertools.pairwise(runs))


def test_attribute_example() -> None:
    runs = textdiff.attribute(
        "one two three",
        [("one 2 three", "A"), ("one 2 three four", "B"), ("zero one 2 four", "C")],
        base_author="base",
    )
    assert runs == [
        (1, "zero ", "C"),
        (0, "one ", "base"),
        (-1, "two", "A"),
        (1, "2", "A"),
        (-1, " three", "C"),
        (1, " four", "B"),
    ]


def test_attribute_text_inserted_then_deleted_vanishes() -> None:
    base = "The Assembly decides."
    chain = [
        ("The Assembly hereby decides.", "FRA"),
        ("The Assembly decides.", "DEU"),
        ("The General Assembly decides.", "USA"),
    ]
    runs = textdiff.attribute(base, chain)
    assert runs == [(0, "The ", None), (1, "General ", "USA"), (0, "Assembly decides.", None)]


def test_attribute_without_versions_or_changes() -> None:
    assert textdiff.attribute("text", []) == [(0, "text", None)]
    assert textdiff.attribute("text", [("text", "A")], "B") == [(0, "text", "B")]
    assert textdiff.attribute("", []) == []
    assert textdiff.attribute("", [("new", "A")]) == [(1, "new", "A")]
    assert textdiff.attribute("old", [("", "A")]) == [(-1, "old", "A")]


def test_attribute_deleted_then_retyped_shows_both() -> None:
    runs = textdiff.attribute("keep this text", [("keep text", "A"), ("keep this text", "B")])
    assert runs == [(0, "keep ", None), (-1, "this ", "A"), (1, "this ", "B"), (0, "text", None)]


@st.composite
def edit_chains(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]], list, list]:
    """A chain of single edits with per-character ground truth.

    Every character ever typed is unique, so each step's diff is exactly the edit made and
    the true author of every surviving character is known.
    """
    fresh = iter(range(0x4E00, 0x9FFF))
    base_len = draw(st.integers(0, 30))
    base = "".join(chr(next(fresh)) for _ in range(base_len))
    labels: list = [("base", i) for i in range(base_len)]  # origin of each current char
    text = base
    deleted: dict[int, str] = {}  # base index -> deleting author
    versions = []
    for _ in range(draw(st.integers(0, 20))):
        author = draw(st.sampled_from(AUTHORS))
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(start + 8, len(text))))
        inserted = "".join(chr(next(fresh)) for _ in range(draw(st.integers(0, 6))))
        if start == end and not inserted:
            continue
        for label in labels[start:end]:
            if label[0] == "base":
                deleted[label[1]] = author
        labels[start:end] = [("ins", author)] * len(inserted)
        text = text[:start] + inserted + text[end:]
        versions.append((text, author))
    return base, versions, labels, [deleted.get(i) for i in range(base_len)]


@given(edit_chains())
@settings(max_examples=400, deadline=None)
def test_attribute_matches_ground_truth(case: tuple) -> None:
    base, versions, labels, deleters = case
    final = versions[-1][0] if versions else base
    runs = textdiff.attribute(base, versions, base_author="BASE")
    check_runs(runs, base, final)
    got_final, got_deleters = [], []
    for op, text, who in runs:
        if op != -1:
            got_final += [("base", None) if op == 0 else ("ins", who)] * len(text)
        if op != 1:
            got_deleters += [who if op == -1 else None] * len(text)
        if op == 0:
            assert who == "BASE"
    assert got_final == [(kind, None if kind == "base" else who) for kind, who in labels]
    assert got_deleters == deleters


@st.composite
def word_chains(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    """Realistic chains: several word edits per version, words repeat freely."""
    words = draw(st.lists(st.sampled_from(WORDS), max_size=40))
    base = " ".join(words)
    versions = []
    for _ in range(draw(st.integers(0, 12))):
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(words)))
            j = draw(st.integers(i, min(i + 3, len(words))))
            words[i:j] = draw(st.lists(st.sampled_from(WORDS + UPPER), max_size=3))
        versions.append((" ".join(words), draw(st.sampled_from(AUTHORS))))
    return base, versions


@given(word_chains())
@settings(max_examples=300, deadline=None)
def test_attribute_invariants_on_word_edits(case: tuple[str, list[tuple[str, str]]]) -> None:
    base, versions = case
    final = versions[-1][0] if versions else base
    runs = textdiff.attribute(base, versions)
    check_runs(runs, base, final)
    authors = {a for _, a in versions}
    for op, _, who in runs:
        assert who is None if op == 0 else who in authors


def realistic_chain(seed: int, size: int, count: int) -> tuple[str, list[tuple[str, str]]]:
    rng = random.Random(seed)
    words = [rng.choice(WORDS) for _ in range(size // 8)]
    base = " ".join(words)
    versions = []
    for _ in range(count):
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(words))
            words[i : i + rng.randint(0, 2)] = rng.sample(WORDS, rng.randint(0, 3))
        versions.append((" ".join(words), rng.choice(AUTHORS)))
    return base, versions


def test_attribute_is_fast() -> None:
    base, versions = realistic_chain(7, 1000, 20)
    textdiff.attribute(base, versions)
    started = time.perf_counter()
    runs = textdiff.attribute(base, versions)
    elapsed = time.perf_counter() - started
    check_runs(runs, base, versions[-1][0])
    assert elapsed < 0.25, f"20 versions of 1 KB took {elapsed * 1000:.1f} ms"


# --------------------------------------------------------------------------------------------
# backends
# --------------------------------------------------------------------------------------------


def test_backend_name() -> None:
    assert textdiff.BACKEND in {"fast-diff-match-patch", "diff-match-patch"}


def test_backend_can_be_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """DRAFTING_FAST_DIFF=0 selects pure python (loaded as a separate module copy)."""
    monkeypatch.setenv("DRAFTING_FAST_DIFF", "0")
    spec = importlib.util.spec_from_file_location("_textdiff_without_fast", Path(textdiff.__file__))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look the module up
    spec.loader.exec_module(module)
    assert module.BACKEND == "diff-match-patch"
    assert module.diff("abc", "abd") == [(0, "ab"), (-1, "c"), (1, "d")]


def test_backend_matches_environment() -> None:
    try:
        import fast_diff_match_patch  # noqa: F401
    except ImportError:
        expected = "diff-match-patch"
    else:
        disabled = os.environ.get("DRAFTING_FAST_DIFF") == "0"
        expected = "diff-match-patch" if disabled else "fast-diff-match-patch"
    assert expected == textdiff.BACKEND


@st.composite
def paragraph_edits(draw: st.DrawFn) -> tuple[str, str]:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=200))
    old = " ".join(words)
    for _ in range(draw(st.integers(0, 12))):
        i = draw(st.integers(0, len(words)))
        j = draw(st.integers(i, min(i + 5, len(words))))
        words[i:j] = draw(st.lists(st.sampled_from(WORDS + UPPER), max_size=4))
    return old, " ".join(words)


@st.composite
def char_edits(draw: st.DrawFn) -> tuple[str, str]:
    """Small-alphabet texts and mutations of them: many equal runs, ties and overlaps."""
    alphabet = st.sampled_from("ab c.\n\N{GRINNING FACE}\x00é")
    old = draw(st.text(alphabet, max_size=60))
    new = old
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(new)))
        j = draw(st.integers(i, min(i + 6, len(new))))
        new = new[:i] + draw(st.text(alphabet, max_size=6)) + new[j:]
    return old, new


try:
    import fast_diff_match_patch as fast_module
except ImportError:  # pragma: no cover - optional dependency
    fast_module = None

needs_fast = pytest.mark.skipif(fast_module is None, reason="fast_diff_match_patch missing")


@needs_fast
@given(st.one_of(paragraph_edits(), char_edits(), st.tuples(st.text(), st.text())))
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fast_backend_identical(pair: tuple[str, str]) -> None:
    old, new = pair
    assert textdiff._fast_diff(fast_module, old, new) == textdiff._py_diff(old, new)


@needs_fast
def test_fast_backend_identical_on_long_paragraphs() -> None:
    for seed in range(20):
        base, versions = realistic_chain(seed, 5000, 3)
        for new, _ in versions:
            assert textdiff._fast_diff(fast_module, base, new) == textdiff._py_diff(base, new)


def test_a_patch_with_too_many_hunks_is_refused_before_any_work():
    hunks = "".join(f"@@ -{i * 10 + 1},1 +{i * 10 + 1},2 @@\n a\n+b\n" for i in range(501))
    with pytest.raises(textdiff.InvalidPatch, match="501 hunks"):
        textdiff.parse_patch(hunks)
