"""Benchmark drafting.text.textdiff on realistic paragraph edits: ``python bench/diff.py``.

Compares the pure-python diff with the C++ binding (and checks they agree), then times the
patch, merge and attribution paths the app uses. Deterministic corpus, medians of 7 runs.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drafting.text import textdiff

try:
    import fast_diff_match_patch
except ImportError:  # pragma: no cover - optional dependency
    fast_diff_match_patch = None

SIZES = (200, 1000, 2000, 5000)
PAIRS = 12  # paragraph pairs per size
REPEAT = 7
CHAIN = 20  # versions per attribution chain

_VOCABULARY = """
the general assembly recalling its resolution reaffirming charter of united nations member
states shall should may take measures to protect promote ensure human rights fundamental
freedoms migrants refugees women girls children persons with disabilities sustainable
development goals climate change adaptation mitigation finance technology transfer capacity
building developing countries least developed small island landlocked cooperation regional
international multilateral framework implementation follow-up review report secretary-general
session agenda item requests invites encourages urges welcomes notes with appreciation
concern deep regret strongly condemns decides further also in accordance relevant provisions
obligations under law including humanitarian access assistance peace security conflict
prevention sovereignty territorial integrity political independence all a an and or for on
in its their this that which at by as well between within without prejudice
"""
WORDS = _VOCABULARY.split()
DELEGATIONS = ("FRA", "DEU", "USA", "BRA", "CHN", "KEN", "IND", "JPN")


def paragraph(rng: random.Random, size: int) -> str:
    """Diplomatic-sounding sentences of about ``size`` characters."""
    sentences: list[str] = []
    length = 0
    while length < size:
        words = [rng.choice(WORDS) for _ in range(rng.randint(12, 28))]
        sentence = " ".join(words).capitalize() + rng.choice([".", ";", ","])
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)[:size].rstrip()


def word_edits(rng: random.Random, text: str, count: int) -> str:
    """Insert, delete or replace a few words at ``count`` random places."""
    words = text.split(" ")
    for _ in range(count):
        i = rng.randrange(len(words))
        kind = rng.random()
        if kind < 0.35:
            words[i:i] = rng.sample(WORDS, rng.randint(1, 3))
        elif kind < 0.6:
            del words[i : i + rng.randint(1, 3)]
        else:
            words[i : i + rng.randint(1, 2)] = rng.sample(WORDS, rng.randint(1, 3))
        if not words:
            words = [rng.choice(WORDS)]
    return " ".join(words)


def edits_for(size: int) -> int:
    return max(1, size // 250)


def median_seconds(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    fn()  # warm-up
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1e3:.2f} ms"


def corpus(rng: random.Random, size: int) -> dict:
    """Bases, proposed edits, concurrent edits, patches and attribution chains for a size."""
    bases = [paragraph(rng, size) for _ in range(PAIRS)]
    proposed = [word_edits(rng, b, edits_for(size)) for b in bases]
    # Concurrent edits by another delegation, usually elsewhere in the paragraph.
    current = [word_edits(rng, b, 1) for b in bases]
    chains = []
    for base in bases[:3]:
        text, chain = base, []
        for k in range(CHAIN):
            text = word_edits(rng, text, rng.randint(1, 3))
            chain.append((text, DELEGATIONS[k % len(DELEGATIONS)]))
        chains.append((base, chain))
    return {
        "pairs": list(zip(bases, proposed, strict=True)),
        "patches": [
            (textdiff.make_patch(b, p), c) for b, p, c in zip(bases, proposed, current, strict=True)
        ],
        "merges": list(zip(bases, proposed, current, strict=True)),
        "drift": list(zip(bases, current, strict=True)),
        "chains": chains,
    }


def time_app_paths(data: dict) -> list[float]:
    """Per-item medians of make_patch, apply_patch, merge and attribute."""
    pairs, patches, merges, chains = data["pairs"], data["patches"], data["merges"], data["chains"]
    return [
        median_seconds(lambda: [textdiff.make_patch(a, b) for a, b in pairs]) / len(pairs),
        median_seconds(lambda: [textdiff.apply_patch(p, c) for p, c in patches]) / len(patches),
        median_seconds(lambda: [textdiff.merge(b, p, c) for b, p, c in merges]) / len(merges),
        median_seconds(lambda: [textdiff.attribute(b, ch) for b, ch in chains]) / len(chains),
    ]


def compare_backends(data: dict) -> tuple[float, float | None, bool | None]:
    """Median pure-python and C++ diff time per pair, and whether outputs are identical."""
    pairs = data["pairs"]
    py = median_seconds(lambda: [textdiff._py_diff(a, b) for a, b in pairs]) / len(pairs)
    module = fast_diff_match_patch
    if module is None:
        return py, None, None
    fast = median_seconds(lambda: [textdiff._fast_diff(module, a, b) for a, b in pairs])
    identical = all(
        textdiff._py_diff(a, b) == textdiff._fast_diff(module, a, b)
        for a, b in pairs + data["drift"]
    )
    return py, fast / len(pairs), identical


def run() -> None:
    rng = random.Random(20240917)
    corpora = {size: corpus(rng, size) for size in SIZES}
    print(f"drafting.text.textdiff backend for diff(): {textdiff.BACKEND}")
    print(
        f"medians of {REPEAT} runs, per paragraph pair ({PAIRS} pairs per size, word-level "
        f"edits); apply_patch/merge run against a concurrently edited text; attribute = "
        f"chain of {CHAIN} versions\n"
    )
    header = (
        f"{'size':>6} {'edits':>5} {'py diff':>10} {'C++ diff':>10} {'ratio':>6} {'same':>5} "
        f"{'make_patch':>11} {'apply_patch':>12} {'merge':>10} {'attribute':>10} {'clean':>6}"
    )
    print(header)
    print("-" * len(header))
    all_identical = True
    for size, data in corpora.items():
        py, fast, identical = compare_backends(data)
        if fast is None:
            fast_s = ratio_s = same_s = "n/a"
        else:
            all_identical &= bool(identical)
            fast_s, ratio_s = fmt(fast), f"{py / fast:.1f}x"
            same_s = "yes" if identical else "NO"
        make, apply, merge, attr = time_app_paths(data)
        outcomes = [textdiff.merge(b, p, c) for b, p, c in data["merges"]]
        clean = sum(isinstance(o, textdiff.Applied) for o in outcomes)
        print(
            f"{size:>6} {edits_for(size):>5} {fmt(py):>10} {fast_s:>10} {ratio_s:>6} "
            f"{same_s:>5} {fmt(make):>11} {fmt(apply):>12} {fmt(merge):>10} {fmt(attr):>10} "
            f"{clean:>3}/{PAIRS}"
        )
    if fast_diff_match_patch is not None and textdiff._fast is not None:
        print("\nsame paths with the pure-python diff (DRAFTING_FAST_DIFF=0):")
        saved, textdiff._fast = textdiff._fast, None
        try:
            for size, data in corpora.items():
                make, apply, merge, attr = time_app_paths(data)
                print(
                    f"{size:>6} {'':>5} {'':>10} {'':>10} {'':>6} {'':>5} {fmt(make):>11} "
                    f"{fmt(apply):>12} {fmt(merge):>10} {fmt(attr):>10}"
                )
        finally:
            textdiff._fast = saved
    if fast_diff_match_patch is not None:
        verdict = "identical" if all_identical else "DIFFERENT - set DRAFTING_FAST_DIFF=0"
        print(f"\nfast-diff-match-patch vs diff-match-patch on this corpus: {verdict}")
    print("clean = merges that applied without conflict")


if __name__ == "__main__":
    run()
