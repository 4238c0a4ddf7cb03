"""Group commit: live edits that queue behind a document's transaction share the next one;
each is still checked, stored or refused on its own, and answered only once committed."""

from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from support.peers import Peer, stored

from drafting import group_commit
from drafting.database import READER
from drafting.extensions import db
from drafting.models import AuditEntry, Document
from drafting.services import audit
from drafting.text import textdiff

EDITORS = ("elsalvador@demo.test", "costarica@demo.test", "panama@demo.test")


class HeldCommit:
    """Holds the first COMMIT on the engine until the other edits queue behind it, so the
    next transaction carries them all; counts COMMITs; can fail one of them."""

    def __init__(self, app, document_id: int, queued: int) -> None:
        self.document_id, self.queued = document_id, queued
        self.commits = 0
        self.fail_commit: int | None = None  # this COMMIT (counting from 1) fails
        self.statements: list[tuple[int, str]] = []  # (COMMITs before it, SQL) of the writers
        with app.app_context():
            self.engine = db.engine

    def __enter__(self) -> HeldCommit:
        event.listen(self.engine, "commit", self.on_commit)
        event.listen(self.engine, "before_cursor_execute", self.on_statement)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "commit", self.on_commit)
        event.remove(self.engine, "before_cursor_execute", self.on_statement)

    def on_statement(self, connection, _cursor, statement, *_args) -> None:
        if not connection.get_execution_options().get(READER):
            self.statements.append((self.commits, statement))

    def on_commit(self, connection) -> None:
        if connection.get_execution_options().get(READER):
            return  # the tracked changes read after an edit, not a write
        self.commits += 1
        if self.commits == 1:
            deadline = time.monotonic() + 10
            while group_commit.waiting(self.document_id) < self.queued:
                assert time.monotonic() < deadline, "the other edits never queued"
                time.sleep(0.005)
        if self.commits == self.fail_commit:
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))


def submitting(app, key: str, outcomes: dict[str, object]):
    """A function that submits a named work under `key` (in the calling thread) and puts
    its value or error in `outcomes`."""

    def submit(name: str, work) -> None:
        with app.app_context():
            try:
                outcomes[name] = group_commit.submit(key, work)
            except Exception as error:
                outcomes[name] = error

    return submit


def appending(peer: Peer, paragraph: dict, words: str, base: int | None = None):
    """An edit that appends `words`, sent in its own thread; its ack lands in the list."""
    text = paragraph["text"]["en"]
    version = paragraph["version"]["en"] if base is None else base
    answers: list[dict] = []
    patch = textdiff.make_patch(text, text + words)
    thread = threading.Thread(
        target=lambda: answers.append(peer.edit(paragraph["id"], version, patch)), daemon=True
    )
    return thread, answers


def run_together(
    app, auth, demo, *, fail_commit: int | None = None, refuse_last=False, one_paragraph=False
):
    """The first editor's edit commits while the other two queue behind it (with
    `one_paragraph`, the other two edit the same paragraph, against the same version)."""
    auth.login("secretariat@demo.test")
    targets = [p for p in demo.document()["paragraphs"] if p["text"]["en"]][:3]
    if one_paragraph:
        targets[2] = targets[1]
    peers = [Peer(app, email, demo.id) for email in EDITORS]
    watcher = Peer(app, "secretariat@demo.test", demo.id)
    watcher.received()
    sends = [
        appending(
            peer, p, f" ({peer.email.split('@')[0]})", 999 if refuse_last and i == 2 else None
        )
        for i, (peer, p) in enumerate(zip(peers, targets, strict=True))
    ]
    with HeldCommit(app, demo.id, queued=2) as held:
        held.fail_commit = fail_commit
        sends[0][0].start()
        deadline = time.monotonic() + 10
        while held.commits == 0:  # the first edit is committing, alone
            assert time.monotonic() < deadline
            time.sleep(0.005)
        for thread, _answers in sends[1:]:
            thread.start()
        for thread, _answers in sends:
            thread.join(20)
    return targets, [answers[0] for _t, answers in sends], watcher, held


