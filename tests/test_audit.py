"""Tamper evidence, backups, and a fresh session on login (throttling: test_session.py).

Each tampering test changes the stored record with raw SQL, as someone with database access
but not the application would, and expects `flask verify` to say what broke and where."""

from __future__ import annotations

import json

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from support.adoption import adopt_demo as adopt
from support.amendments import edit, open_round
from support.integrity import (
    as_before_the_chain,
    empty_database,
    load_rows,
    negotiate,
    scalar,
    tamper,
)

from drafting.extensions import db
from drafting.models import Document, FrozenDocument, Process, Version
from drafting.models.text import VersionSource
from drafting.services.backup import export_process


def test_verify_reports_an_intact_chain_and_hash(auth, demo, runner):
    adopt(auth, demo)
    result = runner.invoke(args=["verify", str(demo.id)])
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output and "matches" in result.output


def test_verify_detects_a_rewritten_audit_entry(auth, demo, runner, app):
    adopt(auth, demo)
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
    adopt(auth, demo)
    with app.app_context():
        db.session.execute(
            text("UPDATE version SET text = 'forged' WHERE id = (SELECT MAX(id) FROM version)")
        )
        db.session.commit()
    result = runner.invoke(args=["verify", str(demo.id)])
    assert result.exit_code == 1
    assert "adopted text SHA-256" in result.output


def verify(runner, demo):
    return runner.invoke(args=["verify", str(demo.id)])


def versions_of(app, demo, number_sql: str = "") -> int:
    """The id of the document's first version (optionally narrowed by more SQL)."""
    return scalar(
        app,
        "SELECT MIN(v.id) FROM version v JOIN paragraph p ON p.id = v.paragraph_id "
        f"WHERE p.document_id = :d {number_sql}",
        d=demo.id,
    )


def test_verify_vouches_for_a_whole_negotiation(auth, demo, runner):
    negotiate(auth, demo)
    adopt(auth, demo)
    result = verify(runner, demo)
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output and "matches" in result.output


@pytest.mark.parametrize("rewind", [False, True], ids=["entry", "entry-and-chain-columns"])
def test_verify_detects_a_deleted_last_entry(auth, demo, runner, app, rewind):
    edit(auth, demo, "elsalvador@demo.test", "3", "To thank UNHCR warmly.")
    version = scalar(app, "SELECT MAX(id) FROM version")
    last = scalar(app, "SELECT MAX(id) FROM audit_entry WHERE document_id = :d", d=demo.id)
    tamper(app, "DELETE FROM audit_entry WHERE id = :e", e=last)
    if rewind:  # and makes the document's own record of the chain agree
        tamper(
            app,
            "UPDATE document SET chain_length = chain_length - 1, chain_head = (SELECT hash "
            "FROM audit_entry WHERE id = (SELECT MAX(id) FROM audit_entry WHERE document_id = "
            ":d)) WHERE id = :d",
            d=demo.id,
        )
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert f"version {version}: no audit entry records it" in result.output
    if not rewind:
        assert "entries deleted or added" in result.output
        assert "is not the chain head the document records" in result.output


@pytest.mark.parametrize("rewind", [False, True], ids=["entries", "entries-and-chain-columns"])
def test_verify_detects_all_entries_of_a_document_deleted(demo, runner, app, rewind):
    tamper(app, "DELETE FROM audit_entry WHERE document_id = :d", d=demo.id)
    if rewind:
        tamper(
            app, "UPDATE document SET chain_length = 0, chain_head = '' WHERE id = :d", d=demo.id
        )
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert f"version {versions_of(app, demo)}: no audit entry records it" in result.output
    if not rewind:
        assert "0 audit entries found, the document records" in result.output


@pytest.mark.parametrize("with_hash", [False, True], ids=["text", "text-and-its-hash"])
def test_verify_detects_a_rewritten_superseded_version_of_an_adopted_text(
    auth, demo, runner, app, with_hash
):
    edit(auth, demo, "elsalvador@demo.test", "3", "To thank UNHCR warmly.")
    paragraph = demo.paragraph("3")["id"]
    edit(auth, demo, "elsalvador@demo.test", "3", "Agradecer calurosamente al ACNUR.", "es")
    adopt(auth, demo)
    superseded = versions_of(app, demo, f"AND p.id = {paragraph} AND v.lang = 'en'")
    tamper(app, "UPDATE version SET text = 'To thank nobody.' WHERE id = :v", v=superseded)
    if with_hash:  # the forger also gives the row the hash of its new content
        with app.app_context():
            forged = db.session.get(Version, superseded).content_hash()
        tamper(app, "UPDATE version SET hash = :h WHERE id = :v", h=forged, v=superseded)
    result = verify(runner, demo)
    assert result.exit_code == 1
    if with_hash:
        assert f"version {superseded}: hash is not the one entry" in result.output
    else:
        assert f"version {superseded}: content does not match its hash" in result.output
    assert "adopted text SHA-256" not in result.output  # the adopted text itself is intact


