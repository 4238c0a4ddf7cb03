"""People in a document over Socket.IO without a browser: a logged-in HTTP client and a
socket sharing its cookie, and the versions stored for a paragraph."""

from __future__ import annotations

from sqlalchemy import select

from drafting.extensions import db, socketio
from drafting.models import Version

PASSWORD = "demo-password"


class Peer:
    """One person: a logged-in HTTP client and a socket sharing its session cookie."""

    def __init__(self, app, email: str, document_id: int, *, join: bool = True) -> None:
        self.app = app
        self.email = email
        self.document_id = document_id
        self.http = app.test_client()
        response = self.http.post("/api/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        self.csrf = response.get_json()["csrf_token"]
        self.sio = socketio.test_client(app, flask_test_client=self.http)
        assert self.sio.is_connected()
        self.snapshot = self.join() if join else None

    def join(self, document_id: int | None = None) -> dict:
        return self.sio.emit(
            "join", {"document_id": document_id or self.document_id}, callback=True
        )

    def edit(self, paragraph_id: int, base_version: int, patch: str, lang: str = "en") -> dict:
        data = {
            "paragraph_id": paragraph_id,
            "lang": lang,
            "base_version": base_version,
            "patch": patch,
        }
        return self.sio.emit("edit", data, callback=True)

    def resync(self, paragraph_id: int, lang: str = "en") -> dict:
        return self.sio.emit("resync", {"paragraph_id": paragraph_id, "lang": lang}, callback=True)

    def received(self, name: str | None = None) -> list[dict]:
        return [
            message["args"][0]
            for message in self.sio.get_received()
            if name is None or message["name"] == name
        ]

    def reconnect(self) -> None:
        self.sio.disconnect()
        self.sio = socketio.test_client(self.app, flask_test_client=self.http)
        assert self.sio.is_connected()
        self.snapshot = self.join()


def stored(app, paragraph_id: int, lang: str = "en") -> list[Version]:
    with app.app_context():
        versions = db.session.scalars(
            select(Version)
            .where(Version.paragraph_id == paragraph_id, Version.lang == lang)
            .order_by(Version.seq)
        ).all()
        db.session.expunge_all()
        return list(versions)