def test_edits_that_queue_are_stored_in_one_transaction(app, auth, demo):
    paragraphs, answers, watcher, held = run_together(app, auth, demo)
    assert held.commits == 2  # the first alone, the two that queued behind it together
    for paragraph, answer in zip(paragraphs, answers, strict=True):
        assert answer["version"] == paragraph["version"]["en"] + 1, answer
        assert stored(app, paragraph["id"])[-1].text == answer["text"]
    heard = [
        u["paragraph_id"]
        for message in watcher.received("paragraph_updated")
        for u in message.get("updates", [message])
    ]
    assert sorted(heard) == sorted(p["id"] for p in paragraphs)
    with app.app_context():
        assert audit.verify(db.session.get(Document, demo.id)) == []


def test_edits_stored_together_read_their_roles_paragraphs_and_versions_at_once(app, auth, demo):
    """Each edit alone asks for its author's roles, its paragraph and the paragraph's newest
    versions; the edits of a shared transaction ask for all of them in one statement each."""
    paragraphs, answers, _watcher, held = run_together(app, auth, demo)
    assert held.commits == 2
    for paragraph, answer in zip(paragraphs, answers, strict=True):
        assert answer["version"] == paragraph["version"]["en"] + 1, answer
    together = [sql for commits, sql in held.statements if commits == 1]  # the second one

    def reading(columns: str) -> list[str]:
        return [sql for sql in together if sql.startswith(f"SELECT {columns}")]

    assert len(reading("membership.")) == 1, reading("membership.")  # the roles of both
    assert len(reading("paragraph.id, paragraph.document_id")) == 1
    assert len(reading("version.id, version.paragraph_id")) == 1  # both paragraphs' newest
    assert len([sql for sql in together if sql.startswith("INSERT INTO version")]) == 2


def test_two_edits_of_one_paragraph_stored_together_both_land(app, auth, demo):
    paragraphs, answers, _watcher, held = run_together(app, auth, demo, one_paragraph=True)
    assert held.commits == 2
    shared = paragraphs[1]
    assert sorted(a["version"] for a in answers[1:]) == [
        shared["version"]["en"] + 1,
        shared["version"]["en"] + 2,
    ]
    final = stored(app, shared["id"])[-1].text
    assert "(costarica)" in final and "(panama)" in final, final
    assert max(answers[1:], key=lambda a: a["version"])["text"] == final
    with app.app_context():
        assert audit.verify(db.session.get(Document, demo.id)) == []


def test_an_edit_refused_inside_a_shared_transaction_is_refused_alone(app, auth, demo):
    paragraphs, answers, watcher, held = run_together(app, auth, demo, refuse_last=True)
    assert held.commits == 2
    assert answers[2]["status"] == 409 and "version" not in answers[2]
    assert stored(app, paragraphs[2]["id"])[-1].seq == paragraphs[2]["version"]["en"]
    for paragraph, answer in zip(paragraphs[:2], answers[:2], strict=True):
        assert answer["version"] == paragraph["version"]["en"] + 1, answer
    heard = [
        u["paragraph_id"]
        for message in watcher.received("paragraph_updated")
        for u in message.get("updates", [message])
    ]
    assert sorted(heard) == sorted(p["id"] for p in paragraphs[:2])  # nothing of the refused
    with app.app_context():
        assert audit.verify(db.session.get(Document, demo.id)) == []


def test_a_shared_commit_that_fails_answers_each_of_its_edits_to_send_again(app, auth, demo):
    paragraphs, answers, watcher, _held = run_together(app, auth, demo, fail_commit=2)
    assert answers[0]["version"] == paragraphs[0]["version"]["en"] + 1
    for paragraph, answer in zip(paragraphs[1:], answers[1:], strict=True):
        assert answer["status"] == 503 and answer["retry"] is True, answer
        assert stored(app, paragraph["id"])[-1].seq == paragraph["version"]["en"]
    heard = [
        u["paragraph_id"]
        for message in watcher.received("paragraph_updated")
        for u in message.get("updates", [message])
    ]
    assert heard == [paragraphs[0]["id"]]
    peer = Peer(app, EDITORS[1], demo.id)
    text = paragraphs[1]["text"]["en"]
    again = peer.edit(
        paragraphs[1]["id"],
        paragraphs[1]["version"]["en"],
        textdiff.make_patch(text, text + " (costarica)"),
    )
    assert again["version"] == paragraphs[1]["version"]["en"] + 1


