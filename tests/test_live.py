"""Live editing over Socket.IO without a browser: authentication, policy, the edit protocol,
presence, and convergence of concurrent editors (hypothesis drives the schedules)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from flask import url_for
from flask.testing import EnvironBuilder
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support.peers import PASSWORD, Peer, stored

from drafting import clock, live
from drafting.extensions import db, socketio
from drafting.text import textdiff
from drafting.text.replica import Incoming, Replica, map_caret


def paragraph_in(snapshot: dict, paragraph_id: int) -> dict:
    return next(p for p in snapshot["paragraphs"] if p["id"] == paragraph_id)


@pytest.fixture
def para(auth, demo):
    auth.login("secretariat@demo.test")  # demo.paragraph reads through the logged-in client
    return demo.paragraph("8.a")


# --------------------------------------------------------------------------------------------
# Who may open a socket, join, and edit
# --------------------------------------------------------------------------------------------


def test_anonymous_socket_is_refused(app):
    anonymous = socketio.test_client(app, flask_test_client=app.test_client())
    assert not anonymous.is_connected()


def test_socket_from_another_origin_is_refused(app, demo):
    http = app.test_client()
    http.post("/api/login", json={"email": "elsalvador@demo.test", "password": PASSWORD})
    evil = socketio.test_client(
        app, flask_test_client=http, headers={"Origin": "http://evil.example"}
    )
    assert not evil.is_connected()
    own = socketio.test_client(app, flask_test_client=http, headers={"Origin": "http://localhost"})
    assert own.is_connected()
    # The Engine.IO handshake itself (what a browser opens first) refuses the other origin.
    handshake = "/socket.io/?EIO=4&transport=polling"
    assert http.get(handshake, headers={"Origin": "http://evil.example"}).status_code == 400
    assert http.get(handshake, headers={"Origin": "http://localhost"}).status_code == 200


def test_extra_origins_are_allowed_besides_the_same_origin(app):
    from drafting.live import origin_check

    allowed = origin_check(["https://drafting.example.org"])
    environ = {"HTTP_HOST": "127.0.0.1:5000", "wsgi.url_scheme": "http"}
    assert allowed("https://drafting.example.org", environ)
    assert allowed("http://127.0.0.1:5000", environ)
    assert not allowed("http://127.0.0.1:5001", environ)
    assert not allowed("https://evil.example", environ)


def test_join_answers_a_snapshot_of_every_paragraph(app, demo, para):
    member = Peer(app, "elsalvador@demo.test", demo.id)
    snapshot = member.snapshot
    assert snapshot["state"] == "committee_review"
    assert snapshot["can_edit"] is True
    assert len(snapshot["paragraphs"]) == len(demo.document()["paragraphs"])
    mine = paragraph_in(snapshot, para["id"])
    assert mine["text"] == para["text"] and mine["version"] == para["version"]
    assert Peer(app, "mexico@demo.test", demo.id).snapshot["can_edit"] is False


def test_join_of_another_process_document_is_refused(app, demo):
    from drafting.models import Process, User
    from drafting.services import importing

    with app.app_context():
        other = Process(name="Another conference")
        db.session.add(other)
        db.session.flush()
        owner = db.session.scalar(select(User).where(User.email == "secretariat@demo.test"))
        forest = importing.parse_upload("other.txt", b"1. Elsewhere.\n")
        foreign = importing.create_document(other, owner, forest, title="Elsewhere").id
        db.session.commit()
    member = Peer(app, "elsalvador@demo.test", demo.id)
    answer = member.join(foreign)
    assert answer["status"] == 404 and answer["error"] == "document not found"
    assert member.join("1")["status"] == 400  # ids are integers


def test_observer_edit_is_refused_and_nothing_is_stored(app, demo, para):
    observer = Peer(app, "iom@demo.test", demo.id)
    patch = textdiff.make_patch(para["text"]["en"], para["text"]["en"] + " More.")
    answer = observer.edit(para["id"], para["version"]["en"], patch)
    assert answer["status"] == 403 and "observer" in answer["error"]
    assert len(stored(app, para["id"])) == para["version"]["en"]


def test_edit_during_an_online_round_is_refused(app, auth, demo, para):
    member = Peer(app, "elsalvador@demo.test", demo.id)
    auth.login("secretariat@demo.test")
    deadline = (clock.now() + timedelta(days=3)).isoformat(timespec="seconds")
    response = auth.post(f"/api/documents/{demo.id}/transitions/open_round", {"deadline": deadline})
    assert response.status_code == 200, response.get_json()
    state_changes = member.received("state_changed")
    assert state_changes and state_changes[-1]["state"] == "online_round"
    patch = textdiff.make_patch(para["text"]["en"], "Rewritten during the round.")
    answer = member.edit(para["id"], para["version"]["en"], patch)
    assert answer["status"] == 409 and "online_round" in answer["error"]
    assert answer["reasons"]
    assert stored(app, para["id"])[-1].text == para["text"]["en"]
    assert member.join()["can_edit"] is False


def test_bad_edits_get_clear_errors_and_store_nothing(app, demo, para):
    member = Peer(app, "elsalvador@demo.test", demo.id)
    base, text = para["version"]["en"], para["text"]["en"]
    good = textdiff.make_patch(text, text + " Fine.")
    pid = para["id"]
    cases = [
        (
            {
                "paragraph_id": pid,
                "lang": "en",
                "base_version": base,
                "patch": "@@ nonsense",
            },
            400,
        ),
        ({"paragraph_id": pid, "lang": "en", "base_version": base, "patch": 42}, 400),
        ({"paragraph_id": pid, "lang": "fr", "base_version": base, "patch": good}, 400),
        ({"paragraph_id": pid, "lang": "en", "base_version": "1", "patch": good}, 400),
        ({"paragraph_id": "x", "lang": "en", "base_version": base, "patch": good}, 400),
        (
            {
                "paragraph_id": 10_000,
                "lang": "en",
                "base_version": base,
                "patch": good,
            },
            404,
        ),
        ({"paragraph_id": pid, "lang": "en", "base_version": base + 5, "patch": good}, 409),
    ]
    for data, status in cases:
        answer = member.sio.emit("edit", data, callback=True)
        assert answer["status"] == status, (data, answer)
        assert answer["error"]
    assert member.sio.emit("edit", ["not", "an", "object"], callback=True)["status"] == 400
    assert len(stored(app, para["id"])) == base
    stranger = Peer(app, "costarica@demo.test", demo.id, join=False)
    assert stranger.edit(para["id"], base, good)["status"] == 400  # join first


def test_a_patch_that_fits_nothing_is_answered_with_the_current_text(app, demo, para):
    member = Peer(app, "elsalvador@demo.test", demo.id)
    foreign = textdiff.make_patch("Completely different words here.", "Completely new words here.")
    answer = member.edit(para["id"], para["version"]["en"], foreign)
    assert answer["status"] == 409
    assert answer["current"] == {"text": para["text"]["en"], "version": para["version"]["en"]}


# --------------------------------------------------------------------------------------------
# Broadcasts
# --------------------------------------------------------------------------------------------


def test_edit_is_stored_before_the_ack_and_broadcast_to_the_others_only(app, demo, para):
    sv = Peer(app, "elsalvador@demo.test", demo.id)
    cr = Peer(app, "costarica@demo.test", demo.id)
    mx = Peer(app, "mexico@demo.test", demo.id)
    for peer in (sv, cr, mx):
        peer.received()
    text = para["text"]["en"]
    new = text.replace("Decline", "Firmly decline", 1)
    assert new != text
    patch = textdiff.make_patch(text, new)
    ack = sv.edit(para["id"], para["version"]["en"], patch)
    assert ack == {
        "paragraph_id": para["id"],
        "lang": "en",
        "version": para["version"]["en"] + 1,
        "text": new,
        "status": "open",  # the paragraph's badges, as the others hear them
        "translation_pending": ["es"],
        "brackets": {},
    }
    assert stored(app, para["id"])[-1].text == new
    assert demo.paragraph("8.a")["text"]["en"] == new
    assert sv.received("paragraph_updated") == []
    for peer in (cr, mx):
        (update,) = peer.received("paragraph_updated")
        assert update["paragraph_id"] == para["id"] and update["lang"] == "en"
        assert update["version"] == ack["version"] and update["text"] == new
        assert update["author"] == "SV"
        assert textdiff.apply_patch(update["patch"], text) == textdiff.Applied(new)


def test_presence_says_who_is_where(app, demo, para):
    sv = Peer(app, "elsalvador@demo.test", demo.id)
    cr = Peer(app, "costarica@demo.test", demo.id)
    people = sv.received("presence")[-1]["people"]
    assert sorted(p["delegation"] for p in people) == ["CR", "SV"]
    assert all("sid" not in p and p["color"] for p in people)
    assert cr.sio.emit("editing", {"paragraph_id": para["id"], "lang": "en"}, callback=True) == {
        "ok": True
    }
    where = {p["delegation"]: p["paragraph_id"] for p in sv.received("presence")[-1]["people"]}
    assert where == {"SV": None, "CR": para["id"]}
    assert cr.sio.emit("editing", {"paragraph_id": 10_000}, callback=True)["status"] == 404
    cr.sio.emit("leave", callback=True)
    assert [p["delegation"] for p in sv.received("presence")[-1]["people"]] == ["SV"]
    cr.join()
    cr.sio.disconnect()
    assert [p["delegation"] for p in sv.received("presence")[-1]["people"]] == ["SV"]


def test_a_sockets_events_bind_its_url_adapter_once_and_route_nothing(app, demo, para, monkeypatch):
    """Every event runs in a request context built from the socket's opening request; its URL
    adapter is bound once for the socket, and URLs can still be built in its events."""
    bound = []
    bind = app.url_map.bind_to_environ
    monkeypatch.setattr(
        app.url_map, "bind_to_environ", lambda *a, **k: bound.append(1) or bind(*a, **k)
    )
    peer = Peer(app, "costarica@demo.test", demo.id)
    before = len(bound)
    for _ in range(5):
        answer = peer.sio.emit("editing", {"paragraph_id": para["id"]}, callback=True)
        assert answer == {"ok": True}
    assert len(bound) == before  # the events reuse the socket's adapter
    context = app.request_context(EnvironBuilder(app, path="/socket.io").get_environ())
    assert isinstance(context, live.SocketEventContext)
    with context:
        assert url_for("web.document", document_id=1) == "/documents/1"


# --------------------------------------------------------------------------------------------
# The edit protocol
# --------------------------------------------------------------------------------------------


def test_two_edits_from_the_same_base_both_survive(app, demo, para):
    sv = Peer(app, "elsalvador@demo.test", demo.id)
    cr = Peer(app, "costarica@demo.test", demo.id)
    base, text = para["version"]["en"], para["text"]["en"]
    first = sv.edit(para["id"], base, textdiff.make_patch(text, "Firstly, " + text))
    second = cr.edit(para["id"], base, textdiff.make_patch(text, text + " Lastly."))
    assert first["version"] == base + 1 and second["version"] == base + 2
    assert second["text"] == "Firstly, " + text + " Lastly."


def test_an_edit_sent_again_after_a_lost_ack_is_stored_once(app, demo, para):
    sv = Peer(app, "elsalvador@demo.test", demo.id)
    cr = Peer(app, "costarica@demo.test", demo.id)
    base, text = para["version"]["en"], para["text"]["en"]
    patch = textdiff.make_patch(text, text + " Once.")
    first = sv.edit(para["id"], base, patch)
    cr.edit(
        para["id"], first["version"], textdiff.make_patch(first["text"], "Then " + first["text"])
    )
    sv.reconnect()
    again = sv.edit(para["id"], base, patch)
    assert again["version"] == first["version"] and again["text"] == first["text"]
    texts = [v.text for v in stored(app, para["id"])]
    assert len(texts) == base + 2 and texts[-1].count(" Once.") == 1


def test_replica_rebases_unsent_keystrokes_on_an_ack_and_on_others_changes():
    replica = Replica("The States agree.", 3)
    replica.edit("The Member States agree.")
    sent = replica.outgoing()
    assert sent is not None and sent.base_version == 3
    replica.edit("The Member States agree to act.")  # typed while the edit is in flight
    replica.remote(4, "Both: The States agree.")  # might or might not contain our edit: wait
    assert replica.buffered == (4, "Both: The States agree.")
    replica.acknowledged({"version": 5, "text": "Both: The Member States agree."})
    assert replica.version == 5 and replica.local == "Both: The Member States agree to act."
    replica.remote(6, "All: The Member States agree.")  # someone changed the start
    assert replica.local == "All: The Member States agree to act."
    sent = replica.outgoing()
    replica.acknowledged({"error": "conflict", "current": {"version": 7, "text": "X"}})
    assert replica.inflight is None and replica.version == 7
    replica.acknowledged({"error": "nothing in flight"})
    assert replica.outgoing() is not None


def test_sessions_group_live_versions_without_touching_them(app, demo, para):
    from drafting.services.history import sessions

    sv = Peer(app, "elsalvador@demo.test", demo.id)
    cr = Peer(app, "costarica@demo.test", demo.id)
    replica = Replica(para["text"]["en"], para["version"]["en"])

    def type_and_send(peer: Peer, text: str) -> None:
        replica.edit(text)
        sent = replica.outgoing()
        replica.acknowledged(peer.edit(para["id"], sent.base_version, sent.patch))

    for word in ("one", "two", "three"):
        type_and_send(sv, replica.local + " " + word)
    clock.shift(11 * 60)
    type_and_send(sv, replica.local + " later")
    type_and_send(cr, replica.local + " costa")
    with app.app_context():
        found = sessions(para["id"], "en")
        summary = [(s.source, s.delegation, s.seqs, len(s.versions)) for s in found]
        assert summary == [
            ("import", "TS", (1, 1), 1),
            ("edit", "SV", (2, 4), 3),
            ("edit", "SV", (5, 5), 1),
            ("edit", "CR", (6, 6), 1),
        ]
        assert found[1].before == para["text"]["en"]
        assert found[1].text.endswith("one two three") and found[1].authors == ["El Salvador"]
    assert len(stored(app, para["id"])) == 6  # every version is still there


def test_people_typing_together_make_one_session_with_restore_before_and_after(app, demo, para):
    sv = Peer(app, "elsalvador@demo.test", demo.id)
    cr = Peer(app, "costarica@demo.test", demo.id)
    original, start = para["text"]["en"], para["version"]["en"]
    replicas = {"SV": Replica(original, start), "CR": Replica(original, start)}
    for turn in range(6):  # they take turns, each a word at their own end of the paragraph
        who, peer = ("SV", sv) if turn % 2 == 0 else ("CR", cr)
        replica = replicas[who]
        for other in replicas.values():  # everyone is up to date before typing
            other.remote(*current(app, para["id"]))
        if who == "SV":
            replica.edit(f"sv{turn} " + replica.local)
        else:
            replica.edit(replica.local + f" cr{turn}")
        sent = replica.outgoing()
        replica.acknowledged(peer.edit(para["id"], sent.base_version, sent.patch))
    url = f"/api/documents/{demo.id}/paragraphs/{para['id']}/versions"
    per_version = sv.http.get(f"{url}?lang=en").get_json()
    assert [v["version"] for v in per_version] == list(range(1, start + 7))  # unchanged API
    assert {"version", "source", "delegation", "ops"} <= set(per_version[-1])
    grouped = sv.http.get(f"{url}?lang=en&group=session").get_json()
    assert [g["versions"] for g in grouped][-1] == [start + 1, start + 6]
    session = grouped[-1]
    assert session["delegations"] == ["SV", "CR"] and session["before_version"] == start
    inserted = {
        who: "".join(t for op, t, a in session["ops"] if op == 1 and a == who)
        for who in ("SV", "CR")
    }
    assert inserted == {"SV": "sv4 sv2 sv0 ", "CR": " cr1 cr3 cr5"}
    assert sv.http.get(f"{url}?lang=en&group=day").status_code == 400

    page = sv.http.get(f"/documents/{demo.id}/paragraphs/{para['id']}/history?lang=en")
    html = page.get_data(as_text=True)
    entry = html.split(f'data-versions="{start + 1}-{start + 6}"')[1].split("history-entry")[0]
    assert f'data-restore="{start}" data-restore-kind="before"' in entry
    assert f'data-restore="{start + 5}" data-restore-kind="version"' in entry  # each version
    assert 'data-author="CR"' in entry and 'data-author="SV"' in entry
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = sv.http.post(
        f"/documents/{demo.id}/paragraphs/{para['id']}/restore",
        data={"lang": "en", "version": str(start), "csrf_token": token},
    )
    assert response.status_code == 302
    assert current(app, para["id"])[1] == original  # the text before the session


def current(app, paragraph_id: int) -> tuple[int, str]:
    latest = stored(app, paragraph_id)[-1]
    return latest.seq, latest.text


# --------------------------------------------------------------------------------------------
# Badges follow every change: status, translation pending, a bracket still open
# --------------------------------------------------------------------------------------------


def test_an_update_carries_a_hash_and_a_client_that_missed_one_asks_for_the_text(app, demo, para):
    app.config["LIVE_UPDATE_HASHES"] = True
    sv = Peer(app, "elsalvador@demo.test", demo.id)
    mx = Peer(app, "mexico@demo.test", demo.id)
    mx.received()
    key, text, version = (para["id"], "en"), para["text"]["en"], para["version"]["en"]
    incoming = Incoming()
    incoming.know(key, version, text)
    first, second = text + " One.", text + " One. Two."
    sv.edit(para["id"], version, textdiff.make_patch(text, first))
    sv.edit(para["id"], version + 1, textdiff.make_patch(first, second))
    one, two = mx.received("paragraph_updated")
    assert "text" not in one and one["text_sha1"] == hashlib.sha1(first.encode()).hexdigest()
    # the second ahead of the first (it waits), then the first: both read, in order
    assert incoming.update(two) == [] and incoming.needs_resync(key)
    assert [(u["version"], t) for u, t in incoming.update(one)] == [
        (version + 1, first),
        (version + 2, second),
    ]
    assert not incoming.needs_resync(key)
    # one lost on the way: the next cannot be read, and the client asks for the text
    third = second + " Three."
    sv.edit(para["id"], version + 2, textdiff.make_patch(second, third))
    sv.edit(para["id"], version + 3, textdiff.make_patch(third, third + " Four."))
    _lost, four = mx.received("paragraph_updated")
    assert incoming.update(four) == [] and incoming.needs_resync(key)
    current = mx.resync(para["id"], "en")
    assert current == {
        "paragraph_id": para["id"],
        "lang": "en",
        "version": version + 4,
        "text": third + " Four.",
    }
    assert incoming.know(key, current["version"], current["text"]) == []
    assert not incoming.needs_resync(key)
    # a patch that makes another text than the hash says (a copy gone wrong): asked again
    wrong = {**four, "version": version + 5, "text_sha1": textdiff.text_sha1("something else")}
    assert incoming.update(wrong) == [] and incoming.needs_resync(key)


def test_a_resync_the_database_does_not_answer_is_answered_retry_without_a_traceback(
    app, demo, para, monkeypatch, caplog
):
    """Found by the soak on PostgreSQL restarting: the read's failure escaped the handler with
    a traceback. It is answered 503 `retry` (the client asks again shortly) with a warning."""
    from sqlalchemy.exc import OperationalError

    from drafting.services import paragraphs

    mx = Peer(app, "mexico@demo.test", demo.id)

    def restarting(*_args):
        raise OperationalError("SELECT", {}, Exception("the database system is shutting down"))

    monkeypatch.setattr(paragraphs, "latest", restarting)
    with caplog.at_level("WARNING", logger="drafting.live"):
        answer = mx.resync(para["id"])
    assert answer["status"] == 503 and answer["retry"] is True
    assert "the database did not answer" in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
    monkeypatch.undo()
    assert mx.resync(para["id"])["version"] == para["version"]["en"]


def test_resync_needs_a_joined_document_a_paragraph_of_it_and_one_of_its_languages(app, demo, para):
    outsider = Peer(app, "mexico@demo.test", demo.id, join=False)
    assert outsider.resync(para["id"])["status"] == 400  # join a document first
    mx = Peer(app, "mexico@demo.test", demo.id)
    assert mx.resync(para["id"], "fr")["status"] == 400
    assert mx.resync(10**6)["status"] == 404
    assert mx.resync("8.a")["status"] == 400
    answer = mx.resync(para["id"], "es")
    assert (answer["text"], answer["version"]) == (para["text"]["es"], para["version"]["es"])


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=12),
    order=st.randoms(use_true_random=False),
    lost=st.integers(0, 12),
)
def test_incoming_reads_any_arrival_order_and_a_resync_fills_any_gap(words, order, lost):
    """Updates of one paragraph arriving in any order, one of them maybe lost: every update
    read is read in version order with the server's text, and once the client asks (as it
    does while needs_resync) it holds the newest text."""
    key, texts = (1, "en"), [""]
    for word in words:
        at = order.randint(0, len(texts[-1]))
        texts.append(texts[-1][:at] + word + texts[-1][at:])
    updates = [
        {
            "paragraph_id": 1,
            "lang": "en",
            "version": v,
            "patch": textdiff.make_patch(texts[v - 1], texts[v]),
            "text_sha1": textdiff.text_sha1(texts[v]),
        }
        for v in range(1, len(texts))
    ]
    arriving = [u for u in updates if u["version"] != lost]
    order.shuffle(arriving)
    incoming, read = Incoming(), []
    for update in arriving:
        read += incoming.update(update)
    assert [u["version"] for u, _t in read] == sorted(u["version"] for u, _t in read)
    assert all(text == texts[u["version"]] for u, text in read)
    if lost in range(1, len(texts) - 1):  # a later one came: the gap shows
        assert incoming.needs_resync(key)
        read += incoming.know(key, len(texts) - 1, texts[-1])  # the answer to resync
    elif lost == len(texts) - 1:  # the last one: nothing tells, until the next or a rejoin
        assert incoming.known.get(key, (0, ""))[0] == lost - 1
        read += incoming.know(key, len(texts) - 1, texts[-1])
    assert not incoming.needs_resync(key)
    assert incoming.known[key] == (len(texts) - 1, texts[-1])


def test_an_open_bracket_is_saved_and_every_viewer_hears_the_badges(app, demo, para):
    sv = Peer(app, "elsalvador@demo.test", demo.id)
    cr = Peer(app, "costarica@demo.test", demo.id)
    cr.received()
    text, base = para["text"]["en"], para["version"]["en"]
    opened = "Urge [" + text
    ack = sv.edit(para["id"], base, textdiff.make_patch(text, opened))
    assert ack["version"] == base + 1 and ack["text"] == opened  # saved, no alarm
    assert ack["brackets"] == {"en": {"kind": "open", "word": "Urge", "before": False}}
    heard = cr.received("paragraph_updated")[-1]
    assert heard["status"] == "bracketed" and heard["brackets"] == ack["brackets"]
    assert heard["translation_pending"] == ["es"]
    assert paragraph_in(cr.join(), para["id"])["brackets"] == ack["brackets"]  # on rejoin too

    # A step that needs balanced brackets names the paragraph and the word.
    ppt = Peer(app, "panama@demo.test", demo.id)
    url = f"/api/documents/{demo.id}/transitions/start_silence"
    refused = ppt.http.post(
        url, json={"deadline": "2099-01-01T00:00:00Z"}, headers={"X-CSRFToken": ppt.csrf}
    )
    assert refused.status_code == 409
    assert f"paragraph {para['number']}: bracket open after «Urge»" in refused.get_json()["reasons"]
    spanish = ppt.http.post(
        url,
        json={"deadline": "2099-01-01T00:00:00Z"},
        headers={"X-CSRFToken": ppt.csrf, "Accept-Language": "es"},
    )
    assert (
        f"párrafo {para['number']}: corchete abierto después de «Urge»"
        in spanish.get_json()["reasons"]
    )

    closed = "Urge [all] " + text
    ack = sv.edit(para["id"], ack["version"], textdiff.make_patch(opened, closed))
    assert ack["brackets"] == {} and ack["status"] == "bracketed"
    assert cr.received("paragraph_updated")[-1]["brackets"] == {}


def test_a_full_text_with_an_open_bracket_is_refused_by_the_word_not_the_offset(auth, demo):
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("8.a")
    url = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions"
    response = auth.post(url, {"lang": "en", "text": "Decline [the proposal", "base_version": 1})
    assert response.status_code == 400
    assert response.get_json()["error"] == "bracket open after «Decline»"
    assert response.get_json()["reason_codes"] == [{"code": "bracket_open", "word": "Decline"}]
    stray = auth.post(url, {"lang": "en", "text": "] Decline", "base_version": 1})
    assert stray.get_json()["error"] == "closing bracket before «Decline» has no opening bracket"


# --------------------------------------------------------------------------------------------
# Convergence: random concurrent schedules
# --------------------------------------------------------------------------------------------

TOKEN = re.compile(r"w(\d+)x\1y")  # a typed word: w7x7y; no two pieces of words make one
EDITORS = ["elsalvador@demo.test", "costarica@demo.test", "panama@demo.test"]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("type"), st.integers(0, 2), st.floats(0, 1), st.floats(0, 1)),
        st.tuples(st.just("delete"), st.integers(0, 2), st.floats(0, 1), st.floats(0, 0.3)),
        st.tuples(st.just("send"), st.integers(0, 2)),
        st.tuples(st.just("ack"), st.integers(0, 2)),
        st.tuples(st.just("deliver"), st.integers(0, 2), st.integers(1, 3), st.booleans()),
        st.tuples(st.just("reconnect"), st.integers(0, 2)),
        st.tuples(st.just("lose"), st.integers(0, 2)),
    ),
    max_size=40,
)


def words(text: str) -> set[str]:
    return {match.group() for match in TOKEN.finditer(text)}


class Editor:
    """A peer plus its replica of the paragraph under test and what is still in transit."""

    def __init__(self, peer: Peer, paragraph_id: int, lang: str) -> None:
        self.peer, self.paragraph_id, self.lang = peer, paragraph_id, lang
        peer.received()
        mine = paragraph_in(peer.join(), paragraph_id)
        self.replica = Replica(mine["text"][lang], mine["version"][lang])
        self.incoming = Incoming()  # updates carry a patch and a hash, not the text
        self.incoming.know((paragraph_id, lang), mine["version"][lang], mine["text"][lang])
        self.ack: dict | None = None  # the answer not yet handed to the replica
        self.inbox: list[dict] = []
        self.typed: set[str] = set()
        self.resyncs = 0

    def send(self, sent, log: dict) -> None:
        self.ack = self.peer.edit(self.paragraph_id, sent.base_version, sent.patch, self.lang)
        if "error" not in self.ack:
            typed = (words(sent.sent) - words(sent.shadow)) & self.typed
            assert typed <= words(self.ack["text"]), "an acknowledged keystroke was lost"
            log.setdefault(self.ack["version"], sent)

    def deliver(self, count: int, backwards: bool = False) -> None:
        """Hand over ``count`` broadcasts; server threads may send them out of order."""
        self.inbox += [
            u
            for u in self.peer.received("paragraph_updated")
            if u["paragraph_id"] == self.paragraph_id and u["lang"] == self.lang
        ]
        batch = self.inbox[:count]
        for update in reversed(batch) if backwards else batch:
            self.take(self.incoming.update(update))
        del self.inbox[:count]
        self.resync_if_needed()

    def lose(self) -> None:
        """One broadcast never arrives (the client must notice the gap and ask again)."""
        self.inbox += self.peer.received("paragraph_updated")
        del self.inbox[:1]

    def take(self, readable: list[tuple[dict, str]]) -> None:
        for update, text in readable:
            self.replica.remote(update["version"], text)

    def take_ack(self) -> None:
        if self.ack is not None:
            ack, self.ack = self.ack, None
            self.replica.acknowledged(ack)
            self.take(self.incoming.acknowledged((self.paragraph_id, self.lang), ack))
        self.resync_if_needed()

    def resync_if_needed(self) -> None:
        key = (self.paragraph_id, self.lang)
        if self.replica.inflight is None and self.incoming.needs_resync(key):
            self.resyncs += 1
            current = self.peer.resync(self.paragraph_id, self.lang)
            self.replica.remote(current["version"], current["text"])
            self.take(self.incoming.know(key, current["version"], current["text"]))

    def rejoined(self, snapshot: dict) -> None:
        mine = paragraph_in(snapshot, self.paragraph_id)
        version, text = mine["version"][self.lang], mine["text"][self.lang]
        self.replica.remote(version, text)
        self.take(self.incoming.know((self.paragraph_id, self.lang), version, text))


@pytest.fixture
def editors(app, demo):
    return [Peer(app, email, demo.id) for email in EDITORS]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(schedule=steps)
def test_concurrent_editors_converge_and_keep_every_acknowledged_keystroke(
    app, demo, editors, schedule
):
    # Each example edits a paragraph of its own, so examples share the app but not the text.
    counter = test_concurrent_editors_converge_and_keep_every_acknowledged_keystroke
    counter.examples = getattr(counter, "examples", 0) + 1
    app.config["LIVE_UPDATE_HASHES"] = counter.examples % 2 == 0  # updates with text, or hashes
    paragraphs = [  # brackets are refused while unbalanced, which random deletions cause
        p for p in editors[0].snapshot["paragraphs"] if "[" not in str(p["text"])
    ]
    target = paragraphs[counter.examples % len(paragraphs)]
    lang = "en" if counter.examples % 2 else "es"
    clients = [Editor(peer, target["id"], lang) for peer in editors]
    start = clients[0].replica.version
    log: dict[int, object] = {}  # version -> the edit that made it
    made = 0
    for step in schedule:
        kind, who = step[0], clients[step[1]]
        replica = who.replica
        if kind == "type":
            made += 1
            text = replica.local
            spots = [0, len(text)] + [m.start() for m in re.finditer(" ", text)]
            at = sorted(spots)[int(step[2] * (len(spots) - 1))]
            word = f"w{made}x{made}y"
            who.typed.add(word)
            replica.edit(text[:at] + (f"{word} " if at == 0 else f" {word}") + text[at:])
        elif kind == "delete":
            text = replica.local
            at = int(step[2] * len(text))
            replica.edit(text[:at] + text[at + int(step[3] * 40) :])
        elif kind == "send":
            sent = replica.outgoing()
            if sent is not None:
                who.send(sent, log)
        elif kind == "ack":
            who.take_ack()
        elif kind == "deliver":
            who.deliver(step[2], step[3])
        elif kind == "lose":
            who.lose()
        else:  # the connection drops: the answer and undelivered broadcasts are lost
            who.ack, who.inbox = None, []
            who.peer.reconnect()
            who.rejoined(who.peer.snapshot)
            resend = replica.disconnected()
            if resend is not None:
                who.send(resend, log)
    for _ in range(20):  # let everything arrive and everyone send what is left
        for who in clients:
            who.take_ack()
            who.deliver(10_000)
            sent = who.replica.outgoing()
            if sent is not None:
                who.send(sent, log)
        if all(w.replica.settled and w.ack is None and not w.inbox for w in clients):
            break
    versions = stored(app, target["id"], lang)
    final = versions[-1].text
    for who in clients:
        assert who.replica.settled, who.replica.held
        assert who.replica.local == final
    document = editors[0].http.get(f"/api/documents/{demo.id}").get_json()
    assert paragraph_in(document, target["id"])["text"][lang] == final
    # Every version after the start came from one of these edits, and a word only ever
    # disappears in a version whose edit deleted it from the text its author saw.
    chain = [v for v in versions if v.seq > start]
    assert {v.seq for v in chain} == set(log)
    previous = {v.seq: v.text for v in versions}
    for version in chain:
        gone = words(previous[version.seq - 1]) - words(version.text)
        edit = log[version.seq]
        for word in gone:
            assert word in edit.shadow and word not in edit.sent, (word, version.seq)


# --------------------------------------------------------------------------------------------
# Two people typing at one spot keep their words whole
# --------------------------------------------------------------------------------------------

# One tick of one person: type a letter or two and send what may go, then maybe take the
# answer and hear some of the others' changes.
together = st.lists(
    st.tuples(st.integers(0, 1), st.integers(1, 2), st.booleans(), st.integers(0, 2)),
    min_size=2,
    max_size=30,
)


def distinct_letters(alphabet: str) -> st.SearchStrategy[str]:
    """A word without repeated letters, none of them in the text around: a text diff tells
    one person's "0" from the other's, or from the "0" already there, only by its
    neighbours, so "00" typed by two people may come out in either order."""
    return st.lists(st.sampled_from(alphabet), min_size=2, max_size=7, unique=True).map("".join)


class Typist(Editor):
    """An editor typing one word at its caret, which follows the text like the browser's."""

    def __init__(self, peer: Peer, paragraph_id: int, lang: str, word: str, at: int) -> None:
        super().__init__(peer, paragraph_id, lang)
        self.word, self.caret, self.done = word, at, 0

    def follow(self, change) -> None:
        before = self.replica.local
        change()
        self.caret = map_caret(before, self.replica.local, self.caret)

    def type(self, count: int) -> None:
        piece = self.word[self.done : self.done + count]
        text = self.replica.local
        self.replica.edit(text[: self.caret] + piece + text[self.caret :])
        self.caret += len(piece)
        self.done += len(piece)

    def deliver(self, count: int, backwards: bool = False) -> None:
        self.follow(lambda: Editor.deliver(self, count, backwards))

    def take_ack(self) -> None:
        self.follow(lambda: Editor.take_ack(self))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(  # seen live: "cr15" became "c ... SVX10r15"
    first="cr15",
    second="SVX10",
    schedule=[(0, 1, True, 0), (1, 2, False, 0), (0, 1, True, 1), (1, 2, True, 1), (0, 2, True, 1)],
)
@given(
    first=distinct_letters("αβγδεζηθικλ"),  # letters no paragraph holds: see distinct_letters
    second=distinct_letters("БГДЖЗИЛПФЦ0123"),
    schedule=together,
)
def test_two_people_typing_at_one_spot_keep_both_words_whole(
    app, demo, editors, first, second, schedule
):
    counter = test_two_people_typing_at_one_spot_keep_both_words_whole
    counter.examples = getattr(counter, "examples", 0) + 1
    paragraphs = [p for p in editors[0].snapshot["paragraphs"] if " " in p["text"]["en"]]
    target = paragraphs[counter.examples % len(paragraphs)]
    text = target["text"]["en"]  # as imported; an example coming back to it starts afresh
    now = paragraph_in(editors[0].join(), target["id"])
    if now["text"]["en"] != text:
        restored = editors[0].http.post(
            f"/api/documents/{demo.id}/paragraphs/{target['id']}/versions",
            json={"lang": "en", "text": text, "base_version": now["version"]["en"]},
            headers={"X-CSRFToken": editors[0].csrf},
        )
        assert restored.status_code == 201
    at = text.index(" ") + 1  # both carets right after the first word
    typists = [
        Typist(editors[0], target["id"], "en", first, at),
        Typist(editors[1], target["id"], "en", second, at),
    ]
    log: dict[int, object] = {}
    for person, letters, ack, hear in schedule:
        who = typists[person]
        who.type(letters)
        if (sent := who.replica.outgoing()) is not None:
            who.send(sent, log)
        if ack:
            who.take_ack()
        who.deliver(hear)
    for _ in range(20):  # both finish their word, everything arrives
        for who in typists:
            who.take_ack()
            who.deliver(10_000)
            who.type(len(who.word))
            sent = who.replica.outgoing()
            if sent is not None:
                who.send(sent, log)
        if all(w.replica.settled and w.ack is None for w in typists):
            break
    final = stored(app, target["id"])[-1].text
    assert all(who.replica.settled and who.replica.local == final for who in typists)
    # Nothing lost, nothing split: the two whole words side by side at the spot.
    assert final in (text[:at] + first + second + text[at:], text[:at] + second + first + text[at:])