def test_verify_detects_a_changed_version_of_a_document_under_review(demo, runner, app):
    version = versions_of(app, demo)
    tamper(app, "UPDATE version SET text = 'forged' WHERE id = :v", v=version)
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert f"version {version}: content does not match its hash" in result.output


def test_verify_detects_a_changed_title_of_a_document_under_review(demo, runner, app):
    tamper(app, "UPDATE document SET title = 'Another text' WHERE id = :d", d=demo.id)
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert f"document {demo.id}: content does not match its hash" in result.output


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE paragraph SET status = 'agreed' WHERE id = :p",
        "UPDATE paragraph SET position = position + 100 WHERE id = :p",
    ],
    ids=["status", "place"],
)
def test_verify_detects_a_paragraph_moved_or_agreed_behind_the_committee(
    auth, demo, runner, app, change
):
    negotiate(auth, demo)  # the tree was last recorded by a decision, not by the import
    paragraph = scalar(app, "SELECT MIN(id) FROM paragraph WHERE document_id = :d", d=demo.id)
    tamper(app, change, p=paragraph)
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert "the paragraphs' places or statuses are not those entry" in result.output


def test_verify_detects_a_changed_amendment_rationale(auth, demo, runner, app):
    made = negotiate(auth, demo)
    tamper(
        app,
        "UPDATE amendment SET rationale = 'We never said that.' WHERE id = :a",
        a=made["rejected"],
    )
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert f"amendment {made['rejected']}: content does not match its hash" in result.output


def test_verify_detects_a_changed_amendment_decision(auth, demo, runner, app):
    made = negotiate(auth, demo)
    tamper(
        app,
        "UPDATE amendment SET status = 'accepted', decision_note = NULL WHERE id = :a",
        a=made["rejected"],
    )
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert f"amendment {made['rejected']}: status, decision or note differ" in result.output


@pytest.mark.parametrize(
    "table, change",
    [
        ("reservation", "UPDATE reservation SET text = 'We join consensus.' WHERE id = :row"),
        ("comment", "UPDATE comment SET body = 'Agreed.' WHERE id = :row"),
        (
            "revision",
            "DELETE FROM revision_version WHERE revision_id = :row AND version_id = "
            "(SELECT MAX(version_id) FROM revision_version WHERE revision_id = :row)",
        ),
    ],
)
def test_verify_detects_changed_reservations_comments_and_revisions(
    auth, demo, runner, app, table, change
):
    negotiate(auth, demo)
    row = scalar(app, f"SELECT MIN(id) FROM {table} WHERE document_id = :d", d=demo.id)
    tamper(app, change, row=row)
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert f"{table} {row}: content does not match its hash" in result.output


def test_verify_detects_a_deadline_moved(auth, demo, runner, app):
    open_round(auth, demo)
    deadline = scalar(app, "SELECT MAX(id) FROM deadline WHERE document_id = :d", d=demo.id)
    tamper(app, "UPDATE deadline SET due_at = created_at WHERE id = :row", row=deadline)
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert f"deadline {deadline}: content does not match its hash" in result.output


def test_verify_detects_a_deleted_row_an_entry_records(auth, demo, runner, app):
    negotiate(auth, demo)
    sponsor = scalar(app, "SELECT MIN(id) FROM co_sponsor")
    tamper(app, "DELETE FROM co_sponsor WHERE id = :c", c=sponsor)
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert f"records co_sponsor {sponsor}, which is missing" in result.output


def test_an_adopted_document_set_back_to_review_stays_frozen_and_is_reported(
    auth, demo, runner, app
):
    adopt(auth, demo)
    tamper(app, "UPDATE document SET state = 'committee_review' WHERE id = :d", d=demo.id)
    result = verify(runner, demo)
    assert result.exit_code == 1
    assert "is sealed, so the document is adopted, but its state is committee_review" in (
        result.output
    )
    assert "left it adopted" in result.output
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("3")
    response = auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions",
        {"lang": "en", "text": "Rewritten after adoption.", "base_version": 1},
    )
    assert response.status_code == 409
    with app.app_context():  # and below the policy, the model layer refuses the write
        db.session.add(
            Version(
                paragraph_id=paragraph["id"],
                lang="en",
                seq=2,
                text="Rewritten after adoption.",
                source=VersionSource.EDIT,
            )
        )
        with pytest.raises(FrozenDocument):
            db.session.flush()
        db.session.rollback()
    assert demo.paragraph("3")["version"]["en"] == 1


