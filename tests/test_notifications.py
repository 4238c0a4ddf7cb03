"""Notifications (SPEC §10): who hears of what, in the app and by mail through a real local
SMTP server, in their own language and time zone; deliveries survive SMTP outages and are
sent once; reminders fire once; a digest collects a day's events."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, update

from drafting import clock, create_app
from drafting.extensions import db, mail, socketio
from drafting.models import Deadline, MailDelivery, Notification, User
from drafting.services import deliveries, notifications

GMT_6 = timezone(timedelta(hours=-6))
PPT, TS, SV, CR = (
    "panama@demo.test",
    "secretariat@demo.test",
    "elsalvador@demo.test",
    "costarica@demo.test",
)
MX, GT, IOM = "mexico@demo.test", "guatemala@demo.test", "iom@demo.test"
DELEGATES = [
    "mexico@demo.test",
    "canada@demo.test",
    "usa@demo.test",
    "guatemala@demo.test",
    "belize@demo.test",
    "honduras@demo.test",
    "nicaragua@demo.test",
    "dominicanrepublic@demo.test",
]
EVERYONE_BUT_PPT = sorted([TS, SV, CR, *DELEGATES, IOM, "unhcr@demo.test"])
MEMBER_STATES_BUT_PPT = sorted([SV, CR, *DELEGATES])


def deadline_in(**delta) -> str:
    return (clock.now() + timedelta(**delta)).astimezone(GMT_6).isoformat(timespec="seconds")


def as_user(auth, email):
    if auth.csrf:
        auth.logout()
    auth.login(email)
    return auth


def step(auth, demo, name, **data):
    response = auth.post(f"/api/documents/{demo.id}/transitions/{name}", data)
    assert response.status_code == 200, response.get_json()
    return response


def send(runner) -> str:
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def listing(auth) -> list[dict]:
    response = auth.get("/api/notifications")
    assert response.status_code == 200
    return response.get_json()


def set_user(app, email, **values):
    with app.app_context():
        db.session.execute(update(User).where(User.email == email).values(**values))
        db.session.commit()


def recipients(messages) -> list[str]:
    return sorted(m["To"] for m in messages)


def body_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def invitation(message) -> Calendar:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in message.iter_attachments()]
    return Calendar.from_ical(parts[0].get_payload(decode=True))


def file_amendment(auth, demo, number="3", text="States shall cooperate closely."):
    paragraph = demo.paragraph(number)
    response = auth.post(
        f"/api/documents/{demo.id}/amendments",
        {
            "kind": "modify",
            "paragraph_id": paragraph["id"],
            "lang": "en",
            "text": text,
            "texts": {"es": "Los Estados cooperarán estrechamente."},
            "rationale": "clearer",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


# --------------------------------------------------------------------------------------------
# The whole online-rounds path by mail
# --------------------------------------------------------------------------------------------


def test_the_online_rounds_path_mails_each_step_to_the_right_people(
    app, auth, demo, runner, mailbox
):
    set_user(app, GT, locale="es")
    set_user(app, MX, timezone="America/Mexico_City")

    # The round opens: every participant but the PPT who opened it gets a mail with an .ics.
    as_user(auth, PPT)
    due = clock.now().replace(microsecond=0, second=0) + timedelta(days=3)
    step(auth, demo, "open_round", deadline=due.astimezone(GMT_6).isoformat())
    send(runner)
    opened = mailbox.wait_for(len(EVERYONE_BUT_PPT))
    assert recipients(opened) == EVERYONE_BUT_PPT
    english = mailbox.to(MX)[0]
    assert english["Subject"].startswith("Round open: ")
    assert "America/Mexico_City (UTC-06:00)" in body_of(english)
    spanish = mailbox.to(GT)[0]
    assert spanish["Subject"].startswith("Ronda abierta: ")
    assert "está abierta" in body_of(spanish)
    assert str(invitation(spanish).walk("VEVENT")[0]["SUMMARY"]).startswith("Cierre de la ronda")
    for message in opened:
        event = invitation(message).walk("VEVENT")[0]
        assert event["DTSTART"].params["TZID"] == "America/Panama"
        assert event.decoded("DTSTART") == due.astimezone(ZoneInfo("America/Panama"))
        assert event.decoded("DTSTART").utcoffset() == timedelta(hours=-5)
        assert re.search(r"/notifications/unsubscribe/\S+", body_of(message))
        assert message["List-Unsubscribe"]
    mailbox.messages.clear()

    # Mexico files an amendment, Guatemala co-sponsors it: the staff see it in the app
    # (mail for filed amendments is off by default).
    as_user(auth, MX)
    amendment = file_amendment(auth, demo)
    as_user(auth, GT)
    assert auth.post(f"/api/amendments/{amendment}/co-sponsor").status_code == 200
    for email in (PPT, TS, SV, CR):
        as_user(auth, email)
        assert [n["event"] for n in listing(auth)][:1] == ["amendment_filed"]
    as_user(auth, MX)
    assert "amendment_filed" not in [n["event"] for n in listing(auth)]

    # The round closes; the committee accepts the amendment with a note: the proposer and
    # the co-sponsor hear of it by mail, in their languages.
    as_user(auth, PPT)
    step(auth, demo, "close_round")
    as_user(auth, SV)
    response = auth.post(
        f"/api/amendments/{amendment}/decision", {"decision": "accept", "note": "Well put."}
    )
    assert response.status_code == 200, response.get_json()
    send(runner)
    decided = mailbox.wait_for(2)
    assert recipients(decided) == [GT, MX]
    assert "Well put." in body_of(mailbox.to(MX)[0])
    assert "aceptada" in body_of(mailbox.to(GT)[0])
    mailbox.messages.clear()

    # Silence starts (with its .ics), Mexico breaks it with a reason: everyone hears who,
    # which delegation and why, and the document page shows it to everyone.
    as_user(auth, PPT)
    step(auth, demo, "start_silence", deadline=deadline_in(days=2))
    send(runner)
    started = mailbox.wait_for(len(EVERYONE_BUT_PPT))
    assert recipients(started) == EVERYONE_BUT_PPT
    invitation(mailbox.to(MX)[0])
    mailbox.messages.clear()
    as_user(auth, MX)
    step(auth, demo, "break_silence", reason="Paragraph 3 needs our capital's review.")
    send(runner)
    broken = mailbox.wait_for(len(EVERYONE_BUT_PPT))
    assert recipients(broken) == sorted([PPT, *[e for e in EVERYONE_BUT_PPT if e != MX]])
    to_ppt = body_of(mailbox.to(PPT)[0])
    assert "Paragraph 3 needs our capital's review." in to_ppt and "(MX)" in to_ppt
    as_user(auth, IOM)
    page = auth.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert 'id="silence-broken"' in page and "Paragraph 3 needs our capital" in page
    mailbox.messages.clear()

    # Silence again, unbroken; the PPT adopts: everyone gets the SHA-256 and the link.
    as_user(auth, PPT)
    step(auth, demo, "start_silence", deadline=deadline_in(hours=1))
    page = auth.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert 'id="silence-broken"' not in page  # the next step ends the notice
    clock.shift(3601)
    step(auth, demo, "adopt")
    sha256 = demo.document()["sha256"]
    send(runner)
    mails = mailbox.wait_for(2 * len(EVERYONE_BUT_PPT))
    adopted = [m for m in mails if m["Subject"].startswith(("Adopted", "Adoptad"))]
    assert recipients(adopted) == EVERYONE_BUT_PPT
    text = body_of(mailbox.to(IOM)[-1])
    assert sha256 in text and f"/documents/{demo.id}" in text


# --------------------------------------------------------------------------------------------
# Reliability
# --------------------------------------------------------------------------------------------


def test_mail_waits_while_smtp_is_down_and_then_goes_out_exactly_once(
    app, auth, demo, runner, mailbox
):
    from support.live_server import free_port

    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    mail.init_app(app)
    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(days=3))

    def attempts() -> list[int]:
        with app.app_context():
            rows = db.session.scalars(select(MailDelivery).order_by(MailDelivery.id)).all()
            assert len(rows) == len(EVERYONE_BUT_PPT) and all(d.sent_at is None for d in rows)
            return [d.attempts for d in rows]

    # One failed try ends the pass (the scheduler also acts on deadlines); the next pass
    # tries the next mail, the failed one waits out its back-off.
    assert "0 mail(s) sent" in send(runner)
    assert attempts() == [1] + [0] * (len(EVERYONE_BUT_PPT) - 1)
    assert "0 mail(s) sent" in send(runner)
    assert attempts() == [1, 1] + [0] * (len(EVERYONE_BUT_PPT) - 2)
    clock.shift(31)
    assert "0 mail(s) sent" in send(runner)
    assert sum(attempts()) == 3 and max(attempts()) == 1  # one more try per pass, still down
    assert mailbox.messages == []

    # The server comes back, and so does a restarted app: nothing was lost.
    app.config["MAIL_PORT"] = mailbox.port
    mail.init_app(app)
    clock.shift(3600)
    restarted = create_app({**app.config})
    with restarted.app_context():
        assert deliveries.send_due() == len(EVERYONE_BUT_PPT)
    assert "0 mail(s) sent" in send(runner)
    clock.shift(7 * 24 * 3600)
    assert "0 mail(s) sent" in send(runner)
    assert recipients(mailbox.wait_for(len(EVERYONE_BUT_PPT))) == EVERYONE_BUT_PPT
    with restarted.app_context():
        db.engine.dispose()


def test_a_delivery_claimed_by_another_process_is_left_alone(app, auth, demo, runner, mailbox):
    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(days=3))
    with app.app_context():
        first = db.session.scalar(select(MailDelivery.id).order_by(MailDelivery.id))
        assert deliveries._claim(first, "another-process", clock.now())
        db.session.commit()
        assert not deliveries._claim(first, "this-process", clock.now())
        db.session.rollback()
    send(runner)
    assert len(mailbox.wait_for(len(EVERYONE_BUT_PPT) - 1)) == len(EVERYONE_BUT_PPT) - 1
    clock.shift(deliveries.LEASE.total_seconds() + 1)  # the other process died
    send(runner)
    assert len(mailbox.wait_for(len(EVERYONE_BUT_PPT))) == len(EVERYONE_BUT_PPT)


def test_the_notification_is_stored_with_its_event_or_not_at_all(app, auth, demo):
    as_user(auth, PPT)
    refused = auth.post(
        f"/api/documents/{demo.id}/transitions/open_round", {"deadline": "2001-01-01T10:00Z"}
    )
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == 0
        assert db.session.scalar(select(func.count(MailDelivery.id))) == 0


# --------------------------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------------------------


def reminders(app) -> list[tuple[str, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(User.email, Notification.params)
            .join(User, User.id == Notification.user_id)
            .where(Notification.event == "deadline_reminder")
            .order_by(User.email)
        ).all()
        return [(email, params["hours"]) for email, params in rows]


def test_reminders_24_and_2_hours_before_go_once_to_delegations_that_have_not_acted(
    app, auth, demo, runner
):
    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(days=3))
    as_user(auth, MX)
    file_amendment(auth, demo)
    as_user(auth, "canada@demo.test")
    assert auth.post(f"/api/documents/{demo.id}/comments", {"body": "We agree."}).status_code == 201

    send(runner)
    assert reminders(app) == []
    clock.shift(2 * 24 * 3600 + 60)  # 23 h 59 min left
    send(runner)
    send(runner)  # a second process, or cron, finds it claimed
    with app.app_context():
        assert notifications.remind_due() == 0
    acted = {MX, "canada@demo.test", PPT}
    expected = sorted(e for e in [SV, CR, *DELEGATES] if e not in acted)
    assert reminders(app) == [(e, 24) for e in expected]
    clock.shift(22 * 3600)  # 1 h 59 min left
    send(runner)
    send(runner)
    assert sorted(r for r in reminders(app) if r[1] == 2) == [(e, 2) for e in expected]
    as_user(auth, "usa@demo.test")
    texts = [n["text"] for n in listing(auth) if n["event"] == "deadline_reminder"]
    assert len(texts) == 2 and "in 2 hours" in texts[0]


def test_a_short_round_gets_no_24_hour_reminder(app, auth, demo, runner):
    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(hours=10))
    clock.shift(60)
    send(runner)
    assert reminders(app) == []
    clock.shift(8 * 3600)
    send(runner)
    assert {hours for _, hours in reminders(app)} == {2}
    with app.app_context():
        deadline = db.session.scalar(select(Deadline))
        assert deadline.reminded_2h_at is not None


# --------------------------------------------------------------------------------------------
# Digest
# --------------------------------------------------------------------------------------------


def test_a_digest_collects_a_days_events_in_one_mail(app, auth, demo, runner, mailbox):
    as_user(auth, MX)
    settings = {e: {"mail": "digest"} for e in notifications.EVENTS}
    assert (
        auth.client.put(
            "/api/me/notification-settings", json=settings, headers=auth.headers()
        ).status_code
        == 200
    )
    amendment = file_amendment(auth, demo)
    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(days=3))
    step(auth, demo, "close_round")
    as_user(auth, SV)
    auth.post(f"/api/amendments/{amendment}/decision", {"decision": "reject", "note": "No."})
    send(runner)
    mailbox.wait_for(len(EVERYONE_BUT_PPT) - 1)
    assert mailbox.to(MX) == []
    mailbox.messages.clear()

    clock.shift(25 * 3600)  # past the next 07:00 in Panama
    send(runner)
    mailbox.wait_for(1)
    assert recipients(mailbox.messages) == [MX]
    digest = body_of(mailbox.messages[0])
    for words in ("is open for amendments", "the round has closed", "was rejected", "No."):
        assert words in digest, digest
    assert mailbox.messages[0]["Subject"].endswith("(3)")  # opened, closed, decided
    assert len(invitation(mailbox.messages[0]).walk("VEVENT")) == 1
    send(runner)
    assert len(mailbox.messages) == 1


# --------------------------------------------------------------------------------------------
# The API (SPEC §10), the pages and the socket
# --------------------------------------------------------------------------------------------


def test_api_lists_the_callers_own_notifications_newest_first_and_marks_them_read(app, auth, demo):
    assert auth.get("/api/notifications").status_code == 401
    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(days=3))
    step(auth, demo, "close_round")
    assert listing(auth) == []  # the PPT took those steps
    as_user(auth, MX)
    found = listing(auth)
    assert [n["event"] for n in found] == ["round_closed", "round_opened"]
    assert set(found[0]) == {"id", "event", "document_id", "text", "created_at", "read"}
    assert found[0]["document_id"] == demo.id and found[0]["read"] is False
    assert "UTC-05:00" in found[1]["text"]  # the process's zone: America/Panama
    response = auth.post(f"/api/notifications/{found[1]['id']}/read")
    assert response.status_code == 200
    assert [n["read"] for n in listing(auth)] == [False, True]
    spanish = auth.get("/api/notifications", headers={"Accept-Language": "es"}).get_json()
    assert "la ronda se ha cerrado" in spanish[0]["text"]
    as_user(auth, GT)
    assert auth.post(f"/api/notifications/{found[0]['id']}/read").status_code == 404
    assert auth.post("/api/notifications/999999/read").status_code == 404


def test_settings_api_reads_and_changes_the_mail_mode_per_event(auth, demo):
    as_user(auth, MX)
    settings = auth.get("/api/me/notification-settings").get_json()
    assert set(settings) == set(notifications.EVENTS)
    assert settings["round_opened"] == {"mail": "immediate"}
    assert settings["amendment_decided"] == {"mail": "immediate"}
    assert settings["comment_reply"] == {"mail": "off"}

    def put(data):
        return auth.client.put("/api/me/notification-settings", json=data, headers=auth.headers())

    changed = put({"adopted": {"mail": "digest"}, "comment_reply": {"mail": "immediate"}})
    assert changed.status_code == 200
    assert changed.get_json()["adopted"] == {"mail": "digest"}
    assert changed.get_json()["round_opened"] == {"mail": "immediate"}
    for bad in (
        {"adopted": {"mail": "weekly"}},
        {"lunch": {"mail": "off"}},
        {"adopted": "off"},
        [],
        {"round_opened": {"mail": "off"}, "adopted": {"mail": 3}},
    ):
        response = put(bad)
        assert response.status_code == 400, bad
        assert "error" in response.get_json()
    after = auth.get("/api/me/notification-settings").get_json()
    assert after["round_opened"] == {"mail": "immediate"}  # the bad PUT changed nothing
    assert put({"adopted": {"mail": "off"}}).status_code == 200
    assert auth.client.put("/api/me/notification-settings", json={}).status_code in (400, 403)


def test_a_reply_reaches_the_author_of_the_comment(auth, demo):
    as_user(auth, MX)
    first = auth.post(f"/api/documents/{demo.id}/comments", {"body": "Why 2018?"}).get_json()
    as_user(auth, SV)
    reply = {"body": "Because of the meeting.", "parent_id": first["id"]}
    assert auth.post(f"/api/documents/{demo.id}/comments", reply).status_code == 201
    assert listing(auth) == []
    as_user(auth, MX)
    [note] = listing(auth)
    assert note["event"] == "comment_reply" and "Because of the meeting." in note["text"]


def test_the_notification_event_reaches_the_persons_own_sockets_only(app, auth, demo):
    mexico_http = app.test_client()
    assert (
        mexico_http.post("/api/login", json={"email": MX, "password": "demo-password"}).status_code
        == 200
    )
    canada_http = app.test_client()
    canada_http.post("/api/login", json={"email": "canada@demo.test", "password": "demo-password"})
    panama_http = app.test_client()
    panama_http.post("/api/login", json={"email": PPT, "password": "demo-password"})
    mexico = socketio.test_client(app, flask_test_client=mexico_http)
    panama = socketio.test_client(app, flask_test_client=panama_http)
    assert mexico.is_connected() and panama.is_connected()
    as_user(auth, "canada@demo.test")
    auth.post(f"/api/documents/{demo.id}/comments", {"body": "A thought."})
    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(days=3))
    received = [e for e in mexico.get_received() if e["name"] == "notification"]
    assert len(received) == 1
    payload = received[0]["args"][0]
    assert payload["event"] == "round_opened" and payload["unread"] == 1
    assert payload["document_id"] == demo.id
    assert [e for e in panama.get_received() if e["name"] == "notification"] == []
    mexico.disconnect()
    panama.disconnect()


def test_bell_page_settings_and_time_zone(app, auth, demo, client):
    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(days=3))
    as_user(auth, MX)
    page = client.get("/").get_data(as_text=True)
    assert 'id="bell"' in page and 'id="bell-count">1<' in page
    listed = client.get("/notifications").get_data(as_text=True)
    assert "is open for amendments and comments" in listed and "UTC-05:00" in listed
    settings = client.get("/notifications/settings").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', settings).group(1)
    form = {f"mail-{e}": "digest" for e in notifications.EVENTS}
    saved = client.post(
        "/notifications/settings",
        data={**form, "csrf_token": token, "timezone": "America/Mexico_City"},
    )
    assert saved.status_code == 303
    assert auth.get("/api/me/notification-settings").get_json()["adopted"] == {"mail": "digest"}
    listed = client.get("/notifications").get_data(as_text=True)
    assert "America/Mexico_City (UTC-06:00)" in listed
    document = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert "America/Mexico_City (UTC-06:00)" in document  # the deadline, in the reader's zone
    bad = client.post(
        "/notifications/settings", data={**form, "csrf_token": token, "timezone": "Mars/Olympus"}
    )
    assert bad.status_code == 303
    assert "is not a time zone" in client.get("/notifications/settings").get_data(as_text=True)
    client.post("/notifications/read", data={"csrf_token": token})
    assert 'id="bell-count" hidden>0<' in client.get("/").get_data(as_text=True)
    es = client.get("/notifications?lang=es").get_data(as_text=True)
    assert "Notificaciones" in es


def test_the_unsubscribe_link_in_a_mail_turns_that_mail_off(app, auth, demo, runner, mailbox):
    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(days=3))
    send(runner)
    mailbox.wait_for(len(EVERYONE_BUT_PPT))
    link = re.search(r"https?://\S+/notifications/unsubscribe/\S+", body_of(mailbox.to(MX)[0]))
    path = "/" + link.group(0).split("/", 3)[3]
    visitor = app.test_client()
    page = visitor.get(path).get_data(as_text=True)
    assert "A round opens" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = visitor.post(path, data={"csrf_token": token})
    assert done.status_code == 200 and 'id="unsubscribed"' in done.get_data(as_text=True)
    as_user(auth, MX)
    assert auth.get("/api/me/notification-settings").get_json()["round_opened"] == {"mail": "off"}
    assert visitor.get(path[:-3] + "xyz").status_code == 400


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "UTC"])
def test_times_carry_the_readers_offset(zone):
    from drafting import localtime

    moment = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    shown = localtime.format_time(moment, zone)
    assert shown.endswith({"Asia/Kolkata": "(UTC+05:30)", "UTC": "(UTC+00:00)"}[zone])


def test_two_workers_at_once_send_each_mail_once(app, auth, demo, mailbox):
    import threading

    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(days=3))
    start = threading.Barrier(2)
    counts: list[int] = []

    def worker() -> None:
        with app.app_context():
            start.wait()
            counts.append(deliveries.send_due())
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == len(EVERYONE_BUT_PPT)
    assert recipients(mailbox.wait_for(len(EVERYONE_BUT_PPT))) == EVERYONE_BUT_PPT


def test_without_a_mail_server_notification_mails_are_eml_files(app, auth, demo, runner):
    from pathlib import Path

    as_user(auth, PPT)
    step(auth, demo, "open_round", deadline=deadline_in(days=3))
    assert f"{len(EVERYONE_BUT_PPT)} mail(s) sent" in send(runner)
    files = sorted(Path(app.config["MAIL_FILE_PATH"]).glob("*.eml"))
    assert len(files) == len(EVERYONE_BUT_PPT)
    assert b"Content-Type: text/calendar" in files[0].read_bytes()


def test_retries_back_off_exponentially_up_to_six_hours():
    delays = [deliveries.retry_delay(n).total_seconds() for n in range(1, 14)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays[-1] == 6 * 3600 and delays == sorted(delays)
