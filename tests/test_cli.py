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


def test_demo_if_empty_prints_the_address_to_open_last(runner, demo):
    result = runner.invoke(args=["demo-if-empty"], env={"HOST": "0.0.0.0", "PORT": "5001"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Demo loaded" not in result.output  # the database already holds the demo
    assert lines[-1] == f"Open http://127.0.0.1:5001/documents/{demo.id}"
    assert lines[0] == "Demo logins (password: demo-password):"
    assert lines[-2].split() == ["unhcr@demo.test", "UN", "Refugee", "Agency", "observer"]


def _start_demo_server(tmp_path, port: int):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SOCKETIO_MESSAGE_QUEUE")  # its own SQLite file
    }
    env |= {
        "DRAFTING_INSTANCE": str(tmp_path / "instance"),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DRAFTING_SCHEDULER": "0",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / f"run-{len(list(tmp_path.glob('run-*')))}.log"
    out = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "drafting.server", "--demo"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    return process, log


def _banner_of(process, log, port: int) -> str:
    """The server's output once it printed the address (or exited)."""
    import time

    wanted = f"Open http://127.0.0.1:{port}/documents/1"
    for _ in range(1200):  # a start under heavy load; the assertion is on what is printed
        text = log.read_text(errors="replace")
        if wanted in text or process.poll() is not None:
            return text
        time.sleep(0.1)
    return log.read_text(errors="replace")


def test_make_run_prints_the_address_and_logins_last_and_a_second_start_skips_the_set_up(
    tmp_path,
):
    """`make run` starts `python -m drafting.server --demo`: the first start migrates and
    loads the demo, the second does neither; both end their output with the logins and
    the address to open, printed once the server answers."""
    import signal

    from support.live_server import free_port

    for run in ("first", "second"):
        port = free_port()
        process, log = _start_demo_server(tmp_path, port)
        try:
            output = _banner_of(process, log, port)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        lines = [line for line in output.splitlines() if line.strip()]
        assert lines[-1] == f"Open http://127.0.0.1:{port}/documents/1", output
        assert "Traceback" not in output
        logins = lines.index("Demo logins (password: demo-password):")
        assert any("panama@demo.test" in line for line in lines[logins:])
        assert all("werkzeug" not in line for line in lines[logins:])  # nothing after them
        if run == "first":
            assert "Running upgrade" in output and "Demo loaded" in output
        else:
            assert "Running upgrade" not in output and "Demo loaded" not in output
