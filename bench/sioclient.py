"""A lean Socket.IO client for bench/live.py: asyncio and `websockets`, many sockets per loop.

python-socketio's Client costs about 95 µs of CPU per message it receives and a reading
thread per socket; with 200 of them on the same two cores as the server, the bench could
not even finish. This one speaks the same protocol for the few packets the bench uses
(Engine.IO 4 on a websocket: open, ping/pong, message; Socket.IO 5: connect, event,
acknowledgement, in JSON), so the server sees the traffic a browser makes; all of a
process's sockets share one event loop, and a delivered message costs the clients about
60 µs of CPU, the editors' rebasing included (bench/README.md).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

Handler = Callable[[str, Any, float], None]  # event, data, monotonic time it arrived


class LeanSocket:
    """One Socket.IO connection on the default namespace, riding on an HTTP session cookie."""

    def __init__(self, url: str, cookie: str, on_event: Handler) -> None:
        self.address = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.cookie = cookie
        self.on_event = on_event
        self.ws: ClientConnection | None = None
        self.ids = itertools.count(1)
        self.pending: dict[int, Callable[[Any], None]] = {}
        self.reader: asyncio.Task | None = None

    async def connect(self) -> None:
        self.ws = await connect(
            self.address,
            additional_headers={"Cookie": self.cookie},
            compression=None,
            max_size=None,
            ping_interval=None,  # Engine.IO pings in its own packets, answered below
        )
        opening = await self.ws.recv()
        if not opening.startswith("0"):
            raise ConnectionError(f"expected the Engine.IO open packet, got {opening[:80]!r}")
        await self.ws.send("40")
        answer = await self.ws.recv()
        if not answer.startswith("40"):
            raise ConnectionError(f"Socket.IO connect refused: {answer[:200]!r}")
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            arrived = time.monotonic()
            if message == "2":
                await self.ws.send("3")
            elif message.startswith("42"):
                event, *args = json.loads(message[2:])
                self.on_event(event, args[0] if args else None, arrived)
            elif message.startswith("43"):
                body = message[2:]
                start = body.index("[")
                answer = json.loads(body[start:])
                callback = self.pending.pop(int(body[:start]), None)
                if callback is not None:
                    callback(answer[0] if answer else None)

    async def emit(self, event: str, data: Any, callback: Callable[[Any], None]) -> None:
        """Send an event asking for an acknowledgement; `callback` gets its first argument."""
        ack_id = next(self.ids)
        self.pending[ack_id] = callback
        await self.ws.send(f"42{ack_id}" + json.dumps([event, data], separators=(",", ":")))

    async def call(self, event: str, data: Any, timeout: float = 30) -> Any:
        """Send an event and wait for its acknowledgement."""
        answered = asyncio.get_running_loop().create_future()
        await self.emit(event, data, answered.set_result)
        return await asyncio.wait_for(answered, timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)
