"""Amendments through the JSON API: filing, co-sponsoring, withdrawing, deciding, merging."""

from __future__ import annotations

import pytest
from support.amendments import (
    EIGHT_A,
    amendments,
    close_round,
    decide,
    edit,
    file,
    future,
    open_round,
    transition,
)

# --------------------------------------------------------------------------------------------
# The scenario of the issue
# --------------------------------------------------------------------------------------------


def test_demo_scenario_merge_conflict_and_attribution(client, auth, demo):
    auth.login("mexico@demo.test")
    assert demo.paragraph("8.a")["text"]["en"] == EIGHT_A
    open_round(auth, demo)

    # Mexico proposes new wording for 8.a during the round; Canada co-sponsors.
    mexico = EIGHT_A.replace("Decline the proposal", "Defer the decision on the proposal")
    filed = file(auth, demo, "mexico@demo.test", "8.a", mexico, rationale="More time needed.")
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["status"] == "submitted"
    mx_id = filed.get_json()["id"]
    # The United States rewrites the same words differently.
    usa = EIGHT_A.replace("Decline the proposal", "Accept the proposal")
    us_id = file(auth, demo, "usa@demo.test", "8.a", usa).get_json()["id"]

    auth.login("canada@demo.test")
    assert auth.post(f"/api/amendments/{mx_id}/co-sponsor").status_code == 200
    assert auth.post(f"/api/amendments/{mx_id}/co-sponsor").status_code == 200  # idempotent

    listed = {a["id"]: a for a in amendments(client, demo)}
    assert listed[mx_id]["delegation"] == "MX"
    assert listed[mx_id]["co_sponsors"] == ["CA"]
    assert listed[mx_id]["kind"] == "modify"
    assert listed[mx_id]["text"] == mexico
    assert listed[mx_id]["paragraph_id"] == demo.paragraph("8.a")["id"]

    # Back in committee review, El Salvador edits the same paragraph elsewhere.
    close_round(auth, demo)
    committee = EIGHT_A.replace("Joint Initiative", "Joint Regional Initiative")
    edit(auth, demo, "elsalvador@demo.test", "8.a", committee)

    accepted = decide(auth, mx_id, decision="accept", note="agreed in the committee")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted"
    merged = (
        "Defer the decision on the proposal for incorporating the RCM TS into the Steering "
        "Committee of the Joint Regional Initiative on the Health of Migrants and their "
        "Families (INCOSAMI)."
    )
    assert demo.paragraph("8.a")["text"]["en"] == merged

    # The competing amendment is kept, flagged for review, and conflicts as a three-way choice.
    us = {a["id"]: a for a in amendments(client, demo)}[us_id]
    assert us["status"] == "submitted" and us["needs_review"] is True
    conflict = decide(auth, us_id, decision="accept")
    assert conflict.status_code == 409
    body = conflict.get_json()
    assert body["base"] == EIGHT_A
    assert body["current"] == merged
    assert body["proposed"] == usa
    assert "error" in body
    assert demo.paragraph("8.a")["text"]["en"] == merged  # nothing changed
    page = client.get(f"/amendments/{us_id}/conflict")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Accept the proposal" in html and "Defer the decision" in html

    # Tracked changes since Rev.1: each run goes to the delegation that typed it.
    changes = client.get(f"/api/documents/{demo.id}/changes?from=Rev.1").get_json()
    assert changes["from"] == "Rev.1" and changes["to"] == "current"
    eight_a = next(p for p in changes["paragraphs"] if p["number"] == "8.a")
    ops = eight_a["ops"]
    assert "".join(t for op, t, _, *_ in ops if op != -1) == merged
    assert "".join(t for op, t, _, *_ in ops if op != 1) == EIGHT_A
    inserted = {
        author: "".join(t for op, t, a, *_ in ops if op == 1 and a == author)
        for author in {a for _, _, a, *_ in ops}
    }
    assert "fer the decision on" in inserted["MX"]
    assert "Regional" in inserted["SV"]
    assert "Regional" not in inserted["MX"] and "decision" not in inserted.get("SV", "")
    assert all(author == "MX" for op, _, author, *_ in ops if op == -1)
    assert all(author == "TS" for op, _, author, *_ in ops if op == 0)  # the imported text
    # The committee member who accepted is not the author of Mexico's words.
    assert "PA" not in {a for _, _, a, *_ in ops}


