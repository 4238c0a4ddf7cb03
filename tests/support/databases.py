"""Test databases: one demo database per test, copied from a template built once (SQLite
files, or PostgreSQL databases made with CREATE DATABASE ... TEMPLATE)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from drafting import create_app
from drafting.config import database_url
from drafting.extensions import db

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures"
FAST_HASH = "pbkdf2:sha256:1000"  # demo passwords in tests; production uses scrypt
PG_URL = os.environ.get("DATABASE_URL")
BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_METHOD": FAST_HASH,
    "SCHEDULER_ENABLED": False,
    "SOCKETIO_MESSAGE_QUEUE": None,
    # Tests log in many times; those about throttling turn it on with app_config.
    "RATELIMIT_ENABLED": False,
}


def admin_url(url: str) -> str:
    return str(make_url(url).set(database="postgres"))


class DatabaseFactory:
    """Makes one demo database per test from a template built once."""

    def __init__(self, tmp_root: Path) -> None:
        self.tmp_root = tmp_root
        self.pg = bool(PG_URL)
        self.template_name = f"drafting_tpl_{uuid.uuid4().hex[:8]}"
        self.template_path = tmp_root / "template.db"
        self.created: list[str] = []
        self.demo_id = None

    def url_for(self, name: str) -> str:
        if self.pg:
            return str(
                make_url(database_url(PG_URL, ""))
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        return f"sqlite:///{self.tmp_root / name}.db"

    def _admin(self, statement: str) -> None:
        engine = create_engine(admin_url(database_url(PG_URL, "")), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(statement))
        engine.dispose()

    def build_template(self) -> None:
        from flask_migrate import upgrade

        from drafting import demo

        if self.pg:
            self._admin(f'CREATE DATABASE "{self.template_name}"')
            url = self.url_for(self.template_name)
        else:
            url = f"sqlite:///{self.template_path}"
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            self.demo_id = demo.load().id
            db.session.remove()
            db.engine.dispose()

    def new(self) -> str:
        name = f"drafting_t_{uuid.uuid4().hex[:10]}"
        if self.pg:
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"')
            self.created.append(name)
        else:
            shutil.copyfile(self.template_path, self.tmp_root / f"{name}.db")
        return self.url_for(name)

    def drop(self, url: str) -> None:
        if self.pg:
            name = make_url(url).database
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            Path(make_url(url).database).unlink(missing_ok=True)

    def close(self) -> None:
        if self.pg:
            self._admin(f'DROP DATABASE IF EXISTS "{self.template_name}" WITH (FORCE)')
