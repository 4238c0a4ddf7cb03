"""One server process configured only by the environment (HOST, PORT, DATABASE_URL,
SECRET_KEY, SOCKETIO_MESSAGE_QUEUE, SOCKETIO_ASYNC_MODE): applies migrations, acts on
deadlines that passed while it was down, keeps watching them, sends the reminders and mails
notifications owe, and serves HTTP and Socket.IO."""

from __future__ import annotations

from drafting import concurrency

ASYNC_MODE = concurrency.prepare()  # before Flask, sockets or threads are imported

import logging  # noqa: E402
import os  # noqa: E402

from flask import Flask  # noqa: E402

from drafting import create_app  # noqa: E402
from drafting.extensions import db, socketio  # noqa: E402

log = logging.getLogger("drafting.server")


def watch_deadlines(app: Flask) -> None:
    """Act on passed deadlines, send due reminders and notification mails, now and then
    every SCHEDULER_INTERVAL seconds."""
    from drafting.services import deliveries, notifications
    from drafting.services.workflow import run_due

    interval = app.config["SCHEDULER_INTERVAL"]
    while True:
        try:
            with app.app_context():
                run_due()
                notifications.remind_due()
                deliveries.send_due()
                db.session.remove()
        except Exception:  # keep watching; one bad pass must not stop the scheduler
            log.exception("deadline pass failed")
        socketio.sleep(interval)


def main() -> None:
    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    if app.config["SCHEDULER_ENABLED"]:
        socketio.start_background_task(watch_deadlines, app)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    log.info("serving on http://%s:%s (%s)", host, port, ASYNC_MODE)
    socketio.run(
        app,
        host=host,
        port=port,
        allow_unsafe_werkzeug=True,
        use_reloader=False,
        log_output=os.environ.get("ACCESS_LOG", "0") == "1",
    )


if __name__ == "__main__":
    main()
