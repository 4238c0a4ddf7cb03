"""Two server processes sharing PostgreSQL and Redis: an edit made through one reaches a
client connected to the other, and both read the same stored text.

Needs the real services (PostgreSQL at 127.0.0.1:5432, Redis at 127.0.0.1:6379); they are
skipped only when unreachable and CI is not set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
import requests
import socketio
from support.live_server import ROOT, LiveServer, _stop, free_port, start
from support.services import POSTGRES, REDIS, need, reachable, scratch_database

from drafting.config import database_url
from drafting.services.presence import SharedPresence
from drafting.text import textdiff

pytestmark = pytest.mark.services


@pytest.fixture
def services():
    need(reachable())


@pytest.fixture
def shared_database(services, tmp_path):
    """A demo database on PostgreSQL, built by the migrations, for both processes."""
    with scratch_database("drafting_scale") as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DRAFTING_INSTANCE": str(tmp_path / "instance"),
            "SECRET_KEY": "scale-out-secret",
        }
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "demo"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        yield url


def connect(server: LiveServer, email: str) -> tuple[socketio.Client, requests.Session]:
    http = server.session(email)
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    client = socketio.Client(reconnection=False)
    client.connect(
        server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10
    )
    return client, http


@pytest.mark.parametrize("async_mode", ["threading", "gevent"])
def test_an_edit_through_one_process_reaches_a_client_of_the_other(
    shared_database, tmp_path, async_mode
):
    options = {"scheduler": True, "queue": REDIS, "async_mode": async_mode}
    one = start(shared_database, tmp_path, free_port(), 1, **options)
    two = start(shared_database, tmp_path, free_port(), 1, **options)
    clients = []
    try:
        for server in (one, two):
            health = requests.get(f"{server.url}/healthz", timeout=5).json()
            assert health["status"] == "ok" and health["async_mode"] == async_mode, health
        editor, http = connect(one, "elsalvador@demo.test")
        watcher, _ = connect(two, "mexico@demo.test")
        clients += [editor, watcher]
        received: list[dict] = []
        arrived = threading.Event()

        @watcher.on("paragraph_updated")
        def on_update(data):
            received.extend(data.get("updates", [data]))
            arrived.set()

        document = editor.call("join", {"document_id": 1}, timeout=10)
        watching = watcher.call("join", {"document_id": 1}, timeout=10)
        # presence is shared: the watcher's process lists the editor connected to the other
        assert sorted(p["delegation"] for p in watching["people"]) == ["MX", "SV"]
        paragraph = next(
            p
            for p in http.get(f"{one.url}/api/documents/1").json()["paragraphs"]
            if p["number"] == "8.a"
        )
        assert document  # the join answers with the current texts
        old = paragraph["text"]["en"]
        new = old.replace("Decline", "Respectfully decline")
        ack = editor.call(
            "edit",
            {
                "paragraph_id": paragraph["id"],
                "lang": "en",
                "base_version": paragraph["version"]["en"],
                "patch": textdiff.make_patch(old, new),
            },
            timeout=10,
        )
        assert ack["version"] == paragraph["version"]["en"] + 1, ack
        assert arrived.wait(10), "the other process's client heard nothing"
        assert received[0]["text"] == new and received[0]["author"] == "SV"
        stored_one = http.get(f"{one.url}/api/documents/1").json()
        stored_two = two.session("mexico@demo.test").get(f"{two.url}/api/documents/1").json()
        text_one = next(p for p in stored_one["paragraphs"] if p["id"] == paragraph["id"])
        text_two = next(p for p in stored_two["paragraphs"] if p["id"] == paragraph["id"])
        assert text_one["text"]["en"] == text_two["text"]["en"] == new
    finally:
        for client in clients:
            client.disconnect()
        _stop(one.process)
        _stop(two.process)


def test_an_edit_right_behind_a_join_again_is_stored(shared_database, tmp_path):
    """The page joins its document again after a workflow step; an edit sent meanwhile
    must not find the socket gone while the shared registry is being written."""
    server = start(shared_database, tmp_path, free_port(), 1, queue=REDIS, async_mode="gevent")
    client = None
    try:
        client, http = connect(server, "elsalvador@demo.test")
        client.call("join", {"document_id": 1}, timeout=10)
        paragraph = next(
            p
            for p in http.get(f"{server.url}/api/documents/1").json()["paragraphs"]
            if p["number"] == "8.a"
        )
        text, version = paragraph["text"]["en"], paragraph["version"]["en"]
        answers: list[dict] = []
        for n in range(10):
            done = threading.Event()
            client.emit("join", {"document_id": 1})  # not waited for, as the page does
            new = f"{text} {n}"
            edit = {
                "paragraph_id": paragraph["id"],
                "lang": "en",
                "base_version": version,
                "patch": textdiff.make_patch(text, new),
            }
            client.emit(
                "edit", edit, callback=lambda ack, done=done: (answers.append(ack), done.set())
            )
            assert done.wait(10)
            assert "error" not in answers[-1], answers[-1]
            text, version = answers[-1]["text"], answers[-1]["version"]
        assert version == paragraph["version"]["en"] + 10
    finally:
        if client is not None:
            client.disconnect()
        _stop(server.process)


def test_presence_forgets_the_connections_of_a_process_that_died(services):
    first, second = SharedPresence(REDIS), SharedPresence(REDIS)
    document_id = 10**9 + os.getpid()  # no real document; keys of its own
    try:
        first.join(document_id, "sid-one", {"id": "a", "delegation": "SV", "paragraph_id": None})
        second.join(document_id, "sid-two", {"id": "b", "delegation": "MX", "paragraph_id": None})
        second.place("sid-two", 7, "en")
        seen = first.people(document_id)
        assert [(p["delegation"], p["paragraph_id"]) for p in seen] == [("SV", None), ("MX", 7)]
        second.redis.delete(f"drafting:process:{second.process}")  # its heartbeat stops
        assert [p["delegation"] for p in first.people(document_id)] == ["SV"]
        assert first.leave("sid-one") == document_id
        assert first.people(document_id) == []
    finally:
        first.redis.delete(f"drafting:presence:{document_id}")


def test_presence_without_redis_falls_back_to_this_process():
    presence = SharedPresence("redis://127.0.0.1:1/0")  # nothing listens there
    people = presence.join(5, "sid", {"id": "a", "delegation": "SV", "paragraph_id": None})
    assert [p["delegation"] for p in people] == ["SV"]
    assert presence.place("sid", 3, "en") == 5
    assert presence.people(5)[0]["paragraph_id"] == 3
    assert presence.leave("sid") == 5


HOLDING = """
from drafting import concurrency

