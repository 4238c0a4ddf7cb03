"""Comments (threaded, anchored) and reservations printed as footnotes."""

from __future__ import annotations

from support.amendments import EIGHT_A


def comment(auth, demo, who: str, **payload):
    auth.login(who)
    return auth.post(f"/api/documents/{demo.id}/comments", payload)


def test_threaded_comments_anchored_to_words(client, auth, demo):
    auth.login("mexico@demo.test")
    pid = demo.paragraph("8.a")["id"]
    first = comment(
        auth, demo, "mexico@demo.test", paragraph_id=pid, body="Why?", anchor_start=0, anchor_end=7
    )
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["quote"] == "Decline"
    reply = comment(auth, demo, "canada@demo.test", parent_id=first.get_json()["id"], body="Cost.")
    assert reply.status_code == 201
    assert reply.get_json()["paragraph_id"] == pid  # replies live on the parent's paragraph
    threads = client.get(f"/api/documents/{demo.id}/comments?paragraph_id={pid}").get_json()
    assert len(threads) == 1
    assert threads[0]["anchor"] == {"start": 0, "end": 7}
    assert [r["body"] for r in threads[0]["replies"]] == ["Cost."]
    assert threads[0]["replies"][0]["delegation"] == "CA"


def test_bad_comments_are_refused(client, auth, demo):
    auth.login("mexico@demo.test")
    pid = demo.paragraph("8.a")["id"]
    cases = [
        ({"paragraph_id": pid}, 400),
        ({"paragraph_id": pid, "body": "   "}, 400),
        ({"paragraph_id": pid, "body": "x", "anchor_start": 5}, 400),
        ({"paragraph_id": pid, "body": "x", "anchor_start": 5, "anchor_end": 5}, 400),
        ({"paragraph_id": pid, "body": "x", "anchor_start": 0, "anchor_end": 10_000}, 400),
        ({"body": "x", "anchor_start": 0, "anchor_end": 1}, 400),
        ({"paragraph_id": 999_999, "body": "x"}, 404),
        ({"parent_id": 999_999, "body": "x"}, 404),
        ({"paragraph_id": pid, "body": "x", "lang": "fr"}, 400),
        ({"paragraph_id": "8.a", "body": "x"}, 400),
    ]
    for payload, status in cases:
        response = auth.post(f"/api/documents/{demo.id}/comments", payload)
        assert response.status_code == status, (payload, response.get_json())
        assert "error" in response.get_json()
    assert client.get(f"/api/documents/{demo.id}/comments").get_json() == []


def test_observers_comment_only_where_the_document_allows(app, client, auth, demo):
    from drafting.extensions import db
    from drafting.models import Document

    auth.login("iom@demo.test")
    pid = demo.paragraph("8.a")["id"]
    refused = comment(auth, demo, "iom@demo.test", paragraph_id=pid, body="IOM view.")
    assert refused.status_code == 403
    with app.app_context():
        db.session.get(Document, demo.id).allow_observer_comments = True
        db.session.commit()
    allowed = comment(auth, demo, "iom@demo.test", paragraph_id=pid, body="IOM view.")
    assert allowed.status_code == 201
    assert allowed.get_json()["delegation"] == "IOM"
    # Observers still cannot file reservations or amendments.
    response = auth.post(
        f"/api/documents/{demo.id}/reservations", {"paragraph_id": pid, "text": "No."}
    )
    assert response.status_code == 403


def test_comment_events_reach_the_room(app, client, auth, demo):
    from drafting.extensions import socketio

    auth.login("canada@demo.test")
    watcher = socketio.test_client(app, flask_test_client=client)
    watcher.emit("join", {"document_id": demo.id})
    watcher.get_received()
    comment(auth, demo, "mexico@demo.test", body="On the whole text.")
    events = [e for e in watcher.get_received() if e["name"] == "comment"]
    assert events and events[-1]["args"][0]["body"] == "On the whole text."
    watcher.disconnect()


def test_reservations_are_numbered_footnotes_in_reading_order(client, auth, demo):
    auth.login("usa@demo.test")
    later = demo.paragraph("8.a")["id"]
    earlier = demo.paragraph("2.a")["id"]
    for payload in (
        {"paragraph_id": later, "text": "The United States does not join consensus."},
        {"paragraph_id": earlier, "kind": "explanation", "text": "We read this as voluntary."},
        {"text": "A reservation on the whole document."},
    ):
        response = auth.post(f"/api/documents/{demo.id}/reservations", payload)
        assert response.status_code == 201, response.get_json()
    notes = client.get(f"/api/documents/{demo.id}/footnotes").get_json()
    assert [n["number"] for n in notes] == [1, 2, 3]
    assert [n["paragraph_number"] for n in notes] == [None, "2.a", "8.a"]
    assert notes[1]["kind"] == "explanation"
    listed = client.get(f"/api/documents/{demo.id}/reservations").get_json()
    assert {r["delegation"] for r in listed} == {"US"}
    bad = auth.post(f"/api/documents/{demo.id}/reservations", {"text": "x", "kind": "veto"})
    assert bad.status_code == 400
    assert auth.post(f"/api/documents/{demo.id}/reservations", {"text": ""}).status_code == 400
    # The secretariat does not take positions.
    auth.login("secretariat@demo.test")
    response = auth.post(f"/api/documents/{demo.id}/reservations", {"text": "x"})
    assert response.status_code == 403


def test_footnotes_service_keys_by_paragraph(app, auth, demo):
    from drafting.extensions import db
    from drafting.models import Document
    from drafting.services.discussion import footnotes

    auth.login("usa@demo.test")
    pid = demo.paragraph("8.a")["id"]
    auth.post(f"/api/documents/{demo.id}/reservations", {"paragraph_id": pid, "text": "No."})
    auth.post(f"/api/documents/{demo.id}/reservations", {"text": "On all."})
    with app.app_context():
        notes = footnotes(db.session.get(Document, demo.id))
    assert set(notes) == {None, pid}
    assert notes[None][0].number == 1 and notes[pid][0].number == 2
    assert notes[pid][0].delegation == "US"


def test_document_page_shows_panels_and_footnotes(client, auth, demo):
    from support.amendments import file

    file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Soon.", rationale="Timing.")
    auth.login("usa@demo.test")
    pid = demo.paragraph("8.a")["id"]
    auth.post(f"/api/documents/{demo.id}/reservations", {"paragraph_id": pid, "text": "Not us."})
    comment(auth, demo, "canada@demo.test", paragraph_id=pid, body="Agree with Mexico.")
    auth.login("elsalvador@demo.test")
    html = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert f'data-panel="{pid}"' in html
    assert "Timing." in html and "Agree with Mexico." in html
    assert 'data-fn="1"' in html and "Not us." in html
    assert 'data-accept="' in html  # the committee decides from the panel
    assert "<script>" not in html