# --------------------------------------------------------------------------------------------
# Membership changes count at once
# --------------------------------------------------------------------------------------------


def change_membership(app, demo, email: str, role: str | None) -> None:
    """Remove `email` from the demo's process (role None) or give them `role`, and commit."""
    from drafting.models import Document
    from drafting.models.people import Role
    from drafting.services import people

    someone = demo.user(email)
    with app.app_context():
        process = db.session.get(Document, demo.id).process
        user = db.session.merge(someone)
        if role is None:
            people.remove_member(process, user)
        else:
            people.set_role(process, user, Role(role))
        db.session.commit()


def test_a_removed_member_hears_no_more_of_the_document_and_is_told(app, demo, para):
    sv = Peer(app, "elsalvador@demo.test", demo.id)
    mx = Peer(app, "mexico@demo.test", demo.id)
    mx.received()
    change_membership(app, demo, "mexico@demo.test", None)
    assert mx.received("access_changed") == [{"document_id": demo.id, "reason": "removed"}]

    text = para["text"]["en"]
    ack = sv.edit(para["id"], para["version"]["en"], textdiff.make_patch(text, text + " More."))
    assert ack["version"] == para["version"]["en"] + 1
    assert mx.received("paragraph_updated") == []
    assert mx.join()["status"] == 404  # and cannot come back
    people = sv.received("presence")[-1]["people"]
    assert "MX" not in {person["delegation"] for person in people}


