"""Helpers for integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import socket
from typing import Any

from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PORT
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.micboard.const import CONF_FAMILY, CONF_MODEL, DOMAIN
from custom_components.micboard.devices.shure import Timing
from simulator import SimReceiver

#: Fast enough for tests, slow enough that a busy CI machine (two test workers,
#: a Home Assistant process and Chromium on two cores) does not declare a
#: healthy simulated receiver dead.
FAST_TIMING = Timing(
    connect_timeout=1.0,
    probe_timeout=1.0,
    settle_time=0.05,
    settle_max=1.0,
    command_timeout=2.0,
    keepalive_interval=0.5,
    dead_after=2.0,
    poll_interval=0.3,
    reconnect_min=0.05,
    reconnect_max=0.3,
)


def entry_for(
    receiver: SimReceiver, *, options: dict[str, Any] | None = None, mac: str | None = None
) -> MockConfigEntry:
    """A config entry as the config flow would create it for ``receiver``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=receiver.model,
        unique_id=mac or f"127.0.0.1:{receiver.port}",
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: receiver.port,
            CONF_FAMILY: receiver.family,
            CONF_MODEL: receiver.model,
            CONF_MAC: mac,
        },
        options=options or {},
    )


async def wait_for(
    hass: HomeAssistant, predicate: Callable[[], bool], timeout: float = 5.0
) -> None:
    """Let the loop run until ``predicate()`` holds (or fail after ``timeout``)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)
            await hass.async_block_till_done()


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """The state string of an entity (fails if it does not exist)."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RawDevice:
    """A TCP server on 127.0.0.1 that answers every read with fixed bytes."""

    def __init__(self, reply: bytes) -> None:
        """Remember what to answer."""
        self.reply = reply
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> RawDevice:
        """Start listening."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop listening and close every connection."""
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        while await reader.read(1024):
            if self.reply:
                writer.write(self.reply)


class TerseReceiver:
    """A hostile stand-in on 127.0.0.1 that answers ``< GET … >`` from a fixed table.

    ``answers`` maps a parameter to its reply value (``MODEL`` -> ``{MXWAPT8}``);
    anything else gets ``< REP ERR >``.  With ``raw`` set, every read is
    answered with those bytes instead (something that is not a Shure receiver).
    ``port`` lets it take over the address of a receiver that went away.
    """

    def __init__(
        self, answers: dict[str, str] | None = None, *, raw: bytes | None = None, port: int = 0
    ) -> None:
        """Remember what to answer."""
        self.answers = answers or {}
        self.raw = raw
        self.port = port
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> TerseReceiver:
        """Start listening."""
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop listening and close every connection."""
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()
        await asyncio.sleep(0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        self.connections += 1
        buffer = b""
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(4096):
                if self.raw is not None:
                    writer.write(self.raw)
                    continue
                buffer += data
                while b">" in buffer:
                    message, _, buffer = buffer.partition(b">")
                    writer.write(self._answer(message.decode("latin-1").strip(" <\r\n")))

    def _answer(self, body: str) -> bytes:
        words = body.split()
        if len(words) < 2 or words[0] != "GET":
            return b"< REP ERR >"
        index = words[1] if len(words) > 2 and words[1].isdigit() else None
        param = words[-1]
        value = self.answers.get(param)
        if value is None:
            return b"< REP ERR >"
        prefix = f"REP {index} " if index else "REP "
        return f"< {prefix}{param} {value} >".encode("latin-1")


def flood(receiver: SimReceiver, data: bytes) -> None:
    """Send raw bytes to every client of a simulated receiver at once."""
    for link in receiver.links():
        link.send_bytes(data)
