"""Reviewing tracked changes one by one (SPEC §11): stable change ids, accept and reject,
who may, and suggestions typed in by delegates."""

from __future__ import annotations

import time

from sqlalchemy import select
from support.adoption import adopt_demo
from support.amendments import close_round, edit, open_round

from drafting.extensions import db, socketio
from drafting.models import Process, Version

BASE = "Encourage States to share good practices."


def rev1_with(auth, demo, text: str = BASE, number: str = "6") -> int:
    """Paragraph `number` holds `text` in Rev.1 (circulated); returns its id."""
    edit(auth, demo, "elsalvador@demo.test", number, text)
    open_round(auth, demo)
    close_round(auth, demo)
    return demo.paragraph(number)["id"]


def paragraph_changes(auth, demo, pid: int, **query) -> dict:
    response = auth.get(
        f"/api/documents/{demo.id}/changes", query_string={"paragraph": pid, **query}
    )
    assert response.status_code == 200, response.get_json()
    (entry,) = response.get_json()["paragraphs"]
    return entry


def pending(entry: dict) -> list[list]:
    return [op for op in entry["ops"] if op[0] != 0 and op[3] not in entry["accepted"]]


def test_every_change_has_a_stable_id_while_other_text_changes(auth, demo):
    pid = rev1_with(auth, demo)
    edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share good practices.")
    first = paragraph_changes(auth, demo, pid)
    assert [op[:3] for op in pending(first)] == [[1, "all ", "CR"]]
    change_id = pending(first)[0][3]
    assert all(op[3] is None for op in first["ops"] if op[0] == 0)
    edit(
        auth,
        demo,
        "elsalvador@demo.test",
        "6",
        "Encourage all States to share good practices widely.",
    )
    later = paragraph_changes(auth, demo, pid)
    assert [op[:4] for op in pending(later)] == [
        [1, "all ", "CR", change_id],
        [1, " widely", "SV", pending(later)[1][3]],
    ]
    assert pending(later)[1][3] != change_id


def test_a_typed_word_is_one_change(auth, demo):
    pid = rev1_with(auth, demo)
    for text in ("Encourage fa States", "Encourage family States"):
        edit(auth, demo, "costarica@demo.test", "6", text + " to share good practices.")
    entry = paragraph_changes(auth, demo, pid)
    assert [op[:3] for op in pending(entry)] == [[1, "family ", "CR"]]


def test_rejecting_an_insertion_keeps_the_other_changes(auth, demo):
    pid = rev1_with(auth, demo)
    edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share good practices.")
    edit(auth, demo, "elsalvador@demo.test", "6", "Encourage all States to share practices.")
    entry = paragraph_changes(auth, demo, pid)
    inserted = next(op for op in entry["ops"] if op[0] == 1)
    auth.login("panama@demo.test")
    response = auth.post(f"/api/documents/{demo.id}/changes/{inserted[3]}/reject?from=Rev.1")
    assert response.status_code == 201, response.get_json()
    version = response.get_json()["version"]
    paragraph = demo.paragraph("6")
    assert paragraph["text"]["en"] == "Encourage States to share practices."
    assert paragraph["version"]["en"] == version
    with demo.app.app_context():
        stored = db.session.scalar(
            select(Version).where(Version.paragraph_id == pid, Version.seq == version)
        )
        assert stored.source.value == "revert"
        assert stored.delegation.code == "PA"
    after = paragraph_changes(auth, demo, pid)
    assert [op[:3] for op in pending(after)] == [[-1, "good ", "SV"]]
    audit = auth.get(f"/api/documents/{demo.id}/audit").get_json()
    assert audit[-1]["action"] == "change_reviewed"


def test_rejecting_a_deletion_puts_the_text_back_as_it_was(auth, demo):
    pid = rev1_with(auth, demo)
    edit(auth, demo, "costarica@demo.test", "6", "Encourage States to share practices.")
    deleted = pending(paragraph_changes(auth, demo, pid))[0]
    assert deleted[:3] == [-1, "good ", "CR"]
    auth.login("elsalvador@demo.test")
    response = auth.post(f"/api/documents/{demo.id}/changes/{deleted[3]}/reject")
    assert response.status_code == 201, response.get_json()
    assert demo.paragraph("6")["text"]["en"] == BASE
    assert pending(paragraph_changes(auth, demo, pid)) == []


