"""A real server process for browser tests: `python -m drafting.server` on a free port.

It serves a copy of the test suite's demo database (SQLite file or PostgreSQL database,
whatever DATABASE_URL says), so it starts in about a second; the `live_server` fixture in
conftest.py wraps :func:`serve`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "demo-password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    document_id: int
    database_url: str
    log: Path
    process: subprocess.Popen

    def session(self, email: str) -> requests.Session:
        """A logged-in HTTP session (JSON API), e.g. to read what the server stored."""
        http = requests.Session()
        response = http.post(
            f"{self.url}/api/login", json={"email": email, "password": PASSWORD}, timeout=10
        )
        response.raise_for_status()
        http.headers["X-CSRFToken"] = response.json()["csrf_token"]
        return http

    def document(self, email: str = "secretariat@demo.test") -> dict:
        response = self.session(email).get(f"{self.url}/api/documents/{self.document_id}")
        response.raise_for_status()
        return response.json()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def serve(databases, workdir: Path, env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """Start the server on a copy of the demo database; stop it and drop the copy after.
    `env` adds settings (e.g. MAIL_SERVER and MAIL_PORT of a test's SMTP server)."""
    database_url = databases.new()
    server = start(database_url, workdir, free_port(), databases.demo_id, env=env)
    try:
        yield server
    finally:
        _stop(server.process)
        databases.drop(database_url)


def _wait_until_up(server: LiveServer, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log_tail()}")
        try:
            if requests.get(f"{server.url}/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or too busy to answer yet
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {timeout} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start(
    database_url: str,
    workdir: Path,
    port: int,
    document_id: int,
    *,
    scheduler: bool = False,
    queue: str = "",
    async_mode: str = "",
    env: dict[str, str] | None = None,
) -> LiveServer:
    """A server process on an existing database (restarts, several processes side by side);
    `async_mode` empty runs the server's default, as `make run` does."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DRAFTING_INSTANCE": str(workdir / "instance"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DRAFTING_SCHEDULER": "1" if scheduler else "0",
        "DRAFTING_SCHEDULER_INTERVAL": "1",
        "SECRET_KEY": "live-server-test-secret",
        "SOCKETIO_MESSAGE_QUEUE": queue,
        "SOCKETIO_ASYNC_MODE": async_mode,
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_ENABLED": "0",
        **(env or {}),
    }
    log = workdir / f"server-{port}-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "drafting.server"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", document_id, database_url, log, process)
    _wait_until_up(server)
    return server
