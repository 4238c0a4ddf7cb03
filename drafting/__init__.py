"""Drafting: collaborative drafting of declarations, from proposal to adoption."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask is imported in create_app: the server may patch the library first
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; tests pass their own config (database URL, secrets)."""
    from drafting.live import App

    app = App(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("DRAFTING_INSTANCE", str(ROOT / "instance")),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from drafting import config as settings

    app.config.update(settings.from_env(app.instance_path))
    if config:
        app.config.update(config)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = settings.rate_limit_storage(
            app.config["SOCKETIO_MESSAGE_QUEUE"]
        )
    from drafting.database import engine_options

    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    from drafting import cli, concurrency, database, errors, health, i18n, live, security
    from drafting.api import bp as api_bp
    from drafting.extensions import csrf, db, limiter, login_manager, mail, migrate, socketio
    from drafting.web import bp as web_bp

    health.configure_logging()

    db.init_app(app)
    database.init_engine(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    socketio.init_app(
        app,
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        async_mode=concurrency.active(),
        cors_allowed_origins=live.origin_check(app.config["ALLOWED_ORIGINS"]),
        logger=False,
        engineio_logger=False,
        ping_interval=app.config["SOCKETIO_PING_INTERVAL"],
        ping_timeout=app.config["SOCKETIO_PING_TIMEOUT"],
    )
    if not app.config["WEBSOCKET_COMPRESSION"]:
        app.wsgi_app = live.WithoutCompression(app.wsgi_app)  # type: ignore[method-assign]
    if concurrency.active() == "gevent":
        from drafting import websocket

        websocket.install(socketio.server.eio)
    security.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    app.register_blueprint(web_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    live.register(socketio)
    app.session_interface = live.SocketSessions()
    cli.register(app)
    return app