# --------------------------------------------------------------------------------------------
# Filing
# --------------------------------------------------------------------------------------------


def test_filing_needs_a_member_role_and_an_amending_state(client, auth, demo):
    response = file(auth, demo, "iom@demo.test", "8.a", "Observers cannot amend.")
    assert response.status_code == 403
    response = file(auth, demo, "secretariat@demo.test", "8.a", "Nor the secretariat.")
    assert response.status_code == 403
    # Committee members file during review too.
    response = file(auth, demo, "costarica@demo.test", "8.a", EIGHT_A + " Now.")
    assert response.status_code == 201
    open_round(auth, demo)
    transition(auth, demo, "close_round")
    auth.login("panama@demo.test")
    # Silence can not start with a pending amendment...
    start = auth.post(f"/api/documents/{demo.id}/transitions/start_silence", {"deadline": future()})
    assert start.status_code == 409
    assert any("pending" in r for r in start.get_json()["reasons"])


def test_filing_in_the_wrong_state_is_409(client, auth, demo, app):
    from drafting.extensions import db
    from drafting.models import Document

    with app.app_context():
        document = db.session.get(Document, demo.id)
        document.state = "silence_procedure"
        db.session.commit()
    response = file(auth, demo, "mexico@demo.test", "8.a", "Too late.")
    assert response.status_code == 409
    assert response.get_json()["reasons"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"kind": "rewrite"}, "kind"),
        ({"kind": "modify", "paragraph_id": "8.a"}, "paragraph_id"),
        ({"kind": "modify", "text": "x", "paragraph_id": 999999}, "not found"),
        ({"kind": "modify", "lang": "fr", "text": "Texte"}, "language"),
        ({"kind": "modify", "text": 12}, "text"),
        ({"kind": "modify"}, "text is required"),
        ({"kind": "modify", "text": "[unbalanced"}, "bracket open"),
        ({"kind": "modify", "text": EIGHT_A}, "same as the current"),
        ({"kind": "insert", "text": "New", "position": "before"}, "position"),
        ({"kind": "modify", "text": "x", "rationale": ["no"]}, "rationale"),
        ({"kind": "modify", "text": "x", "texts": "es"}, "texts"),
        ({"kind": "modify", "text": "x", "rationale": "  "}, "a rationale is required"),
        ({"kind": "delete", "text": "Some words"}, "a deletion takes no text"),
        ({"kind": "delete", "texts": {"es": "Palabras"}}, "a deletion takes no text"),
        ({"kind": "modify", "text": "x", "position": "child"}, "only a new paragraph"),
        ({"kind": "modify", "text": "x", "base_version": {"en": "1"}}, "base_version"),
    ],
)
def test_bad_amendments_are_refused_clearly(client, auth, demo, payload, message):
    auth.login("mexico@demo.test")
    body = {"paragraph_id": demo.paragraph("8.a")["id"], "lang": "en", "rationale": "Why."}
    response = auth.post(f"/api/documents/{demo.id}/amendments", {**body, **payload})
    expected = 404 if message == "not found" else 400
    assert response.status_code == expected, response.get_json()
    assert message in response.get_json()["error"]
    assert amendments(client, demo) == []


