"""Fixtures: a fresh database per test holding the RCM demo, clients and login helpers.

The demo is built once per session with the real migrations, then copied for each test
(a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so every test starts
from the same state quickly. Set DATABASE_URL to run the whole suite on PostgreSQL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from support.databases import BASE_CONFIG, FIXTURES, ROOT, DatabaseFactory
from support.mail import mailbox  # noqa: F401  (fixture: a real SMTP server)

from drafting import clock, create_app
from drafting.extensions import db
from drafting.services import change_push


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    factory.build_template()
    yield factory
    factory.close()


@pytest.fixture
def app(request, databases, tmp_path):
    """The app on a fresh demo database; @pytest.mark.app_config(KEY=value) adds settings."""
    url = databases.new()
    os.environ["DRAFTING_INSTANCE"] = str(tmp_path / "instance")
    marker = request.node.get_closest_marker("app_config")
    extra = marker.kwargs if marker else {}
    application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **extra})
    yield application
    change_push.settle()  # no background push left reading the database about to go
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
    the demo; shared by the tests of one module (tests/support/live_server.py)."""
    from support.live_server import serve

    with serve(databases, tmp_path_factory.mktemp("live")) as server:
        yield server