def test_accepting_keeps_the_text_and_says_who_accepted(auth, demo):
    pid = rev1_with(auth, demo)
    edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share good practices.")
    change_id = pending(paragraph_changes(auth, demo, pid))[0][3]
    auth.login("elsalvador@demo.test")
    response = auth.post(f"/api/documents/{demo.id}/changes/{change_id}/accept")
    assert response.status_code == 200, response.get_json()
    entry = paragraph_changes(auth, demo, pid)
    assert pending(entry) == []
    assert [op[:3] for op in entry["ops"] if op[0] == 1] == [[1, "all ", "CR"]]
    assert entry["accepted"][change_id]["by"] == "SV"
    assert demo.paragraph("6")["text"]["en"] == "Encourage all States to share good practices."
    again = auth.post(f"/api/documents/{demo.id}/changes/{change_id}/accept")
    assert again.status_code == 409


def next_pushed(sio, timeout: float = 5.0) -> dict:
    """The next `changes_updated` message (pushed by a background task)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sio.get_received():
            if message["name"] == "changes_updated":
                return message["args"][0]
        time.sleep(0.02)
    raise AssertionError("no changes_updated was pushed")


def test_decisions_are_broadcast_to_the_room(app, auth, demo):
    pid = rev1_with(auth, demo)
    edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share good practices.")
    change_id = pending(paragraph_changes(auth, demo, pid))[0][3]
    watcher = app.test_client()
    watcher.post("/api/login", json={"email": "mexico@demo.test", "password": "demo-password"})
    sio = socketio.test_client(app, flask_test_client=watcher)
    sio.emit("join", {"document_id": demo.id}, callback=True)
    sio.get_received()
    auth.login("elsalvador@demo.test")
    assert auth.post(f"/api/documents/{demo.id}/changes/{change_id}/reject").status_code == 201
    names = {m["name"]: m["args"][0] for m in sio.get_received()}
    assert names["paragraph_updated"]["text"] == BASE
    assert names["change_reviewed"]["change_id"] == change_id
    assert names["change_reviewed"]["decision"] == "rejected"
    # the paragraph's changes since Rev.1 follow, computed once for the whole room after
    # the commit
    pushed = names.get("changes_updated") or next_pushed(sio)
    assert (pushed["from"], pushed["version"]) == ("Rev.1", names["paragraph_updated"]["version"])
    assert all(op[0] == 0 for op in pushed["paragraph"]["ops"])


def test_only_sockets_that_show_the_marks_hear_the_pushed_changes(app, auth, demo):
    rev1_with(auth, demo)
    watcher = app.test_client()
    watcher.post("/api/login", json={"email": "mexico@demo.test", "password": "demo-password"})
    plain = socketio.test_client(app, flask_test_client=watcher)
    assert "paragraphs" in plain.emit(
        "join", {"document_id": demo.id, "tracked": False}, callback=True
    )
    shown = socketio.test_client(app, flask_test_client=watcher)
    assert "paragraphs" in shown.emit("join", {"document_id": demo.id}, callback=True)  # default on
    for sio in (plain, shown):
        sio.get_received()
    edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share good practices.")
    assert next_pushed(shown)["from"] == "Rev.1"
    time.sleep(0.3)  # the push has gone out: the plain socket got the text, not the marks
    names = [m["name"] for m in plain.get_received()]
    assert "paragraph_updated" in names and "changes_updated" not in names

    # the page's toggle: marks on for the plain socket, off for the other
    assert plain.emit("tracked", {"on": True}, callback=True) == {"ok": True, "on": True}
    assert shown.emit("tracked", {"on": False}, callback=True) == {"ok": True, "on": False}
    shown.get_received()
    edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share best practices.")
    assert next_pushed(plain)["from"] == "Rev.1"
    time.sleep(0.3)
    assert "changes_updated" not in [m["name"] for m in shown.get_received()]

    # bad input changes nothing
    for bad in ({"on": "yes"}, {}, None):
        answer = plain.emit("tracked", bad, callback=True)
        assert answer["status"] == 400 and "error" in answer, bad
    refused = plain.emit("join", {"document_id": demo.id, "tracked": 1}, callback=True)
    assert refused["status"] == 400 and "tracked" in refused["error"]


def test_only_the_committee_and_the_ppt_review(auth, demo):
    pid = rev1_with(auth, demo)
    edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share good practices.")
    change_id = pending(paragraph_changes(auth, demo, pid))[0][3]
    for who in ("mexico@demo.test", "iom@demo.test", "secretariat@demo.test"):
        auth.login(who)
        for verb in ("accept", "reject"):
            response = auth.post(f"/api/documents/{demo.id}/changes/{change_id}/{verb}")
            assert response.status_code == 403, (who, verb)
            assert "error" in response.get_json()
    assert demo.paragraph("6")["text"]["en"] == "Encourage all States to share good practices."


def test_unknown_change_ids_answer_404_json(auth, demo):
    pid = rev1_with(auth, demo)
    edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share good practices.")
    auth.login("elsalvador@demo.test")
    other = demo.paragraph("7")
    with demo.app.app_context():
        foreign = db.session.scalar(select(Version.id).where(Version.paragraph_id == other["id"]))
    real = pending(paragraph_changes(auth, demo, pid))[0][3]
    for bad in (
        "nope",
        "i0.0",
        "i99999999.0",
        f"i{foreign}.0",
        "s99999",
        real + "1",
        "x1.2",
        "i" + "9" * 30,
    ):
        for verb in ("accept", "reject"):
            response = auth.post(f"/api/documents/{demo.id}/changes/{bad}/{verb}")
            assert response.status_code == 404, (bad, verb, response.get_json())
            assert "error" in response.get_json()
    response = auth.post(f"/api/documents/{demo.id}/changes/{real}/reject?from=Rev.9")
    assert response.status_code == 404
    assert auth.post(f"/api/documents/999999/changes/{real}/reject").status_code == 404
    assert auth.get(f"/api/documents/{demo.id}/changes?paragraph=x").status_code == 400


def test_adopted_documents_refuse_review(auth, demo):
    pid = rev1_with(auth, demo)
    edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share good practices.")
    change_id = pending(paragraph_changes(auth, demo, pid))[0][3]
    edit(auth, demo, "costarica@demo.test", "6", "Alentar a todos los Estados.", lang="es")
    adopt_demo(auth, demo)
    for verb in ("accept", "reject"):
        response = auth.post(f"/api/documents/{demo.id}/changes/{change_id}/{verb}")
        assert response.status_code == 409, response.get_json()


def allow_suggestions(app, on: bool = True) -> None:
    with app.app_context():
        for process in db.session.scalars(select(Process)):
            process.allow_suggestions = on
        db.session.commit()


def suggest(auth, demo, who: str, number: str, text: str):
    auth.login(who)
    paragraph = demo.paragraph(number)
    return auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/suggestions",
        {"lang": "en", "text": text, "base_version": paragraph["version"]["en"]},
    )


def test_suggestions_need_the_process_setting(app, auth, demo):
    rev1_with(auth, demo)
    response = suggest(auth, demo, "mexico@demo.test", "6", BASE + " Now.")
    assert response.status_code == 403
    allow_suggestions(app)
    assert suggest(auth, demo, "iom@demo.test", "6", BASE + " Now.").status_code == 403
    assert suggest(auth, demo, "mexico@demo.test", "6", "[unbalanced").status_code == 400
    paragraph = demo.paragraph("6")
    stale = auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/suggestions",
        {"lang": "en", "text": BASE + " x", "base_version": paragraph["version"]["en"] - 1},
    )
    assert stale.status_code == 409


def test_a_suggestion_is_pending_until_accepted(app, auth, demo):
    pid = rev1_with(auth, demo)
    allow_suggestions(app)
    response = suggest(
        auth, demo, "mexico@demo.test", "6", "Encourage States to share good practices now."
    )
    assert response.status_code == 201, response.get_json()
    amendment_id = response.get_json()["id"]
    assert demo.paragraph("6")["text"]["en"] == BASE
    entry = paragraph_changes(auth, demo, pid)
    (suggestion,) = entry["suggestions"]
    assert suggestion["author"] == "MX" and suggestion["change_id"] == f"s{amendment_id}"
    assert [1, " now"] in suggestion["ops"]
    compilation = auth.get(f"/documents/{demo.id}/compilation")
    html = compilation.get_data(as_text=True)
    assert f'id="a-{amendment_id}"' in html and "typed into the text as a suggestion" in html
    auth.login("costarica@demo.test")
    accepted = auth.post(f"/api/documents/{demo.id}/changes/s{amendment_id}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert demo.paragraph("6")["text"]["en"] == "Encourage States to share good practices now."
    entry = paragraph_changes(auth, demo, pid)
    assert entry["suggestions"] == []
    assert [op[:3] for op in pending(entry)] == [[1, " now", "MX"]]


def test_a_rejected_suggestion_leaves_the_text(app, auth, demo):
    rev1_with(auth, demo)
    allow_suggestions(app)
    amendment_id = suggest(auth, demo, "mexico@demo.test", "6", BASE + " Now.").get_json()["id"]
    auth.login("panama@demo.test")
    response = auth.post(f"/api/documents/{demo.id}/changes/s{amendment_id}/reject")
    assert response.status_code == 201, response.get_json()
    assert demo.paragraph("6")["text"]["en"] == BASE
    again = auth.post(f"/api/documents/{demo.id}/changes/s{amendment_id}/reject")
    assert again.status_code == 409


def test_the_desk_turns_suggestions_on(auth, demo):
    auth.login("secretariat@demo.test")
    (process,) = auth.get("/api/processes").get_json()
    assert auth.get(f"/api/processes/{process['id']}").get_json()["allow_suggestions"] is False
    bad = auth.client.patch(
        f"/api/processes/{process['id']}", json={"allow_suggestions": "yes"}, headers=auth.headers()
    )
    assert bad.status_code == 400
    ok = auth.client.patch(
        f"/api/processes/{process['id']}", json={"allow_suggestions": True}, headers=auth.headers()
    )
    assert ok.status_code == 200, ok.get_json()
    assert auth.get(f"/api/processes/{process['id']}").get_json()["allow_suggestions"] is True
    rev1_with(auth, demo)
    assert suggest(auth, demo, "mexico@demo.test", "6", BASE + " Now.").status_code == 201


def test_suggestions_wait_for_committee_review(app, auth, demo):
    allow_suggestions(app)
    edit(auth, demo, "elsalvador@demo.test", "6", BASE)
    open_round(auth, demo)
    response = suggest(auth, demo, "mexico@demo.test", "6", BASE + " Now.")
    assert response.status_code == 409
    assert "error" in response.get_json()


def test_keystrokes_typed_inside_a_rejected_change_survive(app, auth, demo):
    """Someone types inside a change while it is rejected: their edit, made against the
    version before the rejection, is carried over onto it like any concurrent edit."""
    from drafting.text import textdiff

    pid = rev1_with(auth, demo)
    edit(
        auth, demo, "costarica@demo.test", "6", "Encourage all the States to share good practices."
    )
    typed = demo.paragraph("6")
    change_id = pending(paragraph_changes(auth, demo, pid))[0][3]
    typist = app.test_client()
    login = typist.post(
        "/api/login", json={"email": "costarica@demo.test", "password": "demo-password"}
    )
    assert login.status_code == 200
    sio = socketio.test_client(app, flask_test_client=typist)
    sio.emit("join", {"document_id": demo.id}, callback=True)
    auth.login("elsalvador@demo.test")
    assert auth.post(f"/api/documents/{demo.id}/changes/{change_id}/reject").status_code == 201
    before = typed["text"]["en"]
    mine = before.replace("good practices", "good and proven practices")
    ack = sio.emit(
        "edit",
        {
            "paragraph_id": pid,
            "lang": "en",
            "base_version": typed["version"]["en"],
            "patch": textdiff.make_patch(before, mine),
        },
        callback=True,
    )
    assert "error" not in ack, ack
    assert (
        demo.paragraph("6")["text"]["en"] == "Encourage States to share good and proven practices."
    )


def test_a_push_the_database_does_not_answer_is_skipped_quietly_and_the_next_one_goes(
    app, auth, demo, monkeypatch, caplog
):
    """Found by the soak on PostgreSQL restarting: the push's read failed with a traceback
    in the server log. It is a warning now, and the document's pushes go on afterwards."""
    from sqlalchemy.exc import OperationalError

    from drafting.services import change_push

    rev1_with(auth, demo)
    watcher = app.test_client()
    watcher.post("/api/login", json={"email": "mexico@demo.test", "password": "demo-password"})
    sio = socketio.test_client(app, flask_test_client=watcher)
    assert "paragraphs" in sio.emit("join", {"document_id": demo.id}, callback=True)
    sio.get_received()
    computed = change_push.payloads

    def restarting(*_args):
        raise OperationalError("SELECT", {}, Exception("the database system is shutting down"))

    monkeypatch.setattr(change_push, "payloads", restarting)
    with caplog.at_level("WARNING", logger="drafting.services.change_push"):
        edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share practices.")
        assert change_push.settle()
    assert "the database did not answer" in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
    assert "changes_updated" not in [m["name"] for m in sio.get_received()]
    monkeypatch.setattr(change_push, "payloads", computed)
    edit(auth, demo, "costarica@demo.test", "6", "Encourage all States to share good practices.")
    assert next_pushed(sio)["from"] == "Rev.1"