def test_a_work_that_ends_the_shared_transaction_abandons_the_others(app):
    """A work that rolls back more than its own part (as an unexpected error path might)
    takes the batch with it: the others are answered Abandoned and nothing is stored."""
    from drafting.models import Tag  # any table outside the audit chain will do
    from drafting.services.errors import Conflict

    started, go = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def first():
        started.set()
        go.wait(10)
        db.session.add(Tag(scheme="free", code="first", label="first"))
        return "first"

    def rolls_back():
        db.session.add(Tag(scheme="free", code="second", label="second"))
        db.session.flush()
        db.session.rollback()
        raise Conflict("rolled everything back")

    def third():
        db.session.add(Tag(scheme="free", code="third", label="third"))
        return "third"

    submit = submitting(app, "abandon-test", outcomes)
    threads = [threading.Thread(target=submit, args=("first", first))]
    threads[0].start()
    assert started.wait(10)
    for name, work in (("second", rolls_back), ("third", third)):
        threads.append(threading.Thread(target=submit, args=(name, work)))
        threads[-1].start()
    deadline = time.monotonic() + 10
    while group_commit.waiting("abandon-test") < 2:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    go.set()
    for thread in threads:
        thread.join(20)
    assert outcomes["first"] == "first"
    assert isinstance(outcomes["second"], Conflict)
    assert isinstance(outcomes["third"], group_commit.Abandoned)
    with app.app_context():
        names = set(db.session.scalars(select(Tag.code)))
    assert "first" in names and not {"second", "third"} & names


def test_an_audit_entry_rolled_back_with_its_edit_leaves_the_chain_whole(app, demo):
    """The entries of a shared transaction follow each other without reading the chain's head
    again; one whose work is refused after writing it is rolled back, and the next entry
    links to the last one kept."""
    from drafting.services.errors import Conflict

    started, go = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def note(name: str, refuse: bool = False):
        def work():
            if name == "first":
                started.set()
                go.wait(10)
            document = db.session.get(Document, demo.id)
            audit.record("note", document=document, reason=name)
            if refuse:
                raise Conflict("refused after its entry")
            return name

        return work

    submit = submitting(app, "chain-test", outcomes)
    threads = [threading.Thread(target=submit, args=("first", note("first")))]
    threads[0].start()
    assert started.wait(10)
    for name, refuse in (("second", False), ("refused", True), ("third", False)):
        threads.append(threading.Thread(target=submit, args=(name, note(name, refuse))))
        threads[-1].start()
        deadline = time.monotonic() + 10
        while group_commit.waiting("chain-test") < len(threads) - 1:
            assert time.monotonic() < deadline
            time.sleep(0.005)
    go.set()
    for thread in threads:
        thread.join(20)
    assert [outcomes[n] for n in ("first", "second", "third")] == ["first", "second", "third"]
    assert isinstance(outcomes["refused"], Conflict)
    with app.app_context():
        reasons = list(
            db.session.scalars(
                select(AuditEntry.reason)
                .where(AuditEntry.document_id == demo.id, AuditEntry.action == "note")
                .order_by(AuditEntry.id)
            )
        )
        assert reasons == ["first", "second", "third"]
        assert audit.verify(db.session.get(Document, demo.id)) == []


def test_a_document_nobody_is_typing_in_keeps_no_queue(app, auth, demo, client):
    """A long-running server sees thousands of documents edited: each one's queue exists only
    while an edit of it is under way or waiting (/healthz counts them)."""
    _paragraphs, answers, _watcher, held = run_together(app, auth, demo)
    assert held.commits == 2 and all("version" in a for a in answers)
    outcomes: dict[str, object] = {}
    submit = submitting(app, "another document", outcomes)
    submit("alone", lambda: "stored")
    assert outcomes == {"alone": "stored"}
    live = client.get("/healthz").get_json()["live_edits"]
    assert live["queues"] == 0, live
    assert live["works"] >= 4 and live["transactions"] >= 3, live
