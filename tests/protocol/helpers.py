"""Shared helpers for the protocol tests (real loopback sockets, no Home Assistant)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import re

from custom_components.micboard.devices.shure import Timing

#: Fast timing so that keep-alive, dead-link detection and reconnects take about a second.
FAST = Timing(
    connect_timeout=1,
    probe_timeout=1,
    settle_time=0.05,
    settle_max=1,
    command_timeout=1,
    keepalive_interval=0.3,
    dead_after=1.0,
    poll_interval=0.3,
    reconnect_min=0.05,
    reconnect_max=0.3,
)

#: Loopback only: the test environment allows nothing else.
LOCALHOST = "127.0.0.1"


async def eventually(
    predicate: Callable[[], object], timeout: float = 2.0, what: str = "condition"
) -> None:
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


_MESSAGE = re.compile(rb"<([^<>]*)>")

type Responder = Callable[[str], bytes | None]


class RawServer:
    """A bare asyncio TCP server on 127.0.0.1 for devices the simulator cannot be.

    ``greeting`` is sent on connect; ``responder`` gets the body of every ``< … >``
    message received and returns the bytes to answer (or ``None``).
    """

    def __init__(self, *, greeting: bytes = b"", responder: Responder | None = None) -> None:
        self.greeting = greeting
        self.responder = responder
        self.received: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> RawServer:
        self._server = await asyncio.start_server(self._handle, LOCALHOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        if self.greeting:
            writer.write(self.greeting)
        buffer = b""
        with contextlib.suppress(OSError):
            while data := await reader.read(4096):
                buffer += data
                position = 0
                for match in _MESSAGE.finditer(buffer):
                    position = match.end()
                    body = match.group(1).decode("latin-1").strip()
                    self.received.append(body)
                    if self.responder is not None and (answer := self.responder(body)):
                        writer.write(answer)
                buffer = buffer[position:]
                await writer.drain()
