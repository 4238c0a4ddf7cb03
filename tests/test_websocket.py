"""The live sockets on the wire: what the websocket handshake of a real server agrees to."""

from __future__ import annotations

import asyncio

from support.live_server import serve
from websockets.asyncio.client import connect


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
