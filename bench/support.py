"""What every benchmark script shares: an app on a fresh database in a temporary folder,
configured for measuring (fast password hashing, no deadline watcher, no message queue)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

BENCH_CONFIG = {
    "SECRET_KEY": "bench",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SCHEDULER_ENABLED": False,
    "SOCKETIO_MESSAGE_QUEUE": None,
}


def bench_app(database_uri: str | None = None, **config: Any):
    """A Drafting app on `database_uri` (default: a new SQLite file), migrations applied."""
    os.environ.setdefault("DRAFTING_INSTANCE", tempfile.mkdtemp(prefix="drafting-bench-"))
    folder = Path(os.environ["DRAFTING_INSTANCE"])
    from flask_migrate import upgrade

    from drafting import create_app

    uri = database_uri or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, **config})
    with app.app_context():
        upgrade()
    return app