concurrency.prepare()  # gevent, as the server runs

import sys

import gevent
from sqlalchemy import text

from drafting import create_app, database
from drafting.extensions import db

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x",
                  "SCHEDULER_ENABLED": False, "SOCKETIO_MESSAGE_QUEUE": None})
ran = []
with app.app_context():
    db.session.execute(text("SELECT 1"))  # connected
    gevent.spawn(ran.append, "held")
    with database.holding_on():
        db.session.execute(text("SELECT pg_sleep(0.05)"))
        during_held = list(ran)
        with database.letting_others_run():
            db.session.execute(text("SELECT pg_sleep(0.05)"))
        during_lock_wait = list(ran)
    gevent.spawn(ran.append, "free")
    db.session.execute(text("SELECT pg_sleep(0.05)"))
    print(during_held, during_lock_wait, ran)
"""


def test_a_group_of_edits_waits_for_postgresql_without_letting_others_run(services):
    """Under gevent the statements of a group are answered without a switch to the other
    greenlets (database.holding_on); a row lock wait inside one still lets them run."""
    result = subprocess.run(
        [sys.executable, "-c", HOLDING, database_url(POSTGRES, "")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SOCKETIO_ASYNC_MODE": "gevent"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "[] ['held'] ['held', 'free']"


LISTENING = """
from drafting import concurrency

concurrency.prepare()  # gevent, as the server runs

import sys

from drafting import create_app
from drafting.extensions import socketio
from drafting.server import listen_to_the_queue_first

create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
            "SCHEDULER_ENABLED": False, "SOCKETIO_MESSAGE_QUEUE": sys.argv[1]})
manager = socketio.server.manager
before = getattr(manager, "pubsub", None) is not None
print(before, listen_to_the_queue_first(), manager.channel, flush=True)
sys.stdin.readline()  # subscribed until the test has looked
"""


def test_a_process_subscribes_to_the_queue_before_it_serves(services):
    """python-socketio subscribes only once a first client connects; the server subscribes
    before it serves, so no client can join while the other processes' updates go to
    nobody."""
    import redis

    process = subprocess.Popen(
        [sys.executable, "-c", LISTENING, REDIS],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "SOCKETIO_ASYNC_MODE": "gevent"},
    )
    try:
        before, subscribed, channel = process.stdout.readline().split()
        assert (before, subscribed) == ("False", "True")
        listeners = dict(redis.Redis.from_url(REDIS).pubsub_numsub(channel))
        assert listeners[channel.encode()] >= 1
    finally:
        process.communicate("\n", timeout=30)
