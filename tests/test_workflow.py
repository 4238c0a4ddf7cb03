"""The workflow over HTTP: online rounds, silence, adoption, in-session reading, refusals."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from drafting import clock

GMT_6 = timezone(timedelta(hours=-6))


def deadline_in(**delta) -> str:
    return (clock.now() + timedelta(**delta)).astimezone(GMT_6).isoformat(timespec="seconds")


def transition(auth, demo, name, **body):
    return auth.post(f"/api/documents/{demo.id}/transitions/{name}", body)


def state(auth, demo) -> str:
    return auth.get(f"/api/documents/{demo.id}").get_json()["state"]


def options(auth, demo) -> dict:
    return {t["name"]: t for t in auth.get(f"/api/documents/{demo.id}/transitions").get_json()}


def audit_actions(auth, demo) -> list[tuple]:
    return [
        (e["action"], e["details"].get("transition"), e["from"], e["to"], e["delegation"])
        for e in auth.get(f"/api/documents/{demo.id}/audit").get_json()
    ]


def edit(auth, demo, number, text, lang="en"):
    paragraph = demo.paragraph(number)
    return auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions",
        {"lang": lang, "text": text, "base_version": paragraph["version"][lang]},
    )


def as_user(auth, email):
    auth.logout() if auth.csrf else None
    auth.login(email)
    return auth


def test_transitions_list_says_who_may_do_what(auth, demo):
    as_user(auth, "panama@demo.test")
    listed = options(auth, demo)
    assert set(listed) == {
        "submit",
        "open_round",
        "close_round",
        "start_silence",
        "break_silence",
        "adopt",
    }
    assert listed["open_round"]["allowed"] is True
    assert listed["start_silence"]["allowed"] is True
    assert listed["adopt"]["allowed"] is False
    assert listed["adopt"]["reasons"]
    as_user(auth, "iom@demo.test")
    observer = options(auth, demo)
    assert observer["break_silence"]["allowed"] is False
    assert "observer" in observer["break_silence"]["reasons"][0]


def test_open_round_needs_a_future_deadline_with_offset(auth, demo):
    as_user(auth, "secretariat@demo.test")
    for bad in [None, "tomorrow", "2026-12-01T17:00:00", "2020-01-01T17:00:00-06:00"]:
        response = transition(auth, demo, "open_round", deadline=bad)
        assert response.status_code == 400, bad
        assert "error" in response.get_json()
    assert state(auth, demo) == "committee_review"
    assert auth.get(f"/api/documents/{demo.id}").get_json()["revision"] == "Draft"


def test_role_never_allowed_is_403_and_wrong_state_is_409(auth, demo):
    as_user(auth, "mexico@demo.test")
    response = transition(auth, demo, "open_round", deadline=deadline_in(days=2))
    assert response.status_code == 403
    assert response.get_json()["reasons"]
    as_user(auth, "panama@demo.test")
    response = transition(auth, demo, "adopt")
    assert response.status_code == 409
    assert "silence procedure" in response.get_json()["reasons"][0]
    response = transition(auth, demo, "start_reading")
    assert response.status_code == 404
    assert state(auth, demo) == "committee_review"


def test_start_silence_lists_what_blocks_it_paragraph_by_paragraph(auth, demo):
    as_user(auth, "elsalvador@demo.test")
    bracketed = "[Encourage] States to [establish] a drafting committee."
    assert edit(auth, demo, "6.b", bracketed).status_code == 201
    changed = "The PPT's strategic document would contain a proposal."
    assert edit(auth, demo, "13.c", changed).status_code == 201
    as_user(auth, "panama@demo.test")
    response = transition(auth, demo, "start_silence", deadline=deadline_in(days=3))
    assert response.status_code == 409
    reasons = response.get_json()["reasons"]
    assert "paragraph 6.b is bracketed" in reasons
    assert "Spanish text of 13.c is older than the English" in reasons
    assert "Spanish text of 6.b is older than the English" in reasons
    assert state(auth, demo) == "committee_review"
    listed = options(auth, demo)["start_silence"]
    assert listed["allowed"] is False and "paragraph 6.b is bracketed" in listed["reasons"]


def test_round_closes_by_itself_at_its_deadline(auth, demo, runner):
    as_user(auth, "secretariat@demo.test")
    response = transition(auth, demo, "open_round", deadline=deadline_in(hours=5))
    assert response.status_code == 200 and response.get_json() == {"state": "online_round"}
    assert auth.get(f"/api/documents/{demo.id}").get_json()["revision"] == "Rev.1"
    result = runner.invoke(args=["deadlines"])
    assert "no deadline due" in result.output
    assert state(auth, demo) == "online_round"
    clock.shift(5 * 3600 + 1)
    result = runner.invoke(args=["deadlines"])
    assert "round_closed" in result.output
    assert state(auth, demo) == "committee_review"
    again = runner.invoke(args=["deadlines"])
    assert "no deadline due" in again.output  # acted on exactly once
    closing = audit_actions(auth, demo)[-1]
    assert closing[1] == "close_round" and closing[4] is None  # by the system, not a person
    entries = auth.get(f"/api/documents/{demo.id}/audit").get_json()
    assert entries[-1]["reason"] == "deadline passed"


def test_text_is_frozen_during_a_round(auth, demo):
    as_user(auth, "secretariat@demo.test")
    transition(auth, demo, "open_round", deadline=deadline_in(days=1))
    as_user(auth, "elsalvador@demo.test")
    response = edit(auth, demo, "3", "Changed during the round")
    assert response.status_code == 409
    assert demo.paragraph("3")["version"]["en"] == 1


def test_break_silence_needs_a_member_delegate_and_a_reason(auth, demo):
    as_user(auth, "panama@demo.test")
    assert transition(auth, demo, "start_silence", deadline=deadline_in(days=2)).status_code == 200
    as_user(auth, "iom@demo.test")
    assert transition(auth, demo, "break_silence", reason="We object").status_code == 403
    as_user(auth, "secretariat@demo.test")
    assert transition(auth, demo, "break_silence", reason="We object").status_code == 403
    as_user(auth, "mexico@demo.test")
    assert transition(auth, demo, "break_silence").status_code == 400
    assert state(auth, demo) == "silence_procedure"
    response = transition(auth, demo, "break_silence", reason="Paragraph 8 needs another look")
    assert response.status_code == 200
    assert state(auth, demo) == "committee_review"
    last = auth.get(f"/api/documents/{demo.id}/audit").get_json()[-1]
    assert last["delegation"] == "MX" and last["reason"] == "Paragraph 8 needs another look"


def test_silence_cannot_be_broken_after_its_deadline(auth, demo, runner):
    as_user(auth, "panama@demo.test")
    transition(auth, demo, "start_silence", deadline=deadline_in(hours=2))
    clock.shift(2 * 3600 + 5)
    as_user(auth, "mexico@demo.test")
    response = transition(auth, demo, "break_silence", reason="Too late")
    assert response.status_code == 409
    assert "ended unbroken" in response.get_json()["reasons"][0]


def test_adopted_text_can_never_change(auth, demo, app):
    as_user(auth, "panama@demo.test")
    transition(auth, demo, "start_silence", deadline=deadline_in(hours=1))
    assert transition(auth, demo, "adopt").status_code == 409
    clock.shift(3601)
    assert transition(auth, demo, "adopt").status_code == 200
    document = auth.get(f"/api/documents/{demo.id}").get_json()
    assert document["state"] == "adopted" and document["revision"] == "Final"
    assert len(document["sha256"]) == 64
    as_user(auth, "elsalvador@demo.test")
    assert edit(auth, demo, "3", "Rewritten after adoption").status_code == 409
    paragraph = demo.paragraph("3")
    status = auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/status", {"status": "agreed"}
    )
    assert status.status_code == 403  # the committee never sets the status
    as_user(auth, "panama@demo.test")
    assert transition(auth, demo, "break_silence", reason="x").status_code == 403
    assert transition(auth, demo, "adopt").status_code == 409
    # the model layer itself refuses, whoever calls it
    from drafting.extensions import db
    from drafting.models import FrozenDocument, Paragraph
    from drafting.services import paragraphs

    with app.app_context():
        from drafting.models import Document

        row = db.session.get(Document, demo.id)
        p = db.session.get(Paragraph, paragraph["id"])
        with pytest.raises(FrozenDocument):
            paragraphs.store_version(row, p, None, "en", "Sneaky change")
        db.session.rollback()
        with pytest.raises(FrozenDocument):
            row.title = "Another title"
            db.session.flush()
        db.session.rollback()
    # published: readable without login, same hash
    auth.logout()
    public = auth.get(f"/api/documents/{demo.id}")
    assert public.status_code == 200
    assert public.get_json()["sha256"] == document["sha256"]
    assert auth.client.get(f"/documents/{demo.id}").status_code == 200


def import_in_session(auth, fixture_text) -> int:
    as_user(auth, "secretariat@demo.test")
    process_id = auth.get("/api/processes").get_json()[0]["id"]
    response = auth.client.post(
        "/api/documents/import",
        data={
            "file": (io.BytesIO(fixture_text.encode()), "c.txt"),
            "title": "In session",
            "kind": "conclusions",
            "process_id": str(process_id),
            "workflow": "in_session",
        },
        headers=auth.headers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    return response.get_json()["id"]


def test_in_session_path(auth, demo, fixture_text):
    doc = import_in_session(auth, fixture_text)
    base = f"/api/documents/{doc}"
    assert auth.post(f"{base}/transitions/start_reading").status_code == 409
    assert auth.post(f"{base}/transitions/submit").get_json() == {"state": "committee_review"}
    as_user(auth, "panama@demo.test")
    assert auth.post(f"{base}/transitions/start_reading").get_json() == {"state": "plenary_reading"}
    paragraphs = auth.get(base).get_json()["paragraphs"]
    refused = auth.post(f"{base}/transitions/adopt")
    assert refused.status_code == 409
    assert f"paragraph {paragraphs[0]['number']} is not agreed yet" in refused.get_json()["reasons"]
    as_user(auth, "elsalvador@demo.test")
    first = auth.post(f"{base}/paragraphs/{paragraphs[0]['id']}/status", {"status": "agreed"})
    assert first.status_code == 403  # only the chair marks paragraphs agreed
    as_user(auth, "panama@demo.test")
    for paragraph in paragraphs:
        response = auth.post(f"{base}/paragraphs/{paragraph['id']}/status", {"status": "agreed"})
        assert response.status_code == 200 and response.get_json() == {"status": "agreed"}
    assert (
        auth.post(
            f"{base}/paragraphs/{paragraphs[0]['id']}/status", {"status": "bogus"}
        ).status_code
        == 400
    )
    adopted = auth.post(f"{base}/transitions/adopt")
    assert adopted.status_code == 200, adopted.get_json()
    document = auth.get(base).get_json()
    assert document["state"] == "adopted" and document["sha256"]
    transitions = [e["details"].get("transition") for e in auth.get(f"{base}/audit").get_json()]
    assert [t for t in transitions if t] == ["submit", "start_reading", "adopt"]
    statuses = [e for e in auth.get(f"{base}/audit").get_json() if e["action"] == "status"]
    assert len(statuses) == len(paragraphs)


def test_web_buttons_take_transitions(client, auth, demo):
    import re

    auth.login("secretariat@demo.test")
    page = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert 'data-transition="open_round"' in page
    due = (datetime.now(UTC) + timedelta(days=3)).astimezone(GMT_6).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/documents/{demo.id}/transitions/open_round",
        data={"csrf_token": token, "deadline": due, "timezone": "America/Costa_Rica"},
    )
    assert response.status_code == 302
    page = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert "online round" in page
    # Shown in the reader's time zone (here the process's, America/Panama), with its offset.
    assert 'class="deadline"' in page and "America/Panama (UTC-05:00)" in page


def test_page_shows_countdown_then_awaiting_adoption(client, auth, demo):
    auth.login("panama@demo.test")
    transition(auth, demo, "start_silence", deadline=deadline_in(hours=3, minutes=12))
    page = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert "Silence procedure ends" in page and 'class="countdown"' in page
    clock.shift(3 * 3600 + 12 * 60 + 1)
    page = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert "awaiting adoption by the PPT" in page
    assert 'data-transition="adopt"' in page


def test_round_countdown_names_the_round(client, auth, demo):
    auth.login("secretariat@demo.test")
    transition(auth, demo, "open_round", deadline=deadline_in(hours=3, minutes=12))
    page = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert "Round 1 closes" in page


def test_online_rounds_whole_path(auth, demo, runner):
    """Secretariat opens a round, a delegate files an amendment, the round closes at its
    deadline, the committee decides, silence starts, is broken, starts again, passes, and
    the PPT adopts; every refused step in between changes nothing."""
    as_user(auth, "secretariat@demo.test")
    assert transition(auth, demo, "open_round", deadline=deadline_in(days=7)).status_code == 200
    as_user(auth, "mexico@demo.test")
    target = demo.paragraph("8.a")
    filed = auth.post(
        f"/api/documents/{demo.id}/amendments",
        {
            "kind": "modify",
            "paragraph_id": target["id"],
            "lang": "en",
            "text": target["text"]["en"].replace("Decline", "Respectfully decline"),
            "rationale": "Courtesy towards the Joint Initiative",
        },
    )
    assert filed.status_code == 201 and filed.get_json()["status"] == "submitted"
    assert transition(auth, demo, "close_round").status_code == 403
    clock.shift(7 * 86400 + 1)
    assert "round_closed" in runner.invoke(args=["deadlines"]).output
    as_user(auth, "panama@demo.test")
    assert state(auth, demo) == "committee_review"
    blocked = transition(auth, demo, "start_silence", deadline=deadline_in(days=2))
    assert blocked.status_code == 409
    assert "1 amendment is pending" in blocked.get_json()["reasons"]
    as_user(auth, "elsalvador@demo.test")
    decided = auth.post(
        f"/api/amendments/{filed.get_json()['id']}/decision",
        {"decision": "accept", "note": "agreed in committee"},
    )
    assert decided.status_code == 200 and decided.get_json()["status"] == "accepted"
    # the accepted wording changed only English: Spanish must follow before silence
    as_user(auth, "panama@demo.test")
    blocked = transition(auth, demo, "start_silence", deadline=deadline_in(days=2))
    assert "Spanish text of 8.a is older than the English" in blocked.get_json()["reasons"]
    as_user(auth, "costarica@demo.test")
    spanish = demo.paragraph("8.a")["text"]["es"].replace("Declinar", "Declinar respetuosamente")
    assert edit(auth, demo, "8.a", spanish, lang="es").status_code == 201
    as_user(auth, "panama@demo.test")
    assert transition(auth, demo, "start_silence", deadline=deadline_in(days=2)).status_code == 200
    as_user(auth, "guatemala@demo.test")
    broken = transition(auth, demo, "break_silence", reason="Paragraph 16 dates must be checked")
    assert broken.status_code == 200
    as_user(auth, "panama@demo.test")
    assert transition(auth, demo, "start_silence", deadline=deadline_in(days=2)).status_code == 200
    assert transition(auth, demo, "adopt").status_code == 409
    clock.shift(2 * 86400 + 1)
    assert "silence_unbroken" in runner.invoke(args=["deadlines"]).output
    adopted = transition(auth, demo, "adopt")
    assert adopted.status_code == 200 and adopted.get_json() == {"state": "adopted"}
    document = auth.get(f"/api/documents/{demo.id}").get_json()
    assert document["revision"] == "Final" and len(document["sha256"]) == 64
    assert demo.paragraph("8.a")["text"]["en"].startswith("Respectfully decline")
    steps = [
        (a, t, f, to, d)
        for a, t, f, to, d in audit_actions(auth, demo)
        if a in ("transition", "silence_unbroken") or a.startswith("amendment")
    ]
    transitions_taken = [(t, d) for a, t, f, to, d in steps if a == "transition"]
    assert transitions_taken == [
        ("submit", "TS"),
        ("open_round", "TS"),
        ("close_round", None),
        ("start_silence", "PA"),
        ("break_silence", "GT"),
        ("start_silence", "PA"),
        ("adopt", "PA"),
    ]
    actions = [a for a, *_ in audit_actions(auth, demo)]
    assert "silence_unbroken" in actions
    assert any(a.startswith("amendment") for a in actions)


def test_start_silence_asks_each_condition_once_per_attempt(auth, demo, monkeypatch):
    from drafting.services.workflow import DocumentChecks

    asked: dict[str, int] = {}
    for name in ("no_pending_amendments", "no_brackets", "languages_in_step"):
        original = getattr(DocumentChecks, name)

        def counted(self, _original=original, _name=name):
            asked[_name] = asked.get(_name, 0) + 1
            return _original(self)

        monkeypatch.setattr(DocumentChecks, name, counted)
    as_user(auth, "panama@demo.test")
    response = transition(auth, demo, "start_silence", deadline=deadline_in(days=3))
    assert response.status_code == 200
    assert asked == {"no_pending_amendments": 1, "no_brackets": 1, "languages_in_step": 1}
    assert state(auth, demo) == "silence_procedure"
