"""Command-line tools: the demo, accounts, deadlines for cron, integrity checks."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select, text

from drafting.extensions import db


def at_head() -> bool:
    """Whether the database already holds every migration (a second start has none to run)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app

    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(script.get_heads())


def migrate_to_head() -> None:
    """Apply the migrations the database lacks; nothing at all when it is at head."""
    from flask_migrate import upgrade

    if not at_head():
        upgrade()


def drop_everything() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def load_demo_if_empty() -> int | None:
    """Load the demo into a database that holds no process yet; the first document's id."""
    from drafting import demo
    from drafting.models import Document, Process

    if db.session.scalar(select(Process.id).limit(1)) is None:
        document = demo.load()
        click.echo(f"Demo loaded: {document.title}.")
    first = db.session.scalar(select(Document.id).order_by(Document.id).limit(1))
    db.session.rollback()  # read only from here: release the database
    return first


def local_url() -> str:
    """The address a browser on this machine opens (HOST and PORT, as the server reads them)."""
    host = os.environ.get("HOST", "127.0.0.1")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{shown}:{os.environ.get('PORT', '5000')}"


def print_logins(document_id: int | None = None, base_url: str | None = None) -> None:
    """The demo logins, then the address to open as the very last line."""
    from drafting import demo

    base_url = base_url or local_url()

    click.echo("")
    click.echo(f"Demo logins (password: {demo.PASSWORD}):")
    for email, delegation, role in demo.logins():
        click.echo(f"  {email:<32} {delegation:<40} {role}")
    click.echo("")
    if document_id is not None:
        click.echo(f"Open {base_url}/documents/{document_id}")
        click.echo("")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Reset the database and load the RCM demo (deletes all data)."""
    from drafting import demo

    drop_everything()
    migrate_to_head()
    document = demo.load()
    click.echo(f"Demo loaded: {document.title} (id {document.id}, state {document.state}).")
    print_logins(document.id)


@click.command("demo-if-empty")
@with_appcontext
def demo_if_empty_command() -> None:
    """Apply migrations, then load the demo only if the database holds no process yet."""
    migrate_to_head()
    print_logins(load_demo_if_empty())


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--delegation", "code", required=True, help="delegation code, e.g. SV")
@click.option("--delegation-name", default=None)
@click.option(
    "--kind",
    type=click.Choice(["member_state", "observer", "civil_society", "secretariat"]),
    default="member_state",
)
@click.option("--process", "process_id", type=int, default=None)
@click.option(
    "--role",
    type=click.Choice(["secretariat", "ppt", "committee", "delegate", "observer"]),
    default=None,
)
@click.option("--admin", is_flag=True, help="a site administrator (may create processes)")
@click.password_option()
@with_appcontext
def create_user_command(
    email, name, code, delegation_name, kind, process_id, role, admin, password
) -> None:
    """Create an account (and its delegation if new), optionally with a role in a process;
    --admin makes a site administrator."""
    from drafting.models import Process
    from drafting.models.people import DelegationKind, Role
    from drafting.services import people
    from drafting.services.errors import ServiceError

    try:
        delegation = people.delegation(code, delegation_name or code, DelegationKind(kind))
        user = people.create_user(email, name, password, delegation)
        user.is_admin = admin
        if process_id is not None:
            process = db.session.get(Process, process_id)
            if process is None or role is None:
                raise click.UsageError("--process needs an existing process id and --role")
            people.add_member(user, process, Role(role))
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    click.echo(f"created {user.email} ({delegation.code})")


@click.command("set-password")
@click.argument("email")
@click.password_option()
@with_appcontext
def set_password_command(email: str, password: str) -> None:
    """Set an account's password, e.g. for users restored from a backup without hashes."""
    from drafting.services import people
    from drafting.services.errors import ServiceError

    try:
        user = people.set_password(email, password)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"password set for {user.email}")


@click.command("create-process")
@click.option("--name", required=True)
@click.option("--acronym", default="")
@click.option("--timezone", "tz", default="America/Panama")
@with_appcontext
def create_process_command(name, acronym, tz) -> None:
    """Create a negotiating process."""
    from drafting.models import Process

    process = Process(name=name, acronym=acronym, timezone=tz)
    db.session.add(process)
    db.session.commit()
    click.echo(f"process {process.id}: {process.name}")


@click.command("lock-user")
@click.argument("email")
@click.option("--unlock", is_flag=True, help="let the account log in again")
@with_appcontext
def lock_user_command(email: str, unlock: bool) -> None:
    """Lock an account (it cannot log in; its sessions and sockets end) or unlock it."""
    from drafting.models import User
    from drafting.services import people

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account {email}")
    if unlock:
        people.unlock_account(user)
    else:
        people.lock_account(user)
    db.session.commit()
    click.echo(f"{email}: {'unlocked' if unlock else 'locked; its sessions have ended'}")