def test_a_new_role_counts_at_once(app, demo, para):
    cr = Peer(app, "costarica@demo.test", demo.id)
    assert cr.snapshot["can_edit"] is True
    cr.received()
    change_membership(app, demo, "costarica@demo.test", "delegate")
    assert cr.received("access_changed") == [{"document_id": demo.id, "reason": "role_changed"}]
    assert cr.join()["can_edit"] is False
    text = para["text"]["en"]
    refused = cr.edit(para["id"], para["version"]["en"], textdiff.make_patch(text, text + "!"))
    assert refused["status"] == 403
    assert stored(app, para["id"])[-1].text == text


def test_a_tab_closed_while_its_join_is_answered_leaves_quietly(app, demo, monkeypatch, caplog):
    """The socket closes while the server is still reading the document for its join: the
    join ends without a traceback and the person does not linger in the presence bar."""
    import logging

    from drafting.services import presence

    watcher = Peer(app, "elsalvador@demo.test", demo.id)
    leaver = Peer(app, "costarica@demo.test", demo.id, join=False)
    read = presence.snapshot

    def closing_meanwhile(document):
        state = read(document)
        leaver.sio.disconnect()  # the tab closes just now
        return state

    monkeypatch.setattr(presence, "snapshot", closing_meanwhile)
    with caplog.at_level(logging.INFO):
        leaver.sio.emit("join", {"document_id": demo.id})
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text and "not connected" not in caplog.text
    monkeypatch.setattr(presence, "snapshot", read)
    with app.app_context():
        people = presence.presence_of(app).people(demo.id)
    assert [p["delegation"] for p in people] == ["SV"]
    seen = watcher.received("presence")
    assert not seen or [p["delegation"] for p in seen[-1]["people"]] == ["SV"]


