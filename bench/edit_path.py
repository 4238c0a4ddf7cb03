"""The cost of one live edit inside the server: ``python bench/edit_path.py [--edits N]``.

One committee member types into a paragraph of a circulated document through
``socketio.test_client`` (no network, no other clients), so what is left is the server's own
work per edit: the handler, the checks, the database and the broadcast's encoding. Prints
the median CPU time per edit over several runs and the SQL statements each edit issues
(``--statements`` lists them); ``--profile`` prints the functions that take the time.
``--batch K``: K sockets send one edit each at the same moment, so the K edits queue and
are stored in one transaction (drafting.group_commit), as in a busy plenary.
"""

from __future__ import annotations

from drafting import concurrency  # before anything imports the standard library's sockets

concurrency.prepare()  # as the server runs: gevent unless SOCKETIO_ASYNC_MODE says threads

import argparse  # noqa: E402
import cProfile  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from support import bench_app  # noqa: E402

EDITOR = "elsalvador@demo.test"


def prepared(paragraphs: int, tracked: bool, sockets: int = 1, database_url: str | None = None):
    """An app with the demo, a one-paragraph-per-author document in committee review and
    Rev.1 circulated (tracked changes are computed since it), and a joined socket."""
    from live import authors_document, circulate
    from sqlalchemy import select

    from drafting import demo
    from drafting.extensions import db, socketio
    from drafting.models import Paragraph, Process

    app = bench_app(database_url)
    with app.app_context():
        demo.load()
        process = db.session.scalar(select(Process).limit(1))
        document = authors_document(process, paragraphs)
        circulate(document)
        db.session.commit()
        document_id = document.id
        paragraph_ids = list(
            db.session.scalars(
                select(Paragraph.id)
                .where(Paragraph.document_id == document_id)
                .order_by(Paragraph.id)
            )
        )
    http = app.test_client()
    answer = http.post("/api/login", json={"email": EDITOR, "password": "demo-password"})
    assert answer.status_code == 200, answer.get_json()
    clients = [socketio.test_client(app, flask_test_client=http) for _ in range(sockets)]
    for sio in clients:
        joined = sio.emit("join", {"document_id": document_id, "tracked": tracked}, callback=True)
        assert "error" not in joined, joined
    return app, clients, document_id, paragraph_ids, joined


def type_edits(sio, document_id: int, paragraph_id: int, text: str, version: int, count: int):
    """`count` edits of 4 characters appended, each against the version the last ack gave."""
    from drafting.text import textdiff

    for _ in range(count):
        new = text + "abc "
        ack = sio.emit(
            "edit",
            {
                "document_id": document_id,
                "paragraph_id": paragraph_id,
                "lang": "en",
                "base_version": version,
                "patch": textdiff.make_patch(text, new),
            },
            callback=True,
        )
        assert "error" not in ack, ack
        text, version = new, ack["version"]
        sio.get_received()
        time.sleep(0)  # lets background work (the tracked-changes push) run between edits
    return text, version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=175, help="edits per run (35 s of one author)")
    parser.add_argument("--repeat", type=int, default=5, help="runs; the median is printed")
    parser.add_argument("--statements", action="store_true", help="list one edit's SQL")
    parser.add_argument("--tracked", action="store_true", help="the socket shows the marks")
    parser.add_argument("--profile", action="store_true", help="cProfile of one run")
    parser.add_argument("--batch", type=int, default=1, help="edits sent at the same moment")
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args(argv)

    from sqlalchemy import event

    from drafting.extensions import db

    batch = max(1, args.batch)
    app, clients, document_id, paragraph_ids, joined = prepared(
        (args.repeat + 2) * batch, args.tracked, batch, args.database_url
    )
    start = {p["id"]: (p["text"]["en"], p["version"]["en"]) for p in joined["paragraphs"]}

    def run(index: int, edits: int) -> None:
        """Fresh paragraphs per run, so that every run types into text of the same length;
        with --batch, each socket types into its own, all of them at once."""
        if batch == 1:
            text, version = start[paragraph_ids[index]]
            type_edits(clients[0], document_id, paragraph_ids[index], text, version, edits)
            return
        import gevent

        state = [start[paragraph_ids[index * batch + k]] for k in range(batch)]
        for _ in range(edits // batch):

            def one(k: int) -> None:
                text, version = state[k]
                pid = paragraph_ids[index * batch + k]
                state[k] = type_edits(clients[k], document_id, pid, text, version, 1)

            gevent.joinall([gevent.spawn(one, k) for k in range(batch)], raise_error=True)

    run(0, 20)  # warm up

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    run(1, batch)
    event.remove(engine, "before_cursor_execute", count)
    time.sleep(0.2)  # the background push of that edit's tracked changes

    per_edit = []
    for index in range(args.repeat):
        started = time.process_time()
        run(index + 2, args.edits)
        per_edit.append((time.process_time() - started) / (args.edits // batch * batch) * 1000)
    # Python function calls per edit: unlike CPU time on a shared VM, the same from run to
    # run, so it tells a small change apart
    profile = cProfile.Profile()
    profile.enable()
    run(1, args.edits)
    profile.disable()
    calls = pstats.Stats(profile).total_calls / (args.edits // batch * batch)
    if args.profile:
        pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(40)
    if args.statements:
        for statement in statements:
            print("  ", " ".join(statement.split())[:160])
    print(
        f"edit path: {statistics.median(per_edit):.2f} ms CPU per edit (median of "
        f"{args.repeat} runs of {args.edits}; runs {', '.join(f'{x:.2f}' for x in per_edit)}), "
        f"{len(statements) / batch:.1f} SQL statements and {calls:,.0f} Python calls per edit"
        + (f", {batch} edits sent at once" if batch > 1 else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