def test_amendment_in_two_languages_merges_both(client, auth, demo):
    auth.login("mexico@demo.test")
    spanish = demo.paragraph("8.a")["text"]["es"]
    english = EIGHT_A.replace("Decline", "Reject")
    response = file(
        auth,
        demo,
        "mexico@demo.test",
        "8.a",
        english,
        texts={"es": spanish + " (revisado)"},
        rationale="Both languages.",
    )
    assert response.status_code == 201, response.get_json()
    amendment = response.get_json()
    assert amendment["texts"] == {"en": english, "es": spanish + " (revisado)"}
    assert set(amendment["base_version"]) == {"en", "es"}
    assert decide(auth, amendment["id"], decision="accept").status_code == 200
    paragraph = demo.paragraph("8.a")
    assert paragraph["text"] == {"en": english, "es": spanish + " (revisado)"}
    assert paragraph["translation_pending"] == []


# --------------------------------------------------------------------------------------------
# Co-sponsors and withdrawal
# --------------------------------------------------------------------------------------------


def test_co_sponsoring_rules(client, auth, demo):
    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Soon.").get_json()["id"]
    own = auth.post(f"/api/amendments/{aid}/co-sponsor")
    assert own.status_code == 409
    auth.login("iom@demo.test")
    assert auth.post(f"/api/amendments/{aid}/co-sponsor").status_code == 403
    for who in ("canada@demo.test", "guatemala@demo.test"):
        auth.login(who)
        assert auth.post(f"/api/amendments/{aid}/co-sponsor").status_code == 200
    assert amendments(client, demo)[0]["co_sponsors"] == ["CA", "GT"]
    assert amendments(client, demo, delegation="MX")[0]["id"] == aid
    assert amendments(client, demo, delegation="CA") == []


def test_only_the_proposer_withdraws(client, auth, demo):
    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Soon.").get_json()["id"]
    auth.login("canada@demo.test")
    assert auth.post(f"/api/amendments/{aid}/withdraw").status_code == 403
    auth.login("mexico@demo.test")
    response = auth.post(f"/api/amendments/{aid}/withdraw")
    assert response.status_code == 200
    assert response.get_json()["status"] == "withdrawn"
    assert auth.post(f"/api/amendments/{aid}/withdraw").status_code == 409
    assert decide(auth, aid, decision="accept").status_code == 409
    assert amendments(client, demo, status="withdrawn")[0]["id"] == aid
    assert amendments(client, demo, status="submitted") == []


def test_listing_filters_and_bad_filters(client, auth, demo):
    first = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " A.").get_json()["id"]
    file(auth, demo, "canada@demo.test", "6.b", None, kind="delete")
    p8a = demo.paragraph("8.a")["id"]
    assert [a["id"] for a in amendments(client, demo, paragraph_id=p8a)] == [first]
    assert client.get(f"/api/documents/{demo.id}/amendments?status=nope").status_code == 400
    assert client.get(f"/api/documents/{demo.id}/amendments?paragraph_id=x").status_code == 400


# --------------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------------


def test_decisions_need_the_committee_in_review(client, auth, demo):
    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Soon.").get_json()["id"]
    assert decide(auth, aid, "canada@demo.test", decision="accept").status_code == 403
    assert decide(auth, aid, "secretariat@demo.test", decision="accept").status_code == 403
    open_round(auth, demo)
    response = decide(auth, aid, "elsalvador@demo.test", decision="accept")
    assert response.status_code == 409  # not during the round
    assert decide(auth, aid, decision="maybe").status_code == 409  # the round comes first


def test_bad_decisions_are_400(client, auth, demo):
    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Soon.").get_json()["id"]
    assert decide(auth, aid, decision="maybe").status_code == 400
    assert decide(auth, aid, decision="reject", text="x").status_code == 400
    assert decide(auth, aid, decision="accept", note=5).status_code == 400
    assert decide(auth, aid, decision="accept", text="[oops").status_code == 400
    assert amendments(client, demo)[0]["status"] == "submitted"


