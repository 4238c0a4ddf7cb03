"""What produced each revision (SPEC §12): GET /revisions, no Rev.N for an unchanged text,
and the Changes page answering "what changed since Rev.1 and why"."""

from __future__ import annotations

from support.amendments import (
    EIGHT_A,
    close_round,
    decide,
    edit,
    file,
    future,
    open_round,
    transition,
)


def revisions(auth, demo) -> list[dict]:
    response = auth.get(f"/api/documents/{demo.id}/revisions")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_each_revision_says_what_produced_it(auth, demo):
    accepted = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Now.").get_json()["id"]
    rejected = file(auth, demo, "canada@demo.test", "3", "To thank UNHCR.").get_json()["id"]
    assert decide(auth, accepted, decision="accept").status_code == 200
    assert decide(auth, rejected, decision="reject", note="Not now.").status_code == 200
    edit(auth, demo, "costarica@demo.test", "2", "A shorter second paragraph.")
    transition(auth, demo, "open_round", "panama@demo.test", deadline=future(),
               reason="Round 1 on the consolidated text.")  # fmt: skip

    listed = revisions(auth, demo)
    assert [r["label"] for r in listed] == ["Draft", "Rev.1"]
    draft, rev1 = listed
    assert draft["produced_by"]["transition"] == "import"
    why = rev1["produced_by"]
    assert rev1["by"] == "PA"
    assert why["transition"] == "open_round"
    assert why["amendments_accepted"] == [accepted]
    assert why["amendments_rejected"] == [rejected]
    assert why["edits_by"] == {"CR": {"versions": 1, "paragraphs": ["2"]}}
    assert why["note"] == "Round 1 on the consolidated text."
    assert len(rev1["sha256"]) == 64
    assert set(rev1) >= {"label", "created_at", "by", "produced_by", "sha256"}


def test_no_new_revision_when_nothing_changed_since_the_last_one(auth, demo):
    open_round(auth, demo)
    close_round(auth, demo)
    # Unchanged since Rev.1: silence starts on Rev.1, the symbol delegations cite.
    transition(auth, demo, "start_silence", "panama@demo.test", deadline=future())
    assert [r["label"] for r in revisions(auth, demo)] == ["Draft", "Rev.1"]
    assert auth.get(f"/api/documents/{demo.id}").get_json()["revision"] == "Rev.1"
    audit = auth.get(f"/api/documents/{demo.id}/audit").get_json()
    step = [e for e in audit if e.get("details", {}).get("transition") == "start_silence"]
    assert step and step[-1]["details"]["revision_unchanged"] == "Rev.1"


def test_a_changed_text_makes_the_next_revision_with_its_edits(auth, demo):
    open_round(auth, demo)
    close_round(auth, demo)
    edit(auth, demo, "elsalvador@demo.test", "3", "To thank UNHCR warmly.")
    transition(auth, demo, "open_round", deadline=future())
    listed = revisions(auth, demo)
    assert [r["label"] for r in listed] == ["Draft", "Rev.1", "Rev.2"]
    assert listed[2]["produced_by"]["edits_by"] == {"SV": {"versions": 1, "paragraphs": ["3"]}}
    assert listed[2]["produced_by"]["amendments_accepted"] == []


def test_revisions_are_the_participants_record(client, demo):
    assert client.get(f"/api/documents/{demo.id}/revisions").status_code == 404
    assert client.get("/api/documents/999999/revisions").status_code == 404


def test_the_changes_page_tells_what_changed_since_rev1_and_why(auth, demo):
    open_round(auth, demo)
    amendment = file(auth, demo, "mexico@demo.test", "8.a", EIGHT_A + " Now.").get_json()["id"]
    close_round(auth, demo)
    assert decide(auth, amendment, decision="accept").status_code == 200
    edit(auth, demo, "costarica@demo.test", "2", "A shorter second paragraph.")
    transition(auth, demo, "open_round", "panama@demo.test", deadline=future(),
               reason="Second round.")  # fmt: skip
    close_round(auth, demo)
    edit(auth, demo, "elsalvador@demo.test", "3", "To thank UNHCR warmly.")

    page = auth.get(f"/documents/{demo.id}/changes?from=Rev.1&to=current").get_data(as_text=True)
    assert 'data-revision="Rev.2"' in page
    assert f"#{amendment}</a> (MX)" in page
    assert "Second round." in page
    assert "Costa Rica" in page
    assert 'data-revision="current"' in page  # El Salvador's edit, not circulated yet
    assert "El Salvador" in page


def test_a_rewritten_provenance_breaks_the_chain(app, auth, demo):
    from support.integrity import tamper

    from drafting.extensions import db
    from drafting.models import Document
    from drafting.services import audit

    transition(auth, demo, "open_round", "panama@demo.test", deadline=future(), reason="Why.")
    tamper(
        app,
        "UPDATE revision SET produced_by = :value WHERE label = 'Rev.1'",
        value='{"transition": "open_round", "note": "Another why."}',
    )
    with app.app_context():
        problems = audit.verify(db.session.get(Document, demo.id))
    assert any("revision" in problem for problem in problems), problems