@click.command("deadlines")
@with_appcontext
def deadlines_command() -> None:
    """Act on every deadline that has passed, agreements ad referendum expiring included (for
    cron; the server does it too)."""
    from drafting.services.ad_referendum import expire_due
    from drafting.services.workflow import run_due

    done = run_due()
    for deadline_id, outcome in done:
        click.echo(f"deadline {deadline_id}: {outcome}")
    expired = expire_due()
    for ad_ref_id in expired:
        click.echo(f"ad referendum {ad_ref_id}: expired")
    if not done and not expired:
        click.echo("no deadline due")


@click.group("notifications")
def notifications_group() -> None:
    """Notification mails (the server sends them too, every scheduler pass)."""


@notifications_group.command("send")
@with_appcontext
def notifications_send_command() -> None:
    """Send the reminders and the notification mails that are due (for cron)."""
    from drafting.services import deliveries, notifications

    reminded = notifications.remind_due()
    sent = deliveries.send_due()
    click.echo(f"{reminded} reminder(s) recorded, {sent} mail(s) sent")


@click.command("verify")
@click.argument("document_id", type=int)
@with_appcontext
def verify_command(document_id: int) -> None:
    """Recompute a document's audit hash chain, the hash of every record it vouches for and,
    if adopted, its text's SHA-256; exit 1 and say where if anything does not add up. Keep
    the chain's length and head it prints somewhere else: they show a rewritten history."""
    from drafting.models import Document
    from drafting.services.audit import verify

    document = db.session.get(Document, document_id)
    if document is None:
        raise click.ClickException(f"no document {document_id}")
    problems = verify(document)
    if problems:
        for problem in problems:
            click.echo(f"BROKEN: {problem}")
        sys.exit(1)
    click.echo(
        f"document {document_id}: audit chain intact"
        f" ({document.chain_length} entries, head {document.chain_head})"
        + (f", adopted text SHA-256 {document.sha256} matches" if document.is_adopted else "")
    )


@click.command("export-process")
@click.argument("process_id", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False), required=True)
@click.option(
    "--with-password-hashes",
    is_flag=True,
    help="Include the users' password hashes (left out by default: users restored without "
    "them cannot log in until `flask set-password` gives them one).",
)
@with_appcontext
def export_process_command(process_id: int, output: str, with_password_hashes: bool) -> None:
    """Write a whole process (documents, versions, amendments, audit, participants' names
    and e-mails) to one JSON file; password hashes only with --with-password-hashes."""
    from drafting.services.backup import dumps, export_process
    from drafting.services.errors import ServiceError

    try:
        backup = export_process(process_id, with_password_hashes=with_password_hashes)
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from None
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(dumps(backup))
    counts = ", ".join(f"{len(rows)} {name}" for name, rows in backup["tables"].items() if rows)
    click.echo(f"process {process_id} written to {output}: {counts}")


@click.command("import-process")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_process_command(path: str) -> None:
    """Restore a process from an export-process file (into a database without it). Users
    exported without password hashes cannot log in until `flask set-password` is run."""
    import json

    from drafting.services.backup import import_process
    from drafting.services.errors import ServiceError

    try:
        with open(path, encoding="utf-8") as handle:
            backup = json.load(handle)
        process_id = import_process(backup)
        db.session.commit()
    except (ServiceError, ValueError) as error:
        db.session.rollback()
        raise click.ClickException(getattr(error, "message", str(error))) from None
    click.echo(f"process {process_id} restored")
    users = backup["tables"].get("user", [])
    if any("password_hash" not in user for user in users):
        click.echo(
            "the backup holds no password hashes: users new to this database cannot log in "
            "until `flask set-password EMAIL` gives them a password"
        )


@click.command("seed-tags")
@with_appcontext
def seed_tags_command() -> None:
    """Create (or update) the 23 GCM objectives as tags, in English and Spanish."""
    from drafting.services.tags import seed_gcm

    added = seed_gcm()
    db.session.commit()
    click.echo(f"GCM objectives: {added} added, {23 - added} already there")


def register(app: Flask) -> None:
    for command in (
        demo_command,
        demo_if_empty_command,
        create_user_command,
        set_password_command,
        create_process_command,
        lock_user_command,
        deadlines_command,
        notifications_group,
        verify_command,
        export_process_command,
        import_process_command,
        seed_tags_command,
    ):
        app.cli.add_command(command)
