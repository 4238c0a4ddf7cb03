"""The live sockets on the wire: what the websocket handshake of a real server agrees to,
and the frames it writes."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from support.live_server import serve
from websockets.asyncio.client import connect
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, BytesMessage, Request, TextMessage

from drafting import websocket
from drafting.text import textdiff


def extensions_agreed(server, email: str) -> str | None:
    """Open a websocket offering permessage-deflate, as browsers do; the server's answer."""
    http = server.session(email)
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    address = server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"

    async def handshake() -> str | None:
        async with connect(
            address, additional_headers={"Cookie": cookie}, compression="deflate"
        ) as ws:
            assert (await ws.recv()).startswith("0")  # the Engine.IO open packet
            return ws.response.headers.get("Sec-WebSocket-Extensions")

    return asyncio.run(handshake())


def test_live_sockets_are_not_compressed_even_when_the_browser_offers_it(live_server):
    assert extensions_agreed(live_server, "elsalvador@demo.test") is None


def test_compression_can_be_turned_back_on(databases, tmp_path):
    with serve(databases, tmp_path, env={"WEBSOCKET_COMPRESSION": "1"}) as server:
        agreed = extensions_agreed(server, "elsalvador@demo.test")
    assert agreed is not None and agreed.startswith("permessage-deflate")


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
def test_a_frame_is_what_a_websocket_server_writes(size):
    """The frames written directly (drafting.websocket) are byte for byte wsproto's."""
    server = WSConnection(ConnectionType.SERVER)
    server.receive_data(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    next(server.events())
    server.send(AcceptConnection())
    text = ("é" * size)[: size // 2] + "a" * (size - size // 2)
    assert websocket.frame(text) == server.send(TextMessage(data=text))
    assert websocket.frame(text.encode()) == server.send(BytesMessage(data=text.encode()))


def test_a_reader_that_falls_behind_gets_every_update_whole_and_in_order(live_server):
    """A socket that stops reading while large updates pour in: the server's direct writes
    meet a full buffer, finish half-written frames and queue the rest; once the socket
    reads again it finds every version, in order, each frame whole."""
    import socketio as sio_client

    http = live_server.session("elsalvador@demo.test")
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    host, port = live_server.url.removeprefix("http://").split(":")
    slow = socket.create_connection((host, int(port)), timeout=10)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 18)  # far less than 9 MB
    reader = WSConnection(ConnectionType.CLIENT)
    slow.sendall(
        reader.send(
            Request(
                host=host,
                target="/socket.io/?EIO=4&transport=websocket",
                extra_headers=[(b"Cookie", cookie.encode())],
            )
        )
    )
    _read_messages(slow, reader, until=lambda got: any(m.startswith("0") for m in got))
    slow.sendall(reader.send(TextMessage(data="40")))
    _read_messages(slow, reader, until=lambda got: any(m.startswith("40") for m in got))
    join = json.dumps(["join", {"document_id": live_server.document_id}])
    slow.sendall(reader.send(TextMessage(data=f"421{join}")))
    answers = _read_messages(slow, reader, until=lambda got: any(m.startswith("431") for m in got))
    answer = next(m for m in answers if m.startswith("431"))
    paragraph = json.loads(answer[3:])[0]["paragraphs"][0]
    text, version = paragraph["text"]["en"], paragraph["version"]["en"]

    editor = sio_client.Client(reconnection=False)
    editor.connect(live_server.url, headers={"Cookie": cookie}, transports=["websocket"])
    editor.call("join", {"document_id": live_server.document_id}, timeout=10)
    texts = []
    for index in range(500):  # about 9 MB for the reader that does not read
        new = f"{index:03d} " + "x" * 18_000  # each update carries the whole text
        ack = _edit(editor, paragraph["id"], version, text, new)
        assert ack.get("version") == version + 1, ack
        text, version = new, ack["version"]
        texts.append((version, text))
    editor.disconnect()

    heard: list[tuple[int, str]] = []

    def hear(messages: list[str]) -> bool:
        """Takes the updates of the messages read since it was last asked."""
        while messages:
            message = messages.pop(0)
            if message.startswith("42"):
                name, payload = json.loads(message[2:])
                if name == "paragraph_updated":
                    for update in payload.get("updates", [payload]):
                        heard.append((update["version"], update["text"]))
        return heard[-1:] == texts[-1:]

    _read_messages(slow, reader, until=hear)
    slow.close()
    assert heard == texts


def _edit(client, paragraph_id: int, version: int, text: str, new: str) -> dict:
    """One English edit from `text` (at `version`) to `new`; the server's answer."""
    data = {
        "paragraph_id": paragraph_id,
        "lang": "en",
        "base_version": version,
        "patch": textdiff.make_patch(text, new),
    }
    return client.call("edit", data, timeout=10)


def _read_messages(sock: socket.socket, connection: WSConnection, until) -> list[str]:
    """Read until `until(messages read so far)` holds; answers pings, as a client must."""
    messages: list[str] = []
    part = ""  # wsproto hands a long message over in pieces as they arrive
    while not until(messages):
        data = sock.recv(65536)
        assert data, "the server closed the connection"
        connection.receive_data(data)
        for event in connection.events():
            if isinstance(event, TextMessage):
                part += event.data
                if not event.message_finished:
                    continue
                messages.append(part)
                if part == "2":  # Engine.IO's ping
                    sock.sendall(connection.send(TextMessage(data="3")))
                part = ""
    return messages


def test_sockets_that_only_get_messages_stay_open_past_the_heartbeat(databases, tmp_path):
    """Messages go to a socket directly, never through Engine.IO's queue, and its writer
    greenlet closes a socket whose queue stayed empty for ping interval + ping timeout: the
    pings keep going through the queue so that it never does. With a 2 s heartbeat, two
    people edit and watch for 5 s and are still connected, with every update heard."""
    import time

    import socketio as sio_client

    heartbeat = {"SOCKETIO_PING_INTERVAL": "1", "SOCKETIO_PING_TIMEOUT": "1"}
    with serve(databases, tmp_path, env=heartbeat) as server:
        cookie = "; ".join(
            f"{c.name}={c.value}" for c in server.session("elsalvador@demo.test").cookies
        )
        heard: list[int] = []
        viewer = sio_client.Client(reconnection=False)
        viewer.on(
            "paragraph_updated",
            lambda data: heard.extend(u["version"] for u in data.get("updates", [data])),
        )
        editor = sio_client.Client(reconnection=False)
        for client in (viewer, editor):
            client.connect(server.url, headers={"Cookie": cookie}, transports=["websocket"])
        snapshot = viewer.call("join", {"document_id": server.document_id}, timeout=10)
        editor.call("join", {"document_id": server.document_id}, timeout=10)
        paragraph = snapshot["paragraphs"][0]
        text, version = paragraph["text"]["en"], paragraph["version"]["en"]
        stored = []
        started = time.monotonic()
        while time.monotonic() - started < 5:
            new = text + "."
            ack = _edit(editor, paragraph["id"], version, text, new)
            text, version = new, ack["version"]
            stored.append(version)
            time.sleep(0.3)
        time.sleep(0.5)
        still = viewer.connected and editor.connected
        for client in (viewer, editor):
            client.disconnect()
    assert still
    assert heard == stored
