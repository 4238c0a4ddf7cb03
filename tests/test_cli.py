"""The command line: demo reset, accounts, deadlines, verification."""

from __future__ import annotations

from sqlalchemy import func, select

from drafting.extensions import db
from drafting.models import Document, Paragraph, User, Version


def test_demo_command_resets_and_reloads(app, runner, auth, demo):
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("3")
    auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions",
        {"lang": "en", "text": "changed", "base_version": 1},
    )
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "panama@demo.test" in result.output and "demo-password" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 1
        document = db.session.scalar(select(Document))
        assert document.state == "committee_review"
        assert db.session.scalar(select(func.count(Paragraph.id))) == 46
        assert db.session.scalar(select(func.max(Version.seq))) == 1
        assert db.session.scalar(select(func.count(User.id))) == 14


def test_create_user_command(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Delegate@Example.org",
            "--name",
            "A Delegate",
            "--delegation",
            "JM",
            "--delegation-name",
            "Jamaica",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "delegate@example.org"))
        assert user.delegation.code == "JM"
        assert user.check_password("a-long-password")


def test_create_user_refuses_short_password(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--delegation",
            "JM",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0
    assert "10 characters" in result.output
