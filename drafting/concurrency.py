"""How a server process waits on its connections: gevent (the default) or OS threads.

In threading mode every Socket.IO connection has its own writer thread, and a broadcast to a
room wakes one thread per socket; with 200 people in a document about half of the server's
CPU goes to those thread switches, and the latency collapses as soon as viewers join
(bench/README.md). gevent switches between connections in user space instead, which makes
an edit 1.5-6 times cheaper, so it is what the server runs unless
``SOCKETIO_ASYNC_MODE=threading`` asks for threads. gevent has to patch the standard
library before anything else imports it, so the server entry point calls :func:`prepare`
first; every other entry point (the CLI, the tests, a WSGI import) runs in threading mode.
psycopg 3 and redis-py cooperate with the patched library.

In threading mode the server hands the GIL over every millisecond instead of every 5. A
thread whose answer from PostgreSQL has arrived waits for the GIL behind the socket writer
threads, and an edit makes about ten round trips while it holds its document's row lock,
so at the default interval edits of one document queued for seconds (p95 1.8 s at 20
edits/s with 200 connections; 0.21 s at 1 ms, bench/README.md).
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

MODES = ("threading", "gevent")
DEFAULT = "gevent"
THREAD_SWITCH_INTERVAL = 0.001  # seconds


def requested() -> str:
    """The mode asked for in SOCKETIO_ASYNC_MODE (default: gevent)."""
    mode = os.environ.get("SOCKETIO_ASYNC_MODE", "").strip() or DEFAULT
    if mode not in MODES:
        raise SystemExit(f"SOCKETIO_ASYNC_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def prepare() -> str:
    """Patch the standard library for gevent when asked; call before importing Flask."""
    mode = requested()
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    else:
        sys.setswitchinterval(THREAD_SWITCH_INTERVAL)
    return mode


def active() -> str:
    """The mode this process can run: gevent only once the standard library is patched."""
    if requested() == "gevent":
        from gevent import monkey

        if monkey.is_module_patched("socket"):
            return "gevent"
    return "threading"


def send_at_once(connection: socket.socket) -> None:
    """Turn Nagle's algorithm off: a live update or acknowledgement is one small frame, and
    a frame written while the last is unacknowledged by the browser otherwise waits for the
    browser's delayed ACK (40 ms on Linux); that wait was most of the p95 at 10 authors."""
    if connection.family in (socket.AF_INET, socket.AF_INET6):
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def without_delay(mode: str) -> dict[str, Any]:
    """The request handler for `socketio.run` that sends each connection's frames at once."""
    if mode == "gevent":
        from gevent import pywsgi

        class GeventHandler(pywsgi.WSGIHandler):
            """gevent's handler, sending at once, and quiet about clients that vanish while
            their request is read: gevent printed a traceback for the reset and another for
            its 400 answer written to the closed socket (the soak's BrokenPipeError)."""

            def handle(self) -> None:
                try:
                    send_at_once(self.socket)
                    super().handle()
                except ConnectionError:
                    pass  # the client is gone; gevent's own cleanup has run

            def _handle_client_error(self, ex: BaseException) -> Any:
                if isinstance(ex, ConnectionError):
                    return None  # no request was read, and nobody is there to answer
                return super()._handle_client_error(ex)

        return {"handler_class": GeventHandler}
    from werkzeug.serving import WSGIRequestHandler

    class ThreadHandler(WSGIRequestHandler):
        def setup(self) -> None:
            send_at_once(self.request)
            super().setup()

    return {"request_handler": ThreadHandler}
