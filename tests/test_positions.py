"""Indicative positions per paragraph: member delegations mark, observers never, one current
position per delegation and paragraph, every change audited and broadcast."""

from __future__ import annotations

from drafting.extensions import socketio


def url(demo, number: str) -> str:
    return f"/api/documents/{demo.id}/paragraphs/{demo.paragraph(number)['id']}/position"


def mark(auth, demo, who: str, number: str, **payload):
    auth.login(who)
    return auth.client.put(url(demo, number), json=payload, headers=auth.headers())


def position_map(auth, demo) -> dict:
    response = auth.get(f"/api/documents/{demo.id}/positions")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def row(answer: dict, number: str) -> dict:
    return next(p for p in answer["paragraphs"] if p["number"] == number)


def test_each_delegation_holds_one_current_position_per_paragraph(auth, demo):
    first = mark(auth, demo, "mexico@demo.test", "8.a", position="cannot_accept", note="Too far.")
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["delegation"] == "MX"
    assert mark(auth, demo, "canada@demo.test", "8.a", position="can_accept").status_code == 200
    again = mark(auth, demo, "mexico@demo.test", "8.a", position="can_live_with")
    assert again.get_json()["position"] == "can_live_with"
    answer = position_map(auth, demo)
    eight_a = row(answer, "8.a")
    assert eight_a["counts"] == {"can_accept": 1, "can_live_with": 1, "cannot_accept": 0}
    assert eight_a["positions"]["MX"]["position"] == "can_live_with"
    assert eight_a["positions"]["MX"]["note"] == ""
    assert "IOM" not in answer["delegations"] and "MX" in answer["delegations"]
    audit = auth.get(f"/api/documents/{demo.id}/audit").get_json()
    history = [(e["from"], e["to"]) for e in audit if e["action"] == "position_marked"]
    assert history == [(None, "cannot_accept"), (None, "can_accept"),
                       ("cannot_accept", "can_live_with")]  # fmt: skip
    auth.login("mexico@demo.test")
    cleared = auth.client.delete(url(demo, "8.a"), headers=auth.headers())
    assert cleared.status_code == 204
    assert "MX" not in row(position_map(auth, demo), "8.a")["positions"]


def test_observers_and_the_secretariat_never_mark(auth, demo):
    assert mark(auth, demo, "iom@demo.test", "3", position="can_accept").status_code == 403
    refused = mark(auth, demo, "secretariat@demo.test", "3", position="can_accept")
    assert refused.status_code == 403 and refused.get_json()["reasons"]
    assert row(position_map(auth, demo), "3")["positions"] == {}


def test_bad_positions_are_refused_and_change_nothing(auth, demo):
    for payload in ({}, {"position": "maybe"}, {"position": 1},
                    {"position": "can_accept", "note": 3},
                    {"position": "can_accept", "note": "x" * 2001}):  # fmt: skip
        answer = mark(auth, demo, "mexico@demo.test", "3", **payload)
        assert answer.status_code == 400 and "error" in answer.get_json(), payload
    auth.login("mexico@demo.test")
    missing = auth.client.put(
        f"/api/documents/{demo.id}/paragraphs/999999/position",
        json={"position": "can_accept"},
        headers=auth.headers(),
    )
    assert missing.status_code == 404
    assert row(position_map(auth, demo), "3")["positions"] == {}


def test_the_map_is_the_participants_and_hears_every_change_live(app, auth, demo, client):
    assert client.get(f"/api/documents/{demo.id}/positions").status_code in (401, 404)
    auth.login("panama@demo.test")
    chair = socketio.test_client(app, flask_test_client=client)
    assert chair.emit("join", {"document_id": demo.id}, callback=True)
    chair.get_received()
    mark(auth, demo, "mexico@demo.test", "3", position="cannot_accept", note="No.")
    events = [e for e in chair.get_received() if e["name"] == "position"]
    assert events and events[-1]["args"][0]["delegation"] == "MX"
    assert events[-1]["args"][0]["counts"]["cannot_accept"] == 1
    chair.disconnect()


def test_an_adopted_text_takes_no_position_and_its_provenance_holds(auth, demo):
    from support.adoption import adopt_demo

    assert mark(auth, demo, "mexico@demo.test", "3", position="can_accept").status_code == 200
    adopt_demo(auth, demo)
    late = mark(auth, demo, "mexico@demo.test", "3", position="cannot_accept")
    assert late.status_code == 409 and late.get_json()["reasons"]
    auth.login("mexico@demo.test")
    assert auth.client.delete(url(demo, "3"), headers=auth.headers()).status_code == 409
    assert row(position_map(auth, demo), "3")["positions"]["MX"]["position"] == "can_accept"
    revisions = auth.get(f"/api/documents/{demo.id}/revisions").get_json()
    final = revisions[-1]
    assert final["label"] == "Final" and final["produced_by"]["transition"] == "adopt"
    assert final["sha256"] == auth.get(f"/api/documents/{demo.id}").get_json()["sha256"]