def test_an_edit_stored_while_a_join_is_answered_reaches_the_joining_socket(
    app, demo, para, monkeypatch
):
    """The join's snapshot is read, then someone's edit is committed before the join is
    answered: the joining socket is already in the room and hears it (it used to enter the
    room after reading, and never heard of that version)."""
    import threading

    from drafting.services import presence

    typist = Peer(app, "elsalvador@demo.test", demo.id)
    joiner = Peer(app, "costarica@demo.test", demo.id, join=False)
    read = presence.snapshot
    text, version = para["text"]["en"], para["version"]["en"]
    answers: list[dict] = []

    def edited_meanwhile(document):
        state = read(document)
        edit = threading.Thread(  # its own app context and transaction, after this one
            target=lambda: answers.append(
                typist.edit(para["id"], version, textdiff.make_patch(text, text + " (meanwhile)"))
            )
        )
        monkeypatch.setattr(live, "_still_open", waiting_for(edit, live._still_open))
        return state

    def waiting_for(edit, still_open):
        def after_the_edit(sid):  # the join goes on once the edit is stored and sent
            edit.start()
            edit.join(20)
            monkeypatch.setattr(live, "_still_open", still_open)
            return still_open(sid)

        return after_the_edit

    from drafting import live

    monkeypatch.setattr(presence, "snapshot", edited_meanwhile)
    snapshot = joiner.join()
    assert answers and answers[0]["version"] == version + 1, answers
    assert paragraph_in(snapshot, para["id"])["version"]["en"] == version  # read before
    heard = [
        u
        for message in joiner.received("paragraph_updated")
        for u in message.get("updates", [message])
    ]
    assert [(u["paragraph_id"], u["version"]) for u in heard] == [(para["id"], version + 1)]
    assert heard[0]["text"] == text + " (meanwhile)"


