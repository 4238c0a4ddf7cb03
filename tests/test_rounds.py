"""The round dashboard (SPEC §12): who opened the text in a round, who filed, who stayed
silent; reminding the silent delegations; CSV; who may see and remind."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from support.amendments import close_round, file, open_round

from drafting.extensions import db
from drafting.models import AuditEntry, Notification, RoundOpening

TS, PPT, MX, CR, IOM = (
    "secretariat@demo.test",
    "panama@demo.test",
    "mexico@demo.test",
    "costarica@demo.test",
    "iom@demo.test",
)


def dashboard(auth, demo, number=1, who=TS):
    auth.login(who)
    return auth.get(f"/api/documents/{demo.id}/rounds/{number}")


def by_code(rows):
    return {row["delegation"]: row for row in rows}


def test_each_member_delegation_opened_filed_or_silent(auth, demo, client):
    open_round(auth, demo)
    auth.login(MX)
    assert client.get(f"/documents/{demo.id}").status_code == 200
    client.get(f"/documents/{demo.id}")  # a second look is still one opening
    assert file(auth, demo, MX, "8.a", "Accept the proposal.").status_code == 201
    auth.login(CR)
    pid = demo.paragraph("8.a")["id"]
    assert (
        auth.post(
            f"/api/documents/{demo.id}/comments", {"paragraph_id": pid, "body": "Agreed."}
        ).status_code
        == 201
    )
    response = dashboard(auth, demo)
    assert response.status_code == 200
    rows = by_code(response.get_json())
    assert set(rows["MX"]) >= {"delegation", "opened", "comments", "amendments", "silent"}
    assert rows["MX"]["opened"] is True and rows["MX"]["amendments"] == 1
    assert rows["MX"]["silent"] is False
    assert rows["CR"]["comments"] == 1 and rows["CR"]["opened"] is False
    assert rows["GT"] == rows["GT"] | {"opened": False, "comments": 0, "amendments": 0}
    assert rows["GT"]["silent"] is True
    assert "IOM" not in rows and "TS" not in rows  # member delegations only
    with demo.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RoundOpening)) == 1


def test_the_socket_join_counts_as_opening(app, auth, demo, client):
    from drafting.extensions import socketio

    open_round(auth, demo)
    auth.login("guatemala@demo.test")
    socket = socketio.test_client(app, flask_test_client=client)
    assert socket.emit("join", {"document_id": demo.id}, callback=True).get("document_id")
    socket.disconnect()
    assert by_code(dashboard(auth, demo).get_json())["GT"]["opened"] is True


def test_opening_outside_a_round_is_not_recorded(auth, demo, client):
    auth.login(MX)
    client.get(f"/documents/{demo.id}")
    open_round(auth, demo)
    close_round(auth, demo)
    assert by_code(dashboard(auth, demo).get_json())["MX"]["opened"] is False


def test_csv_export(auth, demo):
    open_round(auth, demo)
    file(auth, demo, MX, "8.a", "Accept the proposal.")
    auth.login(TS)
    response = auth.get(f"/api/documents/{demo.id}/rounds/1?format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    mx = next(r for r in rows if r["delegation"] == "MX")
    assert mx["amendments"] == "1" and mx["silent"] == "no"


def test_remind_the_silent_ones(auth, demo):
    open_round(auth, demo)
    file(auth, demo, MX, "8.a", "Accept the proposal.")
    auth.login(TS)
    response = auth.post(f"/api/documents/{demo.id}/rounds/1/remind")
    assert response.status_code == 200, response.get_json()
    reminded = response.get_json()["reminded"]
    assert "MX" not in reminded and "GT" in reminded
    with demo.app.app_context():
        told = db.session.scalars(
            select(Notification).where(Notification.event == "deadline_reminder")
        ).all()
        emails = {n.user.email for n in told}
        assert "guatemala@demo.test" in emails and MX not in emails and IOM not in emails
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "silent_reminded"))
        assert "GT" in entry.details["delegations"]


def test_who_may_see_and_remind(auth, demo):
    open_round(auth, demo)
    assert dashboard(auth, demo, who=PPT).status_code == 200
    for who in (IOM, MX):
        response = dashboard(auth, demo, who=who)
        assert response.status_code == 403, who
        assert "error" in response.get_json()
        assert auth.post(f"/api/documents/{demo.id}/rounds/1/remind").status_code == 403
    auth.login("elsalvador@demo.test")  # the committee sees, the staff remind
    assert auth.post(f"/api/documents/{demo.id}/rounds/1/remind").status_code == 403
    with demo.app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.event == "deadline_reminder")
            )
            == 0
        )


def test_unknown_round_and_closed_round(auth, demo):
    assert dashboard(auth, demo).status_code == 404
    open_round(auth, demo)
    assert dashboard(auth, demo, number=2).status_code == 404
    close_round(auth, demo)
    auth.login(TS)
    response = auth.post(f"/api/documents/{demo.id}/rounds/1/remind")
    assert response.status_code == 409
    assert "only while the round is open" in response.get_json()["reasons"][0]
