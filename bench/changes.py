"""Benchmark tracked changes: ``python bench/changes.py``.

Builds a 200-paragraph document in a temporary SQLite database, gives every paragraph 20
versions typed by 6 delegations (the import, then 19 word-level edits, with revision Rev.1
taken after the 10th version), and prints the median time of the full `changes` service
call and of rendering the tracked-changes page, on one core:

* cold: the attribution memo is emptied before every call (first request after a restart);
* warm: asked again with nothing new (what a page reload costs);
* after one edit: one paragraph got a new version since the last call (a live session).
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

PARAGRAPHS = 200
VERSIONS = 20  # per paragraph, the import included
REVISION_AT = 10  # Rev.1 is taken after this many versions
EDITORS = ("MX", "CA", "US", "GT", "SV", "CR")
REPEAT = 7
_WORDS = """
the member countries regional conference on migration recalling its conclusions reaffirming
shall should may take measures to protect promote ensure human rights of migrants refugees
women girls children persons in vulnerable situations return reintegration cooperation
technical secretariat presidency pro tempore working group consultation liaison officers
network civil society observer organizations report workshop guidelines protection
consular assistance labour mobility trafficking smuggling border management health
"""
WORDS = _WORDS.split()


def sentence(rng: random.Random, size: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < size:
        words.append(rng.choice(WORDS))
    return "To " + " ".join(words).rstrip() + "."


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


def build(
    paragraphs: int = PARAGRAPHS,
    versions: int = VERSIONS,
    revision_at: int = REVISION_AT,
    seed: int = 20261123,
) -> int:
    """A document of `paragraphs` paragraphs with `versions` versions each by 6 delegations
    and revisions Draft and Rev.1 (taken after `revision_at` versions); returns its id.
    Needs the demo loaded (its accounts type the edits)."""
    from sqlalchemy import select

    from drafting.extensions import db
    from drafting.models import Delegation, Process, User
    from drafting.services import revisions
    from drafting.services.importing import create_document
    from drafting.services.paragraphs import latest, store_version
    from drafting.text.parsing import parse_text

    rng = random.Random(seed)
    users = {u.delegation.code: u for u in db.session.scalars(select(User))}
    process = db.session.scalar(select(Process))
    text = "\n".join(
        f"{n}. {sentence(rng, rng.randint(250, 450))}" for n in range(1, paragraphs + 1)
    )
    document = create_document(
        process,
        users["TS"],
        parse_text(text),
        title=f"Benchmark declaration ({paragraphs})",
        kind="declaration",
        languages=["en"],
    )
    db.session.commit()
    codes = {d.code: d.id for d in db.session.scalars(select(Delegation))}
    rows = sorted(document.paragraphs, key=lambda p: p.id)
    current = {p.id: latest(p.id, "en").text for p in rows}
    for step in range(2, versions + 1):
        for index, paragraph in enumerate(rows):
            who = EDITORS[(index + step) % len(EDITORS)]
            current[paragraph.id] = word_edit(rng, current[paragraph.id])
            store_version(
                document,
                paragraph,
                users[who],
                "en",
                current[paragraph.id],
                delegation_id=codes[who],
                audited=False,
            )
        if step == revision_at:
            revisions.snapshot(document, "Rev.1", users["TS"])
        db.session.commit()
    return document.id


def main() -> None:
    from drafting.extensions import db
    from drafting.models import Document, Paragraph, User
    from drafting.services import changes
    from drafting.text import textdiff

    app = bench_app(TESTING=True)
    with app.app_context():
        started = time.perf_counter()
        from drafting import demo

        demo.load()
        document_id = build()
        print(
            f"built {PARAGRAPHS} paragraphs x {VERSIONS} versions from {len(EDITORS)} "
            f"delegations in {time.perf_counter() - started:.1f} s; diff backend "
            f"{textdiff.BACKEND}; medians of {REPEAT} runs\n"
        )
    client = app.test_client()
    client.post("/api/login", json={"email": "mexico@demo.test", "password": "demo-password"})

    def service(from_label: str) -> Callable[[], object]:
        def call() -> object:
            with app.app_context():
                document = db.session.get(Document, document_id)
                return changes.changes(document, from_label, "current", "en")

        return call

    def page(from_label: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(f"/documents/{document_id}/changes?from={from_label}")
            assert response.status_code == 200
            return response

        return call

    edits = iter(range(10_000))

    def one_edit() -> None:
        from drafting.services.paragraphs import latest, store_version

        with app.app_context():
            document = db.session.get(Document, document_id)
            paragraph = db.session.get(Paragraph, min(p.id for p in document.paragraphs))
            user = db.session.query(User).filter_by(email="elsalvador@demo.test").one()
            text = latest(paragraph.id, "en").text + f" edit{next(edits)}"
            store_version(document, paragraph, user, "en", text, audited=False)
            db.session.commit()

    rows = []
    for label, chain in (("Rev.1", VERSIONS - REVISION_AT), ("Draft", VERSIONS - 1)):
        for name, make in (("changes() call", service), ("tracked-changes page", page)):
            fn = make(label)
            cold = median(fn, before=changes.clear_cache)
            warm = median(fn)
            after_edit = median(fn, before=one_edit)
            rows.append((f"{name}, from {label} ({chain} later versions)", cold, warm, after_edit))
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'cold':>9}  {'warm':>9}  {'1 edit':>9}")
    for name, cold, warm, after_edit in rows:
        print(
            f"{name:<{width}}  {cold * 1e3:>6.1f} ms  {warm * 1e3:>6.1f} ms  "
            f"{after_edit * 1e3:>6.1f} ms"
        )


if __name__ == "__main__":
    main()
