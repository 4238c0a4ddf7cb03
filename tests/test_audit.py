"""Tamper evidence, backups, and a fresh session on login (throttling: test_session.py)."""

from __future__ import annotations

import json
from datetime import timedelta, timezone

from sqlalchemy import text
from support.adoption import adopt_demo

from drafting import create_app
from drafting.extensions import db
from drafting.models import Document

GMT_6 = timezone(timedelta(hours=-6))


def test_verify_reports_an_intact_chain_and_hash(auth, demo, runner):
    adopt_demo(auth, demo)
    result = runner.invoke(args=["verify", str(demo.id)])
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output and "matches" in result.output


def test_verify_detects_a_rewritten_audit_entry(auth, demo, runner, app):
    adopt_demo(auth, demo)
    with app.app_context():
        # Someone with database access edits history behind the application's back.
        db.session.execute(
            text(
                "UPDATE audit_entry SET reason = 'nothing happened' WHERE id = "
                "(SELECT MIN(id) FROM audit_entry WHERE document_id = :d)"
            ),
            {"d": demo.id},
        )
        db.session.commit()
    result = runner.invoke(args=["verify", str(demo.id)])
    assert result.exit_code == 1
    assert "content does not match its hash" in result.output


def test_verify_detects_a_changed_adopted_text(auth, demo, runner, app):
    adopt_demo(auth, demo)
    with app.app_context():
        db.session.execute(
            text("UPDATE version SET text = 'forged' WHERE id = (SELECT MAX(id) FROM version)")
        )
        db.session.commit()
    result = runner.invoke(args=["verify", str(demo.id)])
    assert result.exit_code == 1
    assert "adopted text SHA-256" in result.output


def test_export_and_import_process_round_trip(auth, demo, runner, app, tmp_path, databases):
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("3")
    auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions",
        {"lang": "en", "text": "To thank UNHCR [warmly].", "base_version": 1},
    )
    auth.logout()
    backup_path, again_path = tmp_path / "backup.json", tmp_path / "again.json"
    with app.app_context():
        from drafting.models import Process

        pid = db.session.scalar(db.select(Process.id))
    result = runner.invoke(args=["export-process", str(pid), "-o", str(backup_path)])
    assert result.exit_code == 0, result.output
    backup = json.loads(backup_path.read_text())
    assert len(backup["tables"]["version"]) == 93
    assert backup["tables"]["audit_entry"]

    # restore into an empty database built by the migrations
    url = databases.new()
    other = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": url})
    with other.app_context():
        from drafting.cli import drop_everything, migrate_to_head

        drop_everything()
        migrate_to_head()
    other_runner = other.test_cli_runner()
    result = other_runner.invoke(args=["import-process", str(backup_path)])
    assert result.exit_code == 0, result.output
    result = other_runner.invoke(args=["export-process", str(pid), "-o", str(again_path)])
    assert result.exit_code == 0, result.output
    assert json.loads(again_path.read_text()) == backup
    assert other_runner.invoke(args=["verify", str(demo.id)]).exit_code == 0
    # importing twice is refused and changes nothing
    result = other_runner.invoke(args=["import-process", str(backup_path)])
    assert result.exit_code != 0 and "already exist" in result.output
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


def test_login_starts_a_fresh_session(client, demo):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/api/login", json={"email": "mexico@demo.test", "password": "demo-password"})
    with client.session_transaction() as session:
        assert "planted" not in session


def audit_seen_by(app, demo, email: str | None):
    client = app.test_client()
    if email:
        login = client.post("/api/login", json={"email": email, "password": "demo-password"})
        assert login.status_code == 200
    return client.get(f"/api/documents/{demo.id}/audit")


def test_only_the_process_staff_see_e_mails_in_the_audit_log(auth, demo, app):
    with app.app_context():  # a process that publishes the whole record on adoption
        db.session.get(Document, demo.id).process.public_record = "full"
        db.session.commit()
    adopt_demo(auth, demo)
    for email in (None, "mexico@demo.test", "iom@demo.test"):
        response = audit_seen_by(app, demo, email)
        assert response.status_code == 200
        assert "@" not in response.get_data(as_text=True), email
        people = {e["user"] for e in response.get_json()} - {None}
        assert people and all(isinstance(name, str) for name in people)
    for email in ("secretariat@demo.test", "panama@demo.test"):
        response = audit_seen_by(app, demo, email)
        assert response.status_code == 200
        assert "panama@demo.test" in {e["user"] for e in response.get_json()}
