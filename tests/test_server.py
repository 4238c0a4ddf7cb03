"""The server process's own connections: frames leave at once (no Nagle delay)."""

from __future__ import annotations

import socket
import threading
import urllib.request

from werkzeug.serving import make_server

from drafting.concurrency import send_at_once, without_delay


def _accepted_pair(family: int = socket.AF_INET) -> tuple[socket.socket, socket.socket]:
    if family == socket.AF_UNIX:
        return socket.socketpair(socket.AF_UNIX)
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    listener.close()
    return server, client


def test_a_tcp_connection_sends_small_frames_at_once():
    server, client = _accepted_pair()
    try:
        assert server.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        send_at_once(server)
        assert server.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        server.close()
        client.close()


def test_a_unix_socket_is_left_alone():
    server, client = _accepted_pair(socket.AF_UNIX)
    try:
        send_at_once(server)  # no TCP options on it, and no error
    finally:
        server.close()
        client.close()


def test_the_threading_server_answers_every_connection_without_delay():
    seen: list[int] = []

    def app(environ, start_response):
        connection = environ["werkzeug.socket"]
        seen.append(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, app, threaded=True, **without_delay("threading"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for _ in range(2):
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=10) as reply:
                assert reply.read() == b"ok"
    finally:
        server.shutdown()
    assert seen == [1, 1]


def test_the_gevent_server_answers_every_connection_without_delay():
    import gevent
    from gevent import pywsgi
    from gevent import socket as green

    seen: list[int] = []

    class Watched(without_delay("gevent")["handler_class"]):
        def handle_one_request(self):  # runs inside handle(), after the option was set
            seen.append(self.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            return super().handle_one_request()

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = pywsgi.WSGIServer(("127.0.0.1", 0), app, handler_class=Watched, log=None)
    server.start()
    try:
        for _ in range(2):
            client = green.create_connection(("127.0.0.1", server.server_port))
            client.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            reply = b""
            with gevent.Timeout(10):
                while chunk := client.recv(4096):
                    reply += chunk
            client.close()
            assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"ok")
    finally:
        server.stop()
    assert seen[:2] == [1, 1]
