"""How a message reaches a live socket under gevent: written at once by whoever sends it.

Engine.IO queues every packet for a socket's own writer greenlet, which wakes, takes it from
the queue (a gevent timer made and cancelled each time), frames it with wsproto and writes
it. A broadcast to a room of 110 paid that once per socket for the same bytes: about 60 µs a
recipient, most of the server's time in the plenary case (bench/README.md). Here the packet
is framed once, the frame kept on the packet that every recipient of the broadcast shares,
and each socket gets it by one non-blocking write from the sending greenlet.

Engine.IO's own packets (pings, close) still go through the queue, which keeps the writer
waiting for them (see `_send`). The order of a socket's messages is kept: a packet goes the
direct way only while that socket's queue is empty and nothing else is being written to it;
otherwise, and whenever the write would block (a slow reader whose buffer is full), it is
queued as before, and the writer greenlet writes it in turn under the same lock. A write
that went half-way is finished by a greenlet of its own, holding the lock, so no other
frame can come between.

Only where no websocket extension was negotiated (the server keeps compression off by
default, ``WEBSOCKET_COMPRESSION``): a compressed stream would need each frame deflated in
the socket's own context.
"""

from __future__ import annotations

import struct
from functools import partial
from typing import Any

import gevent
import simple_websocket
from engineio import packet as eio_packet
from engineio import socket as eio_socket
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from gevent.lock import Semaphore

TEXT, BINARY = 0x1, 0x2
FIN = 0x80
FRAME_KEY = "_drafting_frame"  # where a packet keeps its frame, built by its first recipient


def frame(data: str | bytes) -> bytes:
    """One unmasked websocket frame holding the whole message, as a server sends it (RFC
    6455 §5.2): the same bytes for every recipient."""
    if isinstance(data, str):
        opcode, payload = TEXT, data.encode()
    else:
        opcode, payload = BINARY, bytes(data)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", FIN | opcode, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", FIN | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", FIN | opcode, 127, size)
    return header + payload


def frame_of(pkt: eio_packet.Packet) -> bytes:
    """The packet's frame, built once however many sockets it goes to."""
    built = pkt.__dict__.get(FRAME_KEY)
    if built is None:
        built = pkt.__dict__[FRAME_KEY] = frame(pkt.encode())
    return built


class DirectWebSocket(SimpleWebSocketWSGI):
    """Engine.IO's simple-websocket driver, with its socket's packets written directly
    (see the module's docstring) and every write of the connection under one lock."""

    def __init__(self, handler: Any, server: Any, **kwargs: Any) -> None:
        super().__init__(handler, server, **kwargs)
        self.lock = Semaphore()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.ws = simple_websocket.Server(environ, **self.server_args)
        owner = getattr(self.app, "__self__", None)  # the Engine.IO socket being served
        if isinstance(owner, eio_socket.Socket) and not environ.get(
            "HTTP_SEC_WEBSOCKET_EXTENSIONS"
        ):
            owner.send = partial(_send, owner, self)  # type: ignore[method-assign]
        return self.app(self)

    def send(self, message: str | bytes) -> None:
        """What the writer greenlet writes: whole frames, under the lock."""
        if not self.ws.connected:
            raise OSError("the websocket is closed")
        data = frame(message)
        with self.lock:
            self.ws.sock.sendall(data)

    def close(self) -> None:
        with self.lock:
            super().close()

    def write_at_once(self, data: bytes) -> bool:
        """Write a frame now if nothing else is being written and the socket takes it
        without waiting; False leaves it for the writer."""
        if not self.ws.connected or not self.lock.acquire(blocking=False):
            return False
        try:
            written = self.ws.sock.send(data, 0, 0.0)  # one try, never waits
        except OSError:  # would block, or the connection is gone: the writer finds out
            self.lock.release()
            return False
        if written < len(data):  # the rest before anything else, by a greenlet of its own
            gevent.spawn(self._finish, data[written:])
        else:
            self.lock.release()
        return True

    def _finish(self, rest: bytes) -> None:
        try:
            self.ws.sock.sendall(rest)
        except OSError:
            pass  # the connection is gone; its reader closes it
        finally:
            self.lock.release()


def _send(owner: eio_socket.Socket, ws: DirectWebSocket, pkt: eio_packet.Packet) -> None:
    """Engine.IO's Socket.send, writing messages at once where it may. Its pings, and its
    close, still go through the queue: the writer greenlet closes a socket whose queue
    stayed empty for ping interval + ping timeout (45 s), so with every message written
    directly it closed each connection 45 s after it opened (bench/live.py at 200 authors
    and 100 viewers lost a third of its edits that way); a ping every 25 s keeps it."""
    if not owner.check_ping_timeout():
        return
    if (
        pkt.packet_type == eio_packet.MESSAGE
        and owner.upgraded
        and not owner.upgrading
        and not owner.closed
        and owner.queue.empty()
        and ws.write_at_once(frame_of(pkt))
    ):
        return
    owner.queue.put(pkt)


def install(server: Any) -> None:
    """Serve this Engine.IO server's websockets with DirectWebSocket (gevent only)."""
    server._async = {**server._async, "websocket": DirectWebSocket}