def test_tabs_closing_just_after_joining_leave_no_traceback_in_the_server_log(live_server):
    """A real server and real clients: connect, join and close at once, many times."""
    import socketio as sio_client

    http = live_server.session("elsalvador@demo.test")
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    for _ in range(8):
        client = sio_client.Client(reconnection=False)
        client.connect(
            live_server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10
        )
        client.emit("join", {"document_id": live_server.document_id})
        client.disconnect()
    # a last client joins normally and is alone in the document: nobody lingers
    client = sio_client.Client(reconnection=False)
    client.connect(
        live_server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10
    )
    snapshot = client.call("join", {"document_id": live_server.document_id}, timeout=10)
    client.disconnect()
    assert [p["delegation"] for p in snapshot["people"]] == ["SV"]
    log = live_server.log.read_text(errors="replace")
    assert "Traceback" not in log and "not connected" not in log, log[-3000:]


def test_a_retry_answer_keeps_the_edit_in_flight_to_send_again():
    """The client's side of a 503 `retry` answer (the Python twin of static/js/editor.js):
    not an answer, so the same edit goes again (as after a lost connection; were it stored
    after all, the server would recognise it) and nothing typed is lost or held as refused."""
    replica = Replica("Urge States.", 4)
    replica.edit("Urge all States.")
    first = replica.outgoing()
    replica.edit("Urge all the States.")  # typed while the answer was on its way
    replica.acknowledged({"error": "the database did not answer", "status": 503, "retry": True})
    assert replica.held is None and replica.inflight == first
    assert (replica.local, replica.shadow, replica.version) == (
        "Urge all the States.",
        "Urge States.",
        4,
    )
    replica.acknowledged({"version": 5, "text": "Urge all States."})
    assert replica.local == "Urge all the States." and replica.outgoing() is not None
    refused = Replica("Urge States.", 4)
    refused.edit("Urge [all States.")
    refused.outgoing()
    refused.acknowledged({"error": "unbalanced bracket", "status": 400})
    assert refused.held and refused.outgoing() is None  # a refusal waits for the next keystroke


def test_a_connection_reset_while_its_request_is_read_leaves_no_traceback(live_server):
    """A client reset in the middle of its request (a browser tab killed while it opens the
    socket, the soak's TCP resets): the server reads no request, answers nothing and logs no
    traceback (gevent's handler printed one for the read and another for its 400 answer to
    the closed socket: the soak's BrokenPipeError)."""
    import socket as sockets
    import struct
    import time

    host, port = live_server.url.removeprefix("http://").split(":")
    for _ in range(5):
        raw = sockets.create_connection((host, int(port)), timeout=5)
        raw.sendall(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nX-Half: ")
        time.sleep(0.3)  # the server is now waiting for the rest of the headers
        raw.setsockopt(sockets.SOL_SOCKET, sockets.SO_LINGER, struct.pack("ii", 1, 0))
        raw.close()  # a TCP reset, not a clean close
    time.sleep(0.5)
    assert live_server.session("elsalvador@demo.test").get(f"{live_server.url}/healthz").ok
    log = live_server.log.read_text(errors="replace")
    for trace in ("Traceback", "BrokenPipeError", "ConnectionResetError"):
        assert trace not in log, log[-3000:]
