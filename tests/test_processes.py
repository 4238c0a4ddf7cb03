"""The secretariat's desk (SPEC §9): processes, participants, invitations and password
resets by mail (a real local SMTP server), the presidency hand-over and what the public
sees of an adopted document."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from support.adoption import adopt_demo
from support.amendments import csrf_in
from support.live_server import free_port

from drafting import clock
from drafting.extensions import db
from drafting.models import AuditEntry, Document, Membership, Process, User

SECRETARIAT = "secretariat@demo.test"


def process_id(demo) -> int:
    with demo.app.app_context():
        return db.session.get(Document, demo.id).process_id


def new_process(auth, **extra) -> int:
    auth.login(SECRETARIAT)
    response = auth.post(
        "/api/processes",
        {
            "name": "Regional Conference 2027",
            "languages": ["en", "es"],
            "timezone": "America/Panama",
            **extra,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def add(auth, pid: int, **person):
    return auth.post(f"/api/processes/{pid}/participants", person)


def test_the_secretariat_creates_a_process_it_then_runs(auth, app):
    pid = new_process(auth, acronym="RCM")
    answer = auth.get(f"/api/processes/{pid}").get_json()
    assert answer["public_record"] == "text"
    assert answer["languages"] == ["en", "es"]
    listed = auth.get(f"/api/processes/{pid}/participants").get_json()
    assert [(p["email"], p["role"]) for p in listed] == [(SECRETARIAT, "secretariat")]


@pytest.mark.parametrize(
    "payload",
    [
        {"languages": ["en"], "timezone": "America/Panama"},
        {"name": "X", "languages": "en", "timezone": "America/Panama"},
        {"name": "X", "languages": ["en"], "timezone": "Mars/Olympus"},
        {"name": "X", "languages": ["en"], "timezone": "UTC", "public_record": "all"},
    ],
)
def test_a_process_with_bad_settings_is_refused_and_nothing_is_stored(auth, app, payload):
    auth.login(SECRETARIAT)
    with app.app_context():
        before = db.session.query(Process).count()
    response = auth.post("/api/processes", payload)
    assert response.status_code == 400
    assert "error" in response.get_json()
    with app.app_context():
        assert db.session.query(Process).count() == before


def test_a_delegate_may_not_create_a_process_or_read_participants(auth, demo):
    auth.login("mexico@demo.test")
    assert auth.post("/api/processes", {"name": "Mine", "languages": ["en"]}).status_code == 403
    assert auth.get(f"/api/processes/{process_id(demo)}/participants").status_code == 403


def test_a_site_administrator_creates_processes_without_belonging_to_one(runner, client, auth):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "admin@site.test",
            "--name",
            "Admin",
            "--delegation",
            "ADM",
            "--kind",
            "secretariat",
            "--admin",
            "--password",
            "admin-password-1",
        ]
    )
    assert result.exit_code == 0, result.output
    auth.login("admin@site.test", "admin-password-1")
    response = auth.post("/api/processes", {"name": "New body", "languages": ["es"]})
    assert response.status_code == 201


def test_archiving_a_process_keeps_it_listed_last(auth, client):
    pid = new_process(auth)
    response = client.patch(
        f"/api/processes/{pid}", json={"archived": True}, headers=auth.headers()
    )
    assert response.status_code == 200
    assert response.get_json()["archived"] is True


def test_a_new_person_gets_an_invitation_that_sets_a_password_once(auth, client, demo, mailbox):
    pid = new_process(auth)
    response = add(
        auth,
        pid,
        email="ana@conf.test",
        name="Ana Ruiz",
        delegation={"code": "PE", "name": "Peru", "kind": "member_state"},
        role="committee",
        head=True,
    )
    assert response.status_code == 201
    [message] = mailbox.wait_for(1)
    assert message["To"] == "ana@conf.test"
    assert message["Subject"] == "You are invited to Regional Conference 2027"
    link = mailbox.link(message)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200
    form = {
        "csrf_token": csrf_in(page.get_data(as_text=True)),
        "password": "a-long-password",
        "confirm": "a-long-password",
    }
    assert client.post("/" + path, data=form).status_code == 303
    auth.logout()
    auth.login("ana@conf.test", "a-long-password")
    assert client.get("/" + path).status_code == 400  # the link is used up
    assert auth.get("/api/processes").get_json() == [
        {"id": pid, "name": "Regional Conference 2027", "role": "committee"}
    ]


def test_an_invitation_link_expires_after_seven_days(auth, client, demo, mailbox):
    pid = new_process(auth)
    add(auth, pid, email="late@conf.test", name="Late", delegation="MX", role="delegate")
    link = mailbox.link(mailbox.wait_for(1)[0])
    clock.shift(timedelta(days=7, minutes=1).total_seconds())
    response = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_the_invitation_comes_in_the_invited_persons_language(auth, app, demo, mailbox):
    pid = new_process(auth)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "mexico@demo.test"))
        user.password_hash = ""  # an account that never chose a password
        user.locale = "es"
        db.session.commit()
    assert add(auth, pid, email="mexico@demo.test", role="delegate").status_code == 201
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Invitación a Regional Conference 2027"
    assert "elegir su contraseña" in message.get_content()


def test_password_reset_answers_alike_and_mails_only_real_accounts(client, mailbox):
    page = client.get("/password/forgot")
    token = csrf_in(page.get_data(as_text=True))
    known = client.post("/password/forgot", data={"csrf_token": token, "email": "mexico@demo.test"})
    unknown = client.post("/password/forgot", data={"csrf_token": token, "email": "no@one.test"})
    assert known.status_code == unknown.status_code == 303
    [message] = mailbox.wait_for(1)
    assert message["To"] == "mexico@demo.test"
    assert "/password/set/" in mailbox.link(message)


def test_without_a_mail_server_each_message_is_an_eml_file(auth, app):
    pid = new_process(auth)
    assert (
        add(
            auth, pid, email="file@conf.test", name="F", delegation="MX", role="delegate"
        ).status_code
        == 201
    )
    from pathlib import Path

    files = list(Path(app.config["MAIL_FILE_PATH"]).glob("*.eml"))
    assert len(files) == 1
    assert b"To: file@conf.test" in files[0].read_bytes()


def test_a_second_ppt_is_refused_outside_the_hand_over(auth, demo, app):
    pid = process_id(demo)
    auth.login(SECRETARIAT)
    mexico = demo.user("mexico@demo.test").id
    response = auth.client.patch(
        f"/api/processes/{pid}/participants/{mexico}", json={"role": "ppt"}, headers=auth.headers()
    )
    assert response.status_code == 409
    with app.app_context():
        role = db.session.scalar(select(Membership.role).where(Membership.user_id == mexico))
        assert role.value == "delegate"


def test_role_change_head_mark_and_removal(auth, demo):
    pid = process_id(demo)
    auth.login(SECRETARIAT)
    mexico = demo.user("mexico@demo.test").id
    url = f"/api/processes/{pid}/participants/{mexico}"
    changed = auth.client.patch(
        url, json={"role": "committee", "head": True}, headers=auth.headers()
    )
    assert changed.status_code == 200
    assert (changed.get_json()["role"], changed.get_json()["head"]) == ("committee", True)
    assert auth.client.delete(url, headers=auth.headers()).status_code == 204
    emails = [p["email"] for p in auth.get(f"/api/processes/{pid}/participants").get_json()]
    assert "mexico@demo.test" not in emails


def test_the_presidency_moves_and_the_adopted_document_records_it(auth, demo, app):
    pid = process_id(demo)
    auth.login(SECRETARIAT)
    response = auth.post(f"/api/processes/{pid}/presidency", {"delegation": "CR"})
    assert response.status_code == 200
    assert response.get_json() == {"ppt": "CR"}
    roles = {
        p["email"]: p["role"] for p in auth.get(f"/api/processes/{pid}/participants").get_json()
    }
    assert roles["panama@demo.test"] == "delegate"
    assert roles["costarica@demo.test"] == "ppt"
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "presidency_handed_over")
        )
        assert (entry.process_id, entry.document_id) == (pid, None)
        assert entry.details == {"from_delegation": "PA", "to_delegation": "CR"}
    adopt_demo(auth, demo, ppt="costarica@demo.test")
    assert demo.document()["adopted_by"] == "CR"
    assert "Costa Rica" in auth.get(f"/documents/{demo.id}").get_data(as_text=True)


def test_the_presidency_goes_only_to_a_member_state(auth, demo):
    auth.login(SECRETARIAT)
    response = auth.post(f"/api/processes/{process_id(demo)}/presidency", {"delegation": "IOM"})
    assert response.status_code == 400


RECORD = ["amendments", "comments", "audit", "changes"]


@pytest.mark.parametrize("part", RECORD)
def test_by_default_the_public_sees_only_the_text_of_an_adopted_document(auth, client, demo, part):
    adopt_demo(auth, demo)
    auth.logout()
    assert client.get(f"/api/documents/{demo.id}").status_code == 200
    assert client.get(f"/api/documents/{demo.id}/reservations").status_code == 200
    assert client.get(f"/api/documents/{demo.id}/{part}").status_code == 403


@pytest.mark.parametrize("part", RECORD)
def test_with_a_full_public_record_the_public_sees_it_all(auth, client, demo, part):
    pid = process_id(demo)
    auth.login(SECRETARIAT)
    assert (
        auth.client.patch(
            f"/api/processes/{pid}", json={"public_record": "full"}, headers=auth.headers()
        ).status_code
        == 200
    )
    adopt_demo(auth, demo)
    auth.logout()
    assert client.get(f"/api/documents/{demo.id}/{part}").status_code == 200


def test_participants_always_see_the_record(auth, client, demo):
    adopt_demo(auth, demo)
    auth.logout()
    auth.login("iom@demo.test")
    for part in RECORD:
        assert client.get(f"/api/documents/{demo.id}/{part}").status_code == 200


def test_the_public_audit_and_amendment_pages_are_closed_by_default(auth, client, demo):
    adopt_demo(auth, demo)
    auth.logout()
    assert client.get(f"/documents/{demo.id}").status_code == 200
    assert client.get(f"/documents/{demo.id}/audit").status_code == 403
    assert client.get(f"/documents/{demo.id}/amendments").status_code == 403


def test_the_desk_pages_create_a_process_and_add_a_person(auth, client, demo, mailbox):
    auth.login(SECRETARIAT)
    page = client.get("/processes/new")
    assert page.status_code == 200
    token = csrf_in(page.get_data(as_text=True))
    created = client.post(
        "/processes/new",
        data={
            "csrf_token": token,
            "name": "Desk process",
            "timezone": "Europe/Madrid",
            "languages": ["en", "es"],
            "public_record": "full",
        },
    )
    assert created.status_code == 303
    url = created.headers["Location"]
    added = client.post(
        url,
        data={
            "csrf_token": token,
            "email": "new@desk.test",
            "name": "New One",
            "delegation": "",
            "new_code": "CL",
            "new_name": "Chile",
            "kind": "member_state",
            "role": "delegate",
            "head": "1",
        },
    )
    assert added.status_code == 303
    assert "new@desk.test" in client.get(url).get_data(as_text=True)
    assert mailbox.wait_for(1)[0]["To"] == "new@desk.test"


def test_a_delegate_finds_no_desk_pages(auth, client, demo):
    auth.login("mexico@demo.test")
    assert client.get("/processes").status_code == 403
    assert client.get(f"/processes/{process_id(demo)}/participants").status_code == 404


@pytest.mark.parametrize(("public_record", "shown"), [("text", False), ("full", True)])
def test_the_public_page_of_an_adopted_text_shows_comments_only_if_published(
    auth, client, demo, public_record, shown
):
    auth.login(SECRETARIAT)
    auth.client.patch(
        f"/api/processes/{process_id(demo)}",
        json={"public_record": public_record},
        headers=auth.headers(),
    )
    auth.login("mexico@demo.test")
    paragraph = demo.paragraph("6.b")["id"]
    remark = {"paragraph_id": paragraph, "body": "A remark only delegates read."}
    assert auth.post(f"/api/documents/{demo.id}/comments", remark).status_code == 201
    adopt_demo(auth, demo)
    auth.logout()
    page = client.get(f"/documents/{demo.id}")
    assert page.status_code == 200
    assert ("A remark only delegates read." in page.get_data(as_text=True)) is shown


@pytest.mark.app_config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
def test_a_mail_server_that_is_down_leaves_the_person_added_and_says_so(auth, client):
    pid = new_process(auth)
    page = client.get(f"/processes/{pid}/participants")
    form = {
        "csrf_token": csrf_in(page.get_data(as_text=True)),
        "email": "down@conf.test",
        "name": "Dana",
        "delegation": "MX",
        "role": "delegate",
    }
    response = client.post(f"/processes/{pid}/participants", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "the invitation mail could not be sent" in response.get_data(as_text=True)
    emails = [p["email"] for p in auth.get(f"/api/processes/{pid}/participants").get_json()]
    assert "down@conf.test" in emails


def test_the_desk_form_sets_whether_amendments_need_a_rationale(auth, client, demo):
    auth.login(SECRETARIAT)
    process_id = auth.get(f"/api/documents/{demo.id}").get_json()["process_id"]
    form = client.get(f"/processes/{process_id}/edit").get_data(as_text=True)
    assert 'name="rationale_required" value="1" checked' in form
    fields = {
        "csrf_token": csrf_in(form),
        "name": "RCM",
        "timezone": "America/Panama",
        "languages": ["en", "es"],
        "public_record": "text",
    }
    assert client.post(f"/processes/{process_id}/edit", data=fields).status_code == 303
    assert auth.get(f"/api/processes/{process_id}").get_json()["rationale_required"] is False
    saved = client.post(f"/processes/{process_id}/edit", data={**fields, "rationale_required": "1"})
    assert saved.status_code == 303
    assert auth.get(f"/api/processes/{process_id}").get_json()["rationale_required"] is True
