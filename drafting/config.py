"""Settings read from the environment, with defaults that work on a fresh machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024
DEFAULT_MAX_JSON = 1024 * 1024


def database_url(raw: str | None, instance_path: str) -> str:
    """Normalise DATABASE_URL; plain postgresql:// URLs get the psycopg 3 driver."""
    if not raw:
        return "sqlite:///" + str(Path(instance_path) / "drafting.db")
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/.

    Keeping it on disk means sessions survive a restart of `make run` without anyone
    having to invent a key.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def rate_limit_storage(message_queue: str | None) -> str:
    """Where login attempts are counted when RATELIMIT_STORAGE_URI is not set: the Redis of
    the Socket.IO queue, so every server process shares the counts; memory otherwise (one
    process, counts lost on restart)."""
    if message_queue and message_queue.startswith(("redis://", "rediss://")):
        return message_queue
    return "memory://"


def mail_settings(instance_path: str) -> dict[str, Any]:
    """SMTP when MAIL_SERVER is set; otherwise each message becomes an .eml file in
    instance/mail/, so a fresh install works offline (drafting/services/mail.py)."""
    server = os.environ.get("MAIL_SERVER")
    return {
        "MAIL_BACKEND": "smtp" if server else "drafting.services.mail.EmailBackend",
        "MAIL_SERVER": server or "localhost",
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes"),
        "MAIL_TIMEOUT": 10,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "drafting@localhost"),
        "MAIL_FILE_PATH": str(Path(instance_path) / "mail"),
    }


def from_env(instance_path: str) -> dict[str, Any]:
    """The app's configuration as Flask config keys."""
    secure = os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes")
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL"), instance_path),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "WEBSOCKET_COMPRESSION": os.environ.get("WEBSOCKET_COMPRESSION", "0") == "1",
        # Engine.IO's heartbeat: a ping every interval, a socket silent for interval + timeout
        # is closed (python-engineio's defaults).
        "SOCKETIO_PING_INTERVAL": float(os.environ.get("SOCKETIO_PING_INTERVAL") or 25),
        "SOCKETIO_PING_TIMEOUT": float(os.environ.get("SOCKETIO_PING_TIMEOUT") or 20),
        "LIVE_UPDATE_HASHES": os.environ.get("LIVE_UPDATE_HASHES", "0") == "1",
        "MAX_CONTENT_LENGTH": DEFAULT_MAX_UPLOAD,
        "MAX_JSON_LENGTH": DEFAULT_MAX_JSON,
        "MAX_PARAGRAPH_LENGTH": 20_000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": secure,
        "SCHEDULER_ENABLED": os.environ.get("DRAFTING_SCHEDULER", "1") != "0",
        "SCHEDULER_INTERVAL": float(os.environ.get("DRAFTING_SCHEDULER_INTERVAL", "15")),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or None,
        # One address guessing (any accounts) is held back first; an account tried from many
        # addresses is slowed for a minute, then for up to an hour, never locked for good.
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get(
            "LOGIN_LIMIT_PER_ADDRESS", "10 per minute; 50 per hour"
        ),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get(
            "LOGIN_LIMIT_PER_ACCOUNT", "20 per minute; 100 per hour"
        ),
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ["en", "es"],
        # Where mails' links point (the address people open the site at).
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "NOTIFICATION_DIGEST_HOUR": int(os.environ.get("NOTIFICATION_DIGEST_HOUR", "7")),
        "ALLOWED_ORIGINS": [o for o in os.environ.get("ALLOWED_ORIGINS", "").split(",") if o],
        **mail_settings(instance_path),
    }
