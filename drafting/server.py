"""One server process configured only by the environment (HOST, PORT, DATABASE_URL,
SECRET_KEY, SOCKETIO_MESSAGE_QUEUE, SOCKETIO_ASYNC_MODE): applies migrations, acts on
deadlines that passed while it was down, keeps watching them, sends the reminders and mails
notifications owe, and serves HTTP and Socket.IO."""

from __future__ import annotations

from drafting import concurrency

ASYNC_MODE = concurrency.prepare()  # before Flask, sockets or threads are imported

import gc  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from flask import Flask  # noqa: E402

from drafting import create_app  # noqa: E402
from drafting.extensions import db, socketio  # noqa: E402

log = logging.getLogger("drafting.server")


def watch_deadlines(app: Flask) -> None:
    """Act on passed deadlines, send due reminders and notification mails, now and then
    every SCHEDULER_INTERVAL seconds."""
    from drafting.services import ad_referendum, deliveries, notifications
    from drafting.services.workflow import run_due

    interval = app.config["SCHEDULER_INTERVAL"]
    while True:
        try:
            with app.app_context():
                run_due()
                ad_referendum.expire_due()
                notifications.remind_due()
                deliveries.send_due()
                db.session.remove()
        except Exception:  # keep watching; one bad pass must not stop the scheduler
            log.exception("deadline pass failed")
        socketio.sleep(interval)


def keep_out_of_collections() -> None:
    """Leave what start-up made (modules, the app, its models and templates) out of every
    later garbage collection: under load a full collection scanned it all every few seconds
    and stopped the whole server for 125-145 ms each time (bench/README.md)."""
    gc.collect()
    gc.freeze()


def listen_to_the_queue_first(timeout: float = 10.0) -> bool:
    """Subscribe to the message queue before serving anyone (when there is one).

    python-socketio subscribes in the background once the first client connects, so a
    process that had just been restarted let its first clients join a document while the
    updates the other processes published meanwhile went to nobody: a client that joined
    then lacked the versions stored until the subscription began (found by bench/soak.py
    with one of two processes killed). True once subscribed, or when there is no queue."""
    from socketio.pubsub_manager import PubSubManager

    server = socketio.server
    manager = server.manager
    if not isinstance(manager, PubSubManager) or manager.write_only:
        return True
    if not server.manager_initialized:
        server.manager_initialized = True
        manager.initialize()
    for _ in range(int(timeout / 0.01)):
        pubsub = getattr(manager, "pubsub", None)
        if pubsub is not None and pubsub.subscribed:
            return True
        socketio.sleep(0.01)
    log.warning("not subscribed to the message queue after %s s; serving anyway", timeout)
    return False


def announce_when_listening(url: str, document_id: int | None) -> None:
    """Print the address and the demo logins once the server answers, so they are the last
    lines of `make run` (after the install output and the server's own start-up lines)."""
    from urllib.error import URLError
    from urllib.request import urlopen

    from drafting.cli import print_logins

    for _ in range(600):
        try:
            with urlopen(f"{url}/healthz", timeout=5):
                break
        except (URLError, OSError):
            socketio.sleep(0.1)
    print_logins(document_id, url)
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    """Serve; with --demo (what `make run` starts) also load the demo into an empty
    database and print how to log in. Migrations run only when the database lacks some."""
    from drafting.cli import load_demo_if_empty, local_url, migrate_to_head

    demo = "--demo" in (sys.argv[1:] if argv is None else argv)
    app = create_app()
    with app.app_context():
        migrate_to_head()
        document_id = load_demo_if_empty() if demo else None
        db.session.remove()
    keep_out_of_collections()
    listen_to_the_queue_first()
    if app.config["SCHEDULER_ENABLED"]:
        socketio.start_background_task(watch_deadlines, app)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    log.info("serving on http://%s:%s (%s)", host, port, ASYNC_MODE)
    access_log = os.environ.get("ACCESS_LOG", "0") == "1"
    if not access_log:  # werkzeug (threading mode) logs every request at INFO otherwise
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if demo:
        socketio.start_background_task(announce_when_listening, local_url(), document_id)
    socketio.run(
        app,
        host=host,
        port=port,
        allow_unsafe_werkzeug=True,
        use_reloader=False,
        log_output=access_log,
        **concurrency.without_delay(ASYNC_MODE),
    )


if __name__ == "__main__":
    main()
