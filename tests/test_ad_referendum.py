"""Agreements ad referendum with an expiry (SPEC §12): the PPT marks a paragraph agreed ad
referendum by a delegation until a date; that delegation's head confirms it into agreement,
or the date passes, the paragraph is open again, the PPT is told, the step audited; once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from drafting import clock
from drafting.extensions import db
from drafting.models import AdReferendum, AuditEntry, Notification, Paragraph
from drafting.services import ad_referendum

PPT, TS, MX = "panama@demo.test", "secretariat@demo.test", "mexico@demo.test"


def later(**delta) -> str:
    return (clock.now() + timedelta(**delta)).isoformat(timespec="seconds")


def _process(demo) -> int:
    from drafting.models import Document

    with demo.app.app_context():
        return db.session.get(Document, demo.id).process_id


def make_head(auth, demo, email=MX):
    auth.login(TS)
    pid = _process(demo)
    user_id = demo.user(email).id
    response = auth.client.patch(
        f"/api/processes/{pid}/participants/{user_id}", json={"head": True}, headers=auth.headers()
    )
    assert response.status_code == 200, response.get_json()


def add_member(auth, demo, email, delegation="MX"):
    auth.login(TS)
    response = auth.post(
        f"/api/processes/{_process(demo)}/participants",
        {"email": email, "name": "Second", "delegation": delegation, "role": "delegate"},
    )
    assert response.status_code == 201, response.get_json()


def set_status(auth, demo, number="8.a", who=PPT, **payload):
    auth.login(who)
    pid = demo.paragraph(number)["id"]
    return auth.post(f"/api/documents/{demo.id}/paragraphs/{pid}/status", payload)


def agree_ad_ref(auth, demo, number="8.a", **extra):
    body = {"status": "agreed_ad_ref", "delegation": "MX", "until": later(days=3), **extra}
    response = set_status(auth, demo, number, **body)
    assert response.status_code == 200, response.get_json()
    with demo.app.app_context():
        return db.session.scalar(select(func.max(AdReferendum.id)))


def counts(demo) -> tuple[int, int]:
    with demo.app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(AdReferendum)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
        )


def test_the_head_confirms_into_agreement(auth, demo):
    make_head(auth, demo)
    ad_ref = agree_ad_ref(auth, demo)
    assert demo.paragraph("8.a")["status"] == "agreed_ad_ref"
    auth.login(MX)
    response = auth.post(f"/api/ad-ref/{ad_ref}/confirm")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "agreed"
    assert demo.paragraph("8.a")["status"] == "agreed"
    again = auth.post(f"/api/ad-ref/{ad_ref}/confirm")
    assert again.status_code == 409
    with demo.app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ad_ref_confirmed"))
        assert (entry.from_state, entry.to_state) == ("agreed_ad_ref", "agreed")


def test_only_that_delegations_head_confirms(auth, demo):
    add_member(auth, demo, "mexico2@demo.test")
    ad_ref = agree_ad_ref(auth, demo)
    for who in (MX, PPT, TS, "iom@demo.test", "guatemala@demo.test"):  # MX is not head yet
        auth.login(who)
        response = auth.post(f"/api/ad-ref/{ad_ref}/confirm")
        assert response.status_code == 403, who
        assert "error" in response.get_json()
    make_head(auth, demo, "guatemala@demo.test")
    auth.login("guatemala@demo.test")
    assert auth.post(f"/api/ad-ref/{ad_ref}/confirm").status_code == 403
    assert demo.paragraph("8.a")["status"] == "agreed_ad_ref"
    auth.logout()
    assert auth.post(f"/api/ad-ref/{ad_ref}/confirm").status_code in (
        400,
        401,
        403,
    )  # no session, no CSRF token
    auth.login(MX)
    assert auth.post("/api/ad-ref/999999/confirm").status_code == 404


def test_bad_input_writes_nothing(auth, demo):
    before = counts(demo)
    cases = [
        {"status": "agreed_ad_ref", "delegation": "MX"},  # no date
        {"status": "agreed_ad_ref", "delegation": "MX", "until": "tomorrow"},
        {"status": "agreed_ad_ref", "delegation": "MX", "until": "2026-12-24T10:00:00"},
        {"status": "agreed_ad_ref", "delegation": "MX", "until": later(days=-1)},
        {"status": "agreed_ad_ref", "delegation": "IOM", "until": later(days=3)},
        {"status": "agreed_ad_ref", "delegation": "ZZ", "until": later(days=3)},
        {"status": "agreed_ad_ref", "delegation": 7, "until": later(days=3)},
        {"status": "agreed", "delegation": "MX", "until": later(days=3)},
    ]
    for payload in cases:
        response = set_status(auth, demo, **payload)
        assert response.status_code == 400, payload
        assert "error" in response.get_json()
    assert counts(demo) == before
    assert demo.paragraph("8.a")["status"] == "open"
    observer = set_status(
        auth,
        demo,
        who="iom@demo.test",
        status="agreed_ad_ref",
        delegation="MX",
        until=later(days=3),
    )
    assert observer.status_code == 403
    assert counts(demo) == before


def test_expiry_reopens_tells_the_ppt_and_is_audited_once(auth, demo, runner):
    make_head(auth, demo)
    ad_ref = agree_ad_ref(auth, demo, until=later(hours=2))
    clock.shift(2 * 3600 + 60)
    result = runner.invoke(args=["deadlines"])
    assert result.exit_code == 0, result.output
    assert f"ad referendum {ad_ref}: expired" in result.output
    assert demo.paragraph("8.a")["status"] == "open"
    assert "no deadline due" in runner.invoke(args=["deadlines"]).output  # once
    with demo.app.app_context():
        assert ad_referendum.expire_due() == []
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ad_ref_expired")
        ).all()
        assert len(entries) == 1 and entries[0].to_state == "open"
        told = db.session.scalars(
            select(Notification).where(Notification.event == "ad_ref_expired")
        ).all()
        assert [n.user.email for n in told] == [PPT]
    auth.login(MX)
    assert auth.post(f"/api/ad-ref/{ad_ref}/confirm").status_code == 409


def test_a_date_passed_is_not_confirmed_even_before_the_scheduler_runs(auth, demo):
    make_head(auth, demo)
    ad_ref = agree_ad_ref(auth, demo, until=later(hours=1))
    clock.shift(3600 + 60)
    auth.login(MX)
    assert auth.post(f"/api/ad-ref/{ad_ref}/confirm").status_code == 409
    assert demo.paragraph("8.a")["status"] == "agreed_ad_ref"


def test_another_status_or_an_edit_supersedes_it(auth, demo, runner):
    make_head(auth, demo)
    ad_ref = agree_ad_ref(auth, demo, until=later(hours=2))
    assert set_status(auth, demo, status="agreed").status_code == 200
    clock.shift(3 * 3600)
    runner.invoke(args=["deadlines"])
    assert demo.paragraph("8.a")["status"] == "agreed"  # no expiry on a settled agreement
    with demo.app.app_context():
        row = db.session.get(AdReferendum, ad_ref)
        assert row.outcome == "superseded"
        assert db.session.get(Paragraph, row.paragraph_id).status.value == "agreed"


def test_an_expiry_another_process_claimed_is_left_alone(auth, demo):
    make_head(auth, demo)
    ad_ref = agree_ad_ref(auth, demo, until=later(hours=1))
    clock.shift(3600 + 60)
    with demo.app.app_context():
        assert ad_referendum.due() == [ad_ref]
        assert ad_referendum._claim(ad_ref, "expired", None)  # another process got there first
        db.session.commit()
        assert ad_referendum.expire_due() == []
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "ad_ref_expired")
            )
            == 0
        )


def test_an_edit_reopens_the_paragraph_and_supersedes_the_agreement(auth, demo):
    from support.amendments import edit

    make_head(auth, demo)
    ad_ref = agree_ad_ref(auth, demo)
    edit(auth, demo, "elsalvador@demo.test", "8.a", "Decline the proposal, for now.")
    assert demo.paragraph("8.a")["status"] == "open"
    with demo.app.app_context():
        assert db.session.get(AdReferendum, ad_ref).outcome == "superseded"
    auth.login(MX)
    assert auth.post(f"/api/ad-ref/{ad_ref}/confirm").status_code == 409


def test_adopted_text_is_never_touched(auth, demo, runner):
    from support.adoption import adopt_demo

    make_head(auth, demo)
    ad_ref = agree_ad_ref(auth, demo, until=later(days=1))
    adopt_demo(auth, demo)
    auth.login(MX)
    assert auth.post(f"/api/ad-ref/{ad_ref}/confirm").status_code == 409
    clock.shift(2 * 24 * 3600)
    runner.invoke(args=["deadlines"])
    assert demo.paragraph("8.a")["status"] == "agreed_ad_ref"  # frozen as adopted
    refused = set_status(auth, demo, status="agreed_ad_ref", delegation="MX", until=later(days=1))
    assert refused.status_code == 409
