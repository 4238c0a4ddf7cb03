"""Fixtures: a fresh database per test holding the RCM demo, clients and login helpers.

The demo is built once per session with the real migrations, then copied for each test
(a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so every test starts
from the same state quickly. Set DATABASE_URL to run the whole suite on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from drafting import clock, create_app
from drafting.config import database_url
from drafting.extensions import db

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures"
FAST_HASH = "pbkdf2:sha256:1000"  # demo passwords in tests; production uses scrypt
PG_URL = os.environ.get("DATABASE_URL")
BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_METHOD": FAST_HASH,
    "SCHEDULER_ENABLED": False,
    "SOCKETIO_MESSAGE_QUEUE": None,
}


def _admin_url(url: str) -> str:
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
        engine = create_engine(_admin_url(database_url(PG_URL, "")), isolation_level="AUTOCOMMIT")
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


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    factory.build_template()
    yield factory
    factory.close()


@pytest.fixture
def app(databases, tmp_path):
    url = databases.new()
    os.environ["DRAFTING_INSTANCE"] = str(tmp_path / "instance")
    application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    clock.reset()
    databases.drop(url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    """Log in through the JSON API and remember the CSRF token for writes."""

    def __init__(self, client) -> None:
        self.client = client
        self.csrf = None

    def login(self, email: str, password: str = "demo-password"):
        response = self.client.post("/api/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        self.csrf = response.get_json()["csrf_token"]
        return response

    def logout(self):
        return self.post("/api/logout")

    def headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf} if self.csrf else {}

    def post(self, url: str, json=None, **kwargs):
        return self.client.post(
            url, json=json if json is not None else {}, headers=self.headers(), **kwargs
        )

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)


@pytest.fixture
def auth(client):
    return Auth(client)


@dataclass
class Demo:
    """The demo document and handy lookups by paragraph number."""

    app: object
    client: object
    id: int

    def document(self) -> dict:
        response = self.client.get(f"/api/documents/{self.id}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def paragraph(self, number: str) -> dict:
        for paragraph in self.document()["paragraphs"]:
            if paragraph["number"] == number:
                return paragraph
        raise KeyError(number)

    def user(self, email: str):
        from drafting.models import User

        with self.app.app_context():
            return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def demo(app, client, databases):
    return Demo(app, client, databases.demo_id)


@pytest.fixture
def fixture_text() -> str:
    name = "rcgm-2018-07-conclusions.txt"
    path = FIXTURES / name if (FIXTURES / name).exists() else ROOT / "drafting" / "demo" / name
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def live_server(databases, tmp_path_factory):
    """A real server process (python -m drafting.server) on a free port, serving a copy of
    the demo; shared by the tests of one module (tests/live_server.py)."""
    from live_server import serve

    with serve(databases, tmp_path_factory.mktemp("live")) as server:
        yield server
