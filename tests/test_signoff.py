"""Head of delegation sign-off (issue 20, item 3): with the process setting on, a member's
amendment, reservation or break of silence is held until the head signs it off, and counts
from the time of signing; the head's own filings need none; every sign-off is audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from support.amendments import future, transition

from drafting import clock
from drafting.extensions import db
from drafting.models import Amendment, AuditEntry, PendingFiling, Reservation, User

TS, PPT, HEAD, MEMBER = (
    "secretariat@demo.test",
    "panama@demo.test",
    "mexico@demo.test",
    "mexico2@demo.test",
)


def set_up(auth, demo, *, on: bool = True) -> None:
    auth.login(TS)
    assert (
        auth.client.patch(
            "/api/processes/1", json={"head_signoff": on}, headers=auth.headers()
        ).status_code
        == 200
    )
    response = auth.post(
        "/api/processes/1/participants",
        {
            "email": MEMBER,
            "name": "Second Mexican delegate",
            "delegation": "MX",
            "role": "delegate",
        },
    )
    assert response.status_code == 201, response.get_json()
    head = demo.user(HEAD).id
    assert (
        auth.client.patch(
            f"/api/processes/1/participants/{head}", json={"head": True}, headers=auth.headers()
        ).status_code
        == 200
    )
    with demo.app.app_context():
        member = db.session.scalar(select(User).where(User.email == MEMBER))
        member.set_password("demo-password")
        db.session.commit()


def count(demo, model) -> int:
    with demo.app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def amend(auth, demo, who):
    auth.login(who)
    pid = demo.paragraph("8.a")["id"]
    return auth.post(
        f"/api/documents/{demo.id}/amendments",
        {
            "kind": "modify",
            "paragraph_id": pid,
            "lang": "en",
            "text": "Accept the proposal.",
            "rationale": "Agreed in capital.",
        },
    )


def test_a_members_amendment_counts_once_the_head_signs_it_off(auth, demo):
    set_up(auth, demo)
    before = count(demo, Amendment)
    response = amend(auth, demo, MEMBER)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "awaiting_signoff"
    assert count(demo, Amendment) == before  # not yet an amendment
    auth.login(MEMBER)
    assert auth.get(f"/api/documents/{demo.id}/signoffs").get_json() == []  # for the head
    auth.login(HEAD)
    listed = auth.get(f"/api/documents/{demo.id}/signoffs").get_json()
    assert [f["kind"] for f in listed] == ["amendment"]
    signed = auth.post(f"/api/signoffs/{listed[0]['id']}")
    assert signed.status_code == 201, signed.get_json()
    assert count(demo, Amendment) == before + 1
    with demo.app.app_context():
        amendment = db.session.get(Amendment, signed.get_json()["result_id"])
        assert amendment.author.email == MEMBER and amendment.delegation.code == "MX"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "signed_off"))
        assert entry.user.email == HEAD and entry.details["kind"] == "amendment"
    assert auth.post(f"/api/signoffs/{listed[0]['id']}").status_code == 409  # once


def test_the_heads_own_filings_and_a_process_without_the_setting_need_none(auth, demo):
    set_up(auth, demo, on=False)
    assert amend(auth, demo, MEMBER).status_code == 201
    auth.login(TS)
    auth.client.patch("/api/processes/1", json={"head_signoff": True}, headers=auth.headers())
    assert amend(auth, demo, HEAD).status_code == 201
    assert count(demo, PendingFiling) == 0


def test_only_the_head_of_that_delegation_signs_off(auth, demo):
    set_up(auth, demo)
    auth.login(MEMBER)
    pid = demo.paragraph("8.a")["id"]
    response = auth.post(
        f"/api/documents/{demo.id}/reservations",
        {"kind": "reservation", "text": "We reserve.", "paragraph_id": pid},
    )
    assert response.status_code == 202
    filing = response.get_json()["id"]
    for who in (MEMBER, PPT, TS, "guatemala@demo.test", "iom@demo.test"):
        auth.login(who)
        assert auth.post(f"/api/signoffs/{filing}").status_code == 403, who
    assert count(demo, Reservation) == 0
    auth.login(HEAD)
    assert auth.post("/api/signoffs/99999").status_code == 404
    assert auth.post(f"/api/signoffs/{filing}").status_code == 201
    assert count(demo, Reservation) == 1


def test_bad_filings_are_refused_before_they_are_held(auth, demo):
    set_up(auth, demo)
    auth.login(MEMBER)
    before = count(demo, PendingFiling)
    pid = demo.paragraph("8.a")["id"]
    for body in (
        {"kind": "modify", "paragraph_id": pid},
        {"kind": "nonsense", "paragraph_id": pid},
    ):
        response = auth.post(f"/api/documents/{demo.id}/amendments", body)
        assert response.status_code == 400, body
        assert "error" in response.get_json()
    response = auth.post(f"/api/documents/{demo.id}/reservations", {"text": ""})
    assert response.status_code == 400
    response = auth.post(f"/api/documents/{demo.id}/transitions/break_silence", {"reason": "No"})
    assert response.status_code == 409  # no silence procedure under way
    auth.login("iom@demo.test")  # observers never file
    assert auth.post(f"/api/documents/{demo.id}/reservations", {"text": "x"}).status_code == 403
    assert count(demo, PendingFiling) == before


def test_the_silence_deadline_sees_the_time_of_signing(auth, demo):
    set_up(auth, demo)
    transition(auth, demo, "start_silence", who=PPT, deadline=future())
    auth.login(MEMBER)
    held = auth.post(
        f"/api/documents/{demo.id}/transitions/break_silence", {"reason": "We cannot accept 8 a."}
    )
    assert held.status_code == 202, held.get_json()
    assert demo.document()["state"] == "silence_procedure"  # a held break breaks nothing
    clock.shift(timedelta(days=11).total_seconds())  # the silence deadline passes unbroken
    auth.login(HEAD)
    late = auth.post(f"/api/signoffs/{held.get_json()['id']}")
    assert late.status_code == 409, late.get_json()
    assert demo.document()["state"] == "silence_procedure"
    assert count(demo, PendingFiling) == 1
    with demo.app.app_context():
        assert db.session.scalar(select(PendingFiling.signed_at)) is None  # nothing half-done


def test_a_break_signed_in_time_breaks_the_silence(auth, demo):
    set_up(auth, demo)
    transition(auth, demo, "start_silence", who=PPT, deadline=future())
    auth.login(MEMBER)
    held = auth.post(
        f"/api/documents/{demo.id}/transitions/break_silence", {"reason": "We cannot accept 8 a."}
    )
    auth.login(HEAD)
    assert auth.post(f"/api/signoffs/{held.get_json()['id']}").status_code == 201
    assert demo.document()["state"] == "committee_review"