def test_reject_with_a_note(client, auth, demo):
    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Soon.").get_json()["id"]
    response = decide(auth, aid, decision="reject", note="out of scope")
    assert response.status_code == 200
    assert response.get_json()["status"] == "rejected"
    listed = amendments(client, demo)[0]
    assert listed["note"] == "out of scope" and listed["decided_by"] == "SV"
    assert demo.paragraph("8.a")["text"]["en"] == EIGHT_A


def test_accept_with_changes_resolves_a_conflict(client, auth, demo):
    proposed = EIGHT_A.replace("Decline", "Accept")
    aid = file(auth, demo, "mexico@demo.test", "8.a", proposed).get_json()["id"]
    edit(auth, demo, "elsalvador@demo.test", "8.a", EIGHT_A.replace("Decline", "Postpone"))
    assert decide(auth, aid, decision="accept").status_code == 409
    by_hand = EIGHT_A.replace("Decline", "Accept, after review,")
    response = decide(auth, aid, decision="accept", text=by_hand, note="merged by hand")
    assert response.status_code == 200
    assert response.get_json()["status"] == "merged"
    assert demo.paragraph("8.a")["text"]["en"] == by_hand
    ops = client.get(f"/api/documents/{demo.id}/changes?from=Draft").get_json()
    eight_a = next(p for p in ops["paragraphs"] if p["number"] == "8.a")["ops"]
    assert any(op == 1 and author == "MX" for op, _, author, *_ in eight_a)


def test_accepting_a_deletion_deletes_the_paragraph_and_its_children(client, auth, demo):
    auth.login("mexico@demo.test")
    children = [p for p in demo.document()["paragraphs"] if p["number"].startswith("6.b.")]
    assert children  # 6.b has sub-paragraphs
    six_b = demo.paragraph("6.b")
    aid = file(auth, demo, "mexico@demo.test", "6.b", None, kind="delete").get_json()["id"]
    other = file(auth, demo, "canada@demo.test", "6.b", six_b["text"]["en"] + " Also.")
    response = decide(auth, aid, decision="accept")
    assert response.status_code == 200, response.get_json()
    numbers = [p["number"] for p in demo.document()["paragraphs"]]
    assert not any(n.startswith("6.b.") for n in numbers)
    assert six_b["id"] not in [p["id"] for p in demo.document()["paragraphs"]]
    flagged = {a["id"]: a for a in amendments(client, demo)}[other.get_json()["id"]]
    assert flagged["needs_review"] is True and flagged["status"] == "submitted"
    changes = client.get(f"/api/documents/{demo.id}/changes?from=Draft").get_json()
    deleted = next(p for p in changes["paragraphs"] if p["id"] == six_b["id"])
    assert deleted["ops"] == [[-1, six_b["text"]["en"], "MX", None]]
    assert deleted["change"] == "deleted"


def test_accepting_an_insertion_adds_and_renumbers(client, auth, demo):
    auth.login("guatemala@demo.test")
    before = demo.paragraph("8.b")
    response = file(
        auth,
        demo,
        "guatemala@demo.test",
        "8.a",
        "To welcome the regional health initiative.",
        kind="insert",
        texts={"es": "Acoger la iniciativa regional de salud."},
    )
    assert response.status_code == 201, response.get_json()
    aid = response.get_json()["id"]
    child = file(
        auth, demo, "canada@demo.test", "8.a", "A new sub-item.", kind="insert", position="child"
    )
    assert decide(auth, aid, decision="accept").status_code == 200
    new = demo.paragraph("8.b")
    assert new["text"] == {
        "en": "To welcome the regional health initiative.",
        "es": "Acoger la iniciativa regional de salud.",
    }
    assert demo.paragraph("8.c")["id"] == before["id"]  # former 8.b renumbered
    assert decide(auth, child.get_json()["id"], decision="accept").status_code == 200
    assert demo.paragraph("8.a.i")["text"]["en"] == "A new sub-item."
    changes = client.get(f"/api/documents/{demo.id}/changes?from=Draft").get_json()
    inserted = next(p for p in changes["paragraphs"] if p["id"] == new["id"])
    assert inserted["ops"] == [[1, "To welcome the regional health initiative.", "GT", None]]
    assert inserted["change"] == "inserted"


