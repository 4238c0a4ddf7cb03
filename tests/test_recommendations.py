"""The committee's recommendation before the decision, rival amendments and compromises
(SPEC §12): the rules through the JSON API."""

from __future__ import annotations

from support.amendments import EIGHT_A, amendments, decide, file


def recommend(auth, amendment_id: int, who: str = "elsalvador@demo.test", **payload):
    auth.login(who)
    return auth.post(f"/api/amendments/{amendment_id}/recommendation", payload)


def filed(auth, demo, who: str, number: str, text: str, **extra) -> int:
    response = file(auth, demo, who, number, text, **extra)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_the_committee_recommends_and_the_proposer_sees_it(auth, demo):
    amendment = filed(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Now.")
    answer = recommend(auth, amendment, recommendation="accept_with_changes",
                       text=EIGHT_A + " Soon.", note="Softer.")  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    auth.login("mexico@demo.test")
    seen = auth.get(f"/api/amendments/{amendment}").get_json()
    assert seen["recommendation"] == "accept_with_changes"
    assert seen["recommendation_text"] == EIGHT_A + " Soon."
    assert seen["recommendation_note"] == "Softer."
    assert seen["recommended_by"] == "SV"
    assert seen["status"] == "submitted"  # advice decides nothing
    audit = auth.get(f"/api/documents/{demo.id}/audit").get_json()
    assert audit[-1]["action"] == "amendment_recommended"
    cleared = recommend(auth, amendment, recommendation=None)
    assert cleared.get_json()["recommendation"] is None


def test_bad_recommendations_are_refused_and_change_nothing(auth, demo):
    amendment = filed(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Now.")
    for payload in (
        {"recommendation": "maybe"},
        {"recommendation": 3},
        {"recommendation": "accept_with_changes"},
        {"recommendation": "accept", "text": "wording"},
        {"recommendation": "reject", "note": 5},
        {"recommendation": "accept_with_changes", "text": "[unbalanced"},
        {"note": "a note alone"},
        {},
    ):
        answer = recommend(auth, amendment, **payload)
        assert answer.status_code == 400, payload
        assert "error" in answer.get_json()
    assert (
        recommend(auth, amendment, "mexico@demo.test", recommendation="accept").status_code == 403
    )
    assert recommend(auth, amendment, "iom@demo.test", recommendation="accept").status_code == 403
    assert recommend(auth, 999999, recommendation="accept").status_code == 404
    auth.login("elsalvador@demo.test")
    assert auth.get(f"/api/amendments/{amendment}").get_json()["recommendation"] is None
    assert decide(auth, amendment, decision="reject").status_code == 200
    late = recommend(auth, amendment, recommendation="accept")
    assert late.status_code == 409


def test_rivals_on_one_paragraph_are_shown_as_competing(auth, demo, client):
    first = filed(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Now.")
    second = filed(auth, demo, "canada@demo.test", "8.a", EIGHT_A + " Later.")
    alone = filed(auth, demo, "usa@demo.test", "3", "To thank UNHCR.")
    listed = {a["id"]: a for a in amendments(client, demo)}
    assert listed[first]["rivals"] == [second]
    assert listed[second]["rivals"] == [first]
    assert listed[alone]["rivals"] == []
    page = client.get(f"/documents/{demo.id}/amendments").get_data(as_text=True)
    assert 'class="rivals"' in page


def test_accepting_a_compromise_supersedes_the_rivals_it_replaces(auth, demo, client):
    first = filed(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Now.")
    second = filed(auth, demo, "canada@demo.test", "8.a", EIGHT_A + " Later.")
    compromise = filed(auth, demo, "elsalvador@demo.test", "8.a", EIGHT_A + " In time.",
                       replaces=[first, second])  # fmt: skip
    listed = {a["id"]: a for a in amendments(client, demo)}
    assert listed[compromise]["replaces"] == [first, second]
    assert listed[first]["replaced_by"] == compromise
    assert decide(auth, compromise, decision="accept").status_code == 200
    listed = {a["id"]: a for a in amendments(client, demo)}
    assert listed[compromise]["status"] == "accepted"
    assert listed[first]["status"] == listed[second]["status"] == "superseded"
    assert demo.paragraph("8.a")["text"]["en"] == EIGHT_A + " In time."
    audit = auth.get(f"/api/documents/{demo.id}/audit").get_json()
    settled = [e["details"] for e in audit if e["details"].get("decision") == "superseded"]
    assert [d["amendment_id"] for d in settled] == [first, second]
    assert {d["superseded_by"] for d in settled} == {compromise}


def test_a_compromise_replaces_only_pending_rivals_on_its_paragraph(auth, demo, client):
    rival = filed(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Now.")
    elsewhere = filed(auth, demo, "canada@demo.test", "3", "To thank UNHCR.")
    before = amendments(client, demo)
    for replaces in ([elsewhere], [999999], "1", [True], [rival, "x"]):
        answer = file(auth, demo, "elsalvador@demo.test", "8.a", EIGHT_A + " X.",
                      replaces=replaces)  # fmt: skip
        assert answer.status_code == 400, replaces
    insert = file(auth, demo, "elsalvador@demo.test", "8.a", "New.", kind="insert",
                  replaces=[rival])  # fmt: skip
    assert insert.status_code == 400
    assert decide(auth, rival, decision="reject").status_code == 200
    decided = file(auth, demo, "elsalvador@demo.test", "8.a", EIGHT_A + " X.", replaces=[rival])
    assert decided.status_code == 400
    assert len(amendments(client, demo)) == len(before)  # nothing half-filed
