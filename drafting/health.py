"""Operations: /healthz for load balancers, and structured (JSON) logs when asked."""

from __future__ import annotations

import gc
import json
import logging
import os
import time

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from drafting import group_commit
from drafting.extensions import db, socketio

bp = Blueprint("health", __name__)


def _check_database() -> str | None:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as error:  # any failure means "not healthy", with the reason
        db.session.rollback()
        return f"database: {type(error).__name__}"
    return None


def _check_queue() -> str | None:
    url = current_app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if not url:
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as error:  # unreachable queue: broadcasts would not cross processes
        return f"message queue: {type(error).__name__}"
    return None


@bp.get("/healthz")
def healthz():
    """200 when the database (and the message queue, if configured) answer; else 503."""
    started = time.perf_counter()
    problems = [p for p in (_check_database(), _check_queue()) if p]
    body = {
        "status": "ok" if not problems else "unavailable",
        "database": db.engine.dialect.name,
        "message_queue": bool(current_app.config.get("SOCKETIO_MESSAGE_QUEUE")),
        "async_mode": socketio.async_mode,
        "live_edits": group_commit.committed(),  # edits stored, in how many transactions
        "gc_frozen": gc.get_freeze_count(),  # start-up objects no collection scans again
        "problems": problems,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return jsonify(body), 200 if not problems else 503


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging() -> None:
    """LOG_FORMAT=json gives structured logs; LOG_LEVEL sets the level."""
    root = logging.getLogger()
    level = os.environ.get("LOG_LEVEL", "INFO")
    if os.environ.get("LOG_FORMAT") == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.handlers[:] = [handler]
        root.setLevel(level)
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
