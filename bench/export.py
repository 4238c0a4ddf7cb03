"""Benchmark the exports of a 200-paragraph document: ``python bench/export.py``.

Builds, in a temporary SQLite database, a bilingual (English/Spanish) document of 200
paragraphs (40 numbered paragraphs, each with three lettered sub-paragraphs, half with two
roman sub-sub-paragraphs), gives every English paragraph 6 versions by 6 delegations with
revision Rev.1 taken after the 3rd, files 10 reservations, then times each export through
the HTTP API (the whole request: policy, query, file, response) and prints the medians of
7 runs. The tracked-changes file is timed cold (the attribution memo emptied before every
run: the first request after a restart) and warm.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import bench_app

TOP = 40
VERSIONS = 6  # per English paragraph, the import included
REVISION_AT = 3
EDITORS = ("MX", "CA", "US", "GT", "SV", "CR")
REPEAT = 7
LIMIT = 1.0  # seconds: what the exports must stay under
_WORDS = """
the member countries regional conference on migration recalling its conclusions reaffirming
shall should may take measures to protect promote ensure human rights of migrants refugees
women girls children persons in vulnerable situations return reintegration cooperation
technical secretariat presidency pro tempore working group consultation liaison officers
network civil society observer organizations report workshop guidelines protection
consular assistance labour mobility trafficking smuggling border management health
"""
WORDS = _WORDS.split()


def sentence(rng: random.Random, size: int, start: str = "To") -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < size:
        words.append(rng.choice(WORDS))
    return f"{start} " + " ".join(words).rstrip() + "."


def word_edit(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    i = rng.randrange(1, max(2, len(words) - 1))
    kind = rng.random()
    if kind < 0.4:
        words[i:i] = rng.sample(WORDS, rng.randint(1, 3))
    elif kind < 0.65 and len(words) > 8:
        del words[i : i + rng.randint(1, 2)]
    else:
        words[i : i + 1] = rng.sample(WORDS, rng.randint(1, 2))
    return " ".join(words)


def numbered_text(rng: random.Random, start: str) -> str:
    """40 paragraphs x (1 + 3 letters) + 20 x 2 romans = 200 paragraphs."""
    lines = []
    for n in range(1, TOP + 1):
        lines.append(f"{n}. {sentence(rng, rng.randint(200, 400), start)}")
        for letter in "abc":
            lines.append(f"{letter}. {sentence(rng, rng.randint(120, 260), start)}")
            if letter == "b" and n % 2:
                for roman in ("i", "ii"):
                    lines.append(f"{roman}. {sentence(rng, rng.randint(80, 160), start)}")
    return "\n".join(lines)


def build() -> int:
    from sqlalchemy import select

    from drafting import demo
    from drafting.extensions import db
    from drafting.models import Delegation, Reservation, User
    from drafting.models.discussion import ReservationKind
    from drafting.services import revisions
    from drafting.services.importing import create_document
    from drafting.services.paragraphs import latest, store_version
    from drafting.text.parsing import parse_text, walk

    rng = random.Random(20261123)
    demo.load()
    users = {u.delegation.code: u for u in db.session.scalars(select(User))}
    process = users["TS"].memberships[0].process
    seed = rng.random()
    english = parse_text(numbered_text(random.Random(seed), "To"))
    spanish = parse_text(numbered_text(random.Random(seed), "Para"))
    count = sum(1 for _ in walk(english))
    document = create_document(
        process,
        users["TS"],
        english,
        title="Benchmark conclusions",
        kind="conclusions",
        languages=["en", "es"],
        translations={"es": spanish},
        symbol="RCM/BENCH/2026",
    )
    db.session.commit()
    codes = {d.code: d.id for d in db.session.scalars(select(Delegation))}
    paragraphs = sorted(document.paragraphs, key=lambda p: p.id)
    current = {p.id: latest(p.id, "en").text for p in paragraphs}
    for version in range(2, VERSIONS + 1):
        for index, paragraph in enumerate(paragraphs):
            who = EDITORS[(index + version) % len(EDITORS)]
            current[paragraph.id] = word_edit(rng, current[paragraph.id])
            store_version(document, paragraph, users[who], "en", current[paragraph.id],
                          delegation_id=codes[who], audited=False)  # fmt: skip
        if version == REVISION_AT:
            revisions.snapshot(document, "Rev.1", users["TS"])
        db.session.commit()
    for index in range(10):
        paragraph = paragraphs[index * 19]
        db.session.add(
            Reservation(
                document_id=document.id,
                paragraph_id=paragraph.id,
                delegation_id=codes[EDITORS[index % len(EDITORS)]],
                author_id=users["MX"].id,
                kind=ReservationKind.RESERVATION,
                text=sentence(rng, 120, "The delegation reserves its position on"),
            )
        )
    db.session.commit()
    print(f"built {count} paragraphs (en + es), {VERSIONS} English versions each, Rev.1 after "
          f"the {REVISION_AT}rd, 10 reservations")  # fmt: skip
    return document.id


def median(fn: Callable[[], object], before: Callable[[], object] | None = None) -> float:
    fn()  # warm-up (imports, template compilation)
    timings = []
    for _ in range(REPEAT):
        if before:
            before()
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> int:
    from drafting.services import changes

    app = bench_app(TESTING=True)
    with app.app_context():
        document_id = build()
    client = app.test_client()
    client.post("/api/login", json={"email": "mexico@demo.test", "password": "demo-password"})

    def export(query: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(f"/api/documents/{document_id}/export?{query}")
            assert response.status_code == 200, response.get_json()
            return response

        return call

    rows = [
        ("docx (clean, current text)", median(export("format=docx"))),
        ("docx (clean, Rev.1, Spanish)", median(export("format=docx&revision=Rev.1&lang=es"))),
        ("docx-tracked Rev.1 -> current, cold", median(export("format=docx-tracked"),
                                                     before=changes.clear_cache)),
        ("docx-tracked Rev.1 -> current, warm", median(export("format=docx-tracked"))),
        ("docx-tracked Draft -> current, cold", median(export("format=docx-tracked&from=Draft"),
                                                     before=changes.clear_cache)),
        ("akn (Akoma Ntoso XML)", median(export("format=akn"))),
        ("html (standalone)", median(export("format=html"))),
    ]  # fmt: skip
    size = {
        fmt: len(export(f"format={fmt}")().data) for fmt in ("docx", "docx-tracked", "akn", "html")
    }
    width = max(len(name) for name, _ in rows)
    print(f"\nmedian of {REPEAT} runs through the HTTP API, one process, SQLite\n")
    print(f"{'export':<{width}}  {'median':>9}")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1e3:>6.0f} ms")
    print("\nfile sizes: " + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in size.items()))
    slow = [name for name, seconds in rows if seconds >= LIMIT]
    if slow:
        print(f"\nSLOWER THAN {LIMIT:.0f} s: {', '.join(slow)}")
        return 1
    print(f"\nall exports under {LIMIT:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
