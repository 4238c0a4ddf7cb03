"""Concurrent writes through real connections: no lost update, no duplicate sequence number,
no 500 — on SQLite (BEGIN IMMEDIATE) and on PostgreSQL (row locks) alike."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Version
from drafting.text import textdiff

EDITORS = ["elsalvador@demo.test", "costarica@demo.test", "panama@demo.test"]


def logged_in(app, email):
    client = app.test_client()
    response = client.post("/api/login", json={"email": email, "password": "demo-password"})
    return client, response.get_json()["csrf_token"]


def versions_of(app, paragraph_id, lang="en"):
    with app.app_context():
        rows = db.session.scalars(
            select(Version)
            .where(Version.paragraph_id == paragraph_id, Version.lang == lang)
            .order_by(Version.seq)
        ).all()
        return [(v.seq, v.text) for v in rows]


def test_same_base_at_the_same_instant_one_wins_the_others_get_409(app, demo, auth):
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("9")
    url = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions"
    clients = [logged_in(app, email) for email in EDITORS for _ in range(2)]
    barrier = threading.Barrier(len(clients))

    def save(index):
        client, token = clients[index]
        barrier.wait()
        return client.post(
            url,
            json={"lang": "en", "text": f"Version by writer {index}", "base_version": 1},
            headers={"X-CSRFToken": token},
        )

    with ThreadPoolExecutor(len(clients)) as pool:
        responses = list(pool.map(save, range(len(clients))))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (len(clients) - 1)
    winner = next(r for r in responses if r.status_code == 201)
    assert winner.get_json()["version"] == 2
    for loser in (r for r in responses if r.status_code == 409):
        assert loser.get_json()["current"]["version"] == 2
    assert [seq for seq, _ in versions_of(app, paragraph["id"])] == [1, 2]


def test_concurrent_patches_all_land_with_consecutive_sequence_numbers(app, demo, auth):
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("12")
    base = paragraph["text"]["en"]
    clients = [logged_in(app, email) for email in EDITORS for _ in range(3)]
    barrier = threading.Barrier(len(clients))
    from drafting.models import Document, User
    from drafting.services.paragraphs import apply_edit

    def patch_in(index):
        marker = f" [[{index}]]".replace("[[", "(").replace("]]", ")")
        patch = textdiff.make_patch(base, base + marker if index % 2 else marker + base)
        barrier.wait()
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == EDITORS[index % 3]))
            document = db.session.get(Document, demo.id)
            saved = apply_edit(document, paragraph["id"], user, "en", 1, patch)
            db.session.commit()
            return saved.version.seq, marker.strip()

    with ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(patch_in, range(len(clients))))
    seqs = sorted(seq for seq, _ in results)
    assert seqs == list(range(2, len(clients) + 2))
    stored = versions_of(app, paragraph["id"])
    assert [seq for seq, _ in stored] == list(range(1, len(clients) + 2))
    final = stored[-1][1]
    for _, marker in results:
        assert marker in final  # nothing acknowledged was lost


def test_concurrent_transitions_take_effect_once(app, demo):
    clients = [
        logged_in(app, email)
        for email in ["secretariat@demo.test", "panama@demo.test"]
        for _ in range(3)
    ]
    barrier = threading.Barrier(len(clients))
    url = f"/api/documents/{demo.id}/transitions/open_round"

    def open_round(index):
        client, token = clients[index]
        barrier.wait()
        return client.post(
            url, json={"deadline": "2099-01-01T17:00:00-06:00"}, headers={"X-CSRFToken": token}
        )

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = sorted(r.status_code for r in pool.map(open_round, range(len(clients))))
    assert statuses == [200] + [409] * (len(clients) - 1)
    client, _ = clients[0]
    assert client.get(f"/api/documents/{demo.id}").get_json()["revision"] == "Rev.1"
    transitions = [
        e
        for e in client.get(f"/api/documents/{demo.id}/audit").get_json()
        if e["details"].get("transition") == "open_round"
    ]
    assert len(transitions) == 1


def test_a_deadline_is_acted_on_once_by_competing_schedulers(app, demo):
    from drafting import clock
    from drafting.services.workflow import run_due

    client, token = logged_in(app, "secretariat@demo.test")
    response = client.post(
        f"/api/documents/{demo.id}/transitions/open_round",
        json={"deadline": "2099-01-01T17:00:00-06:00"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    clock.shift((2099 - 2026) * 366 * 86400)
    barrier = threading.Barrier(4)

    def scheduler(_):
        barrier.wait()
        with app.app_context():
            return run_due()

    with ThreadPoolExecutor(4) as pool:
        outcomes = [o for result in pool.map(scheduler, range(4)) for o in result]
    assert [outcome for _, outcome in outcomes] == ["round_closed"]
    assert client.get(f"/api/documents/{demo.id}").get_json()["state"] == "committee_review"


SQLITE_UNDER_GEVENT = """
import sys
from gevent import monkey
monkey.patch_all()
import gevent
from sqlalchemy import create_engine
from drafting import database

database.BUSY_TIMEOUT_MS = 3000
engine = create_engine("sqlite:///" + sys.argv[1])
database.configure_sqlite(engine, cooperative=sys.argv[2] == "cooperative")
with engine.begin() as connection:
    connection.exec_driver_sql("CREATE TABLE log (what TEXT)")
order = []

def holder():
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO log VALUES ('holder')")
        gevent.sleep(0.3)  # yields while holding the write lock, as a request reading its body
        order.append("holder committed")

def waiter():
    gevent.sleep(0.05)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO log VALUES ('waiter')")
    order.append("waiter committed")

gevent.joinall([gevent.spawn(holder), gevent.spawn(waiter)], raise_error=True)
print(",".join(order))
"""


def test_under_gevent_a_writer_waiting_for_sqlite_lets_the_lock_holder_finish(tmp_path):
    """SQLite's busy handler sleeps in C: it would stall the holder's greenlet too."""

    def run(mode: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", SQLITE_UNDER_GEVENT, str(tmp_path / f"{mode}.db"), mode],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=60,
        )

    cooperative = run("cooperative")
    assert cooperative.returncode == 0, cooperative.stderr
    assert cooperative.stdout.strip() == "holder committed,waiter committed"
    blocking = run("blocking")  # the C busy handler: the holder never gets to commit in time
    assert blocking.returncode != 0 and "database is locked" in blocking.stderr