def test_a_transaction_that_seals_the_final_revision_cannot_write_to_the_text_after(
    auth, demo, app
):
    """The guard remembers, within a transaction, the documents it found open (an edit
    flushes several times); sealing a Final revision in that same transaction ends it."""
    from drafting.models import Paragraph, Revision
    from drafting.services import paragraphs

    auth.login("secretariat@demo.test")
    number = demo.paragraph("3")["id"]
    with app.app_context():
        document = db.session.get(Document, demo.id)
        paragraph = db.session.get(Paragraph, number)
        paragraphs.store_version(document, paragraph, None, "en", "Changed while still open.")
        final = Revision(document_id=demo.id, label="Final", state="adopted", sha256="0" * 64)
        db.session.add(final)
        db.session.flush()
        with pytest.raises(FrozenDocument):
            paragraphs.store_version(document, paragraph, None, "en", "Changed once sealed.")
        db.session.rollback()
    assert demo.paragraph("3")["version"]["en"] == 1


def process_id(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Process.id))


def test_export_and_import_process_round_trip(auth, demo, runner, app, tmp_path, databases):
    negotiate(auth, demo)
    adopt(auth, demo)
    auth.logout()
    backup_path, again_path = tmp_path / "backup.json", tmp_path / "again.json"
    pid = process_id(app)
    result = runner.invoke(args=["export-process", str(pid), "-o", str(backup_path)])
    assert result.exit_code == 0, result.output
    backup = json.loads(backup_path.read_text())
    assert len(backup["tables"]["version"]) == 96
    assert backup["tables"]["audit_entry"]

    with empty_database(app, databases) as (other, _):
        other_runner = other.test_cli_runner()
        result = other_runner.invoke(args=["import-process", str(backup_path)])
        assert result.exit_code == 0, result.output
        result = other_runner.invoke(args=["export-process", str(pid), "-o", str(again_path)])
        assert result.exit_code == 0, result.output
        assert json.loads(again_path.read_text()) == backup
        result = other_runner.invoke(args=["verify", str(demo.id)])
        assert result.exit_code == 0, result.output
        assert "matches" in result.output
        # importing twice is refused and changes nothing
        result = other_runner.invoke(args=["import-process", str(backup_path)])
        assert result.exit_code == 1
        assert "already exist" in result.output


def test_backups_leave_password_hashes_out_unless_asked(demo, runner, app, tmp_path, databases):
    plain_path, full_path = tmp_path / "plain.json", tmp_path / "full.json"
    pid = process_id(app)
    assert runner.invoke(args=["export-process", str(pid), "-o", str(plain_path)]).exit_code == 0
    full = ["export-process", str(pid), "-o", str(full_path), "--with-password-hashes"]
    assert runner.invoke(args=full).exit_code == 0
    plain_users = json.loads(plain_path.read_text())["tables"]["user"]
    full_users = json.loads(full_path.read_text())["tables"]["user"]
    assert not any("password_hash" in user for user in plain_users)
    assert all(user["password_hash"].startswith("pbkdf2:") for user in full_users)
    assert [u["email"] for u in plain_users] == [u["email"] for u in full_users]

    login = {"email": "mexico@demo.test", "password": "demo-password"}
    with empty_database(app, databases) as (other, _):
        other_runner = other.test_cli_runner()
        result = other_runner.invoke(args=["import-process", str(plain_path)])
        assert result.exit_code == 0, result.output
        assert "flask set-password" in result.output
        assert other.test_client().post("/api/login", json=login).status_code == 401
        result = other_runner.invoke(
            args=["set-password", "mexico@demo.test", "--password", "a-new-password"]
        )
        assert result.exit_code == 0, result.output
        fresh = {**login, "password": "a-new-password"}
        assert other.test_client().post("/api/login", json=fresh).status_code == 200
        assert other_runner.invoke(args=["verify", str(demo.id)]).exit_code == 0
    with empty_database(app, databases) as (other, _):
        result = other.test_cli_runner().invoke(args=["import-process", str(full_path)])
        assert result.exit_code == 0, result.output
        assert other.test_client().post("/api/login", json=login).status_code == 200


def test_a_database_upgraded_from_0001_verifies(auth, demo, app, databases):
    negotiate(auth, demo)
    adopt(auth, demo)
    with app.app_context():
        backup = export_process(process_id(app), with_password_hashes=True)
    with empty_database(app, databases, revision="0001_initial") as (other, url):
        load_rows(url, as_before_the_chain(backup))  # what the application wrote before 0002
        with other.app_context():
            upgrade()
        runner = other.test_cli_runner()
        result = runner.invoke(args=["verify", str(demo.id)])
        assert result.exit_code == 0, result.output
        assert "matches" in result.output
        backfills = "SELECT COUNT(*) FROM audit_entry WHERE action = 'integrity_backfill'"
        assert scalar(other, backfills) == 1
        # the adopted document is sealed, so frozen, and its rows are vouched for from now on
        tamper(other, "UPDATE document SET state = 'committee_review' WHERE id = :d", d=demo.id)
        tamper(other, "UPDATE version SET text = 'forged' WHERE id = (SELECT MIN(id) FROM version)")
        result = runner.invoke(args=["verify", str(demo.id)])
        assert result.exit_code == 1
        assert "content does not match its hash" in result.output
        assert "is sealed, so the document is adopted" in result.output


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
    adopt(auth, demo)
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