def test_accepting_on_an_adopted_document_is_refused(client, auth, demo, app):
    from drafting.extensions import db
    from drafting.models import Document

    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Soon.").get_json()["id"]
    with app.app_context():
        document = db.session.get(Document, demo.id)
        document.state = "adopted"
        db.session.commit()
    assert decide(auth, aid, decision="accept").status_code == 409
    assert decide(auth, aid, "panama@demo.test", decision="reject").status_code == 409


def test_every_step_is_audited(client, auth, demo):
    aid = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Soon.").get_json()["id"]
    auth.login("canada@demo.test")
    auth.post(f"/api/amendments/{aid}/co-sponsor")
    decide(auth, aid, decision="accept")
    actions = [e["action"] for e in client.get(f"/api/documents/{demo.id}/audit").get_json()]
    assert {"amendment_filed", "amendment_co_sponsored", "amendment_decided"} <= set(actions)


def test_amendment_events_reach_the_room(app, client, auth, demo):
    from drafting.extensions import socketio

    auth.login("canada@demo.test")
    watcher = socketio.test_client(app, flask_test_client=client)
    watcher.emit("join", {"document_id": demo.id})
    watcher.get_received()
    file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Soon.")
    events = [e for e in watcher.get_received() if e["name"] == "amendment"]
    assert events and events[-1]["args"][0]["delegation"] == "MX"
    watcher.disconnect()


def test_a_wording_taken_from_another_paragraph_is_refused(client, auth, demo):
    """The form says which paragraph its pre-filled wording came from; filing it against
    another paragraph is a 409 that names both, and nothing is stored."""
    auth.login("mexico@demo.test")
    one_a, two_a = demo.paragraph("8.a"), demo.paragraph("8.b")
    body = {
        "kind": "modify",
        "paragraph_id": two_a["id"],
        "lang": "en",
        "text": one_a["text"]["en"] + " Changed.",
        "rationale": "Why.",
        "base_paragraph_id": one_a["id"],
    }
    response = auth.post(f"/api/documents/{demo.id}/amendments", body)
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["reason_codes"][0]["code"] == "base_elsewhere"
    assert "taken from paragraph 8.a, not 8.b" in response.get_json()["error"]
    unknown = {**body, "base_paragraph_id": two_a["id"], "base_version": {"en": 99}}
    refused = auth.post(f"/api/documents/{demo.id}/amendments", unknown)
    assert refused.status_code == 409
    assert "8.b has no English version 99" in refused.get_json()["error"]
    assert amendments(client, demo) == []
    good = {**body, "base_paragraph_id": two_a["id"], "base_version": two_a["version"]}
    filed = auth.post(f"/api/documents/{demo.id}/amendments", good)
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["base_version"] == {"en": two_a["version"]["en"]}


def test_rationale_is_a_process_setting_on_by_default(client, auth, demo):
    auth.login("secretariat@demo.test")
    document = auth.get(f"/api/documents/{demo.id}").get_json()
    process = auth.get(f"/api/processes/{document['process_id']}").get_json()
    assert process["rationale_required"] is True
    body = {"kind": "modify", "paragraph_id": demo.paragraph("8.a")["id"], "text": "New words."}
    auth.login("mexico@demo.test")
    refused = auth.post(f"/api/documents/{demo.id}/amendments", body)
    assert refused.status_code == 400 and "rationale" in refused.get_json()["error"]
    auth.login("secretariat@demo.test")
    changed = client.patch(
        f"/api/processes/{document['process_id']}",
        json={"rationale_required": False},
        headers=auth.headers(),
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["rationale_required"] is False
    auth.login("mexico@demo.test")
    assert auth.post(f"/api/documents/{demo.id}/amendments", body).status_code == 201
