"""Transports for SSC v1: one JSON object per UDP datagram.

The client needs only :class:`Link`; a TCP transport (for the products that
offer TCP 45) can be added beside :class:`UdpLink` without touching it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from typing import Any, Protocol, override

from ...exceptions import DeviceConnectionError
from . import codec

type MessageSink = Callable[[dict[str, Any]], None]
type RefusedSink = Callable[[], None]


class Link(Protocol):
    """What the client needs from a transport."""

    @property
    def received_bytes(self) -> int:
        """Bytes received so far."""

    @property
    def malformed(self) -> int:
        """Datagrams that were not a JSON object (or too large)."""

    def send(self, message: dict[str, Any]) -> None:
        """Send one message (best effort)."""

    def close(self) -> None:
        """Close the transport."""


class UdpLink(asyncio.DatagramProtocol):
    """UDP datagrams to and from one device."""

    def __init__(self, on_message: MessageSink, on_refused: RefusedSink | None = None) -> None:
        """Deliver every decoded message to ``on_message``.

        ``on_refused`` is called when the device's host says nothing listens
        on the port (ICMP port unreachable), so waiting for answers can stop
        at once instead of running into timeouts.
        """
        self._on_message = on_message
        self._on_refused = on_refused
        self.transport: asyncio.DatagramTransport | None = None
        self.received_bytes = 0
        self.malformed = 0

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | Any, ...]) -> None:
        self.received_bytes += len(data)
        message = codec.decode(data)
        if message is None:
            self.malformed += 1
            return
        self._on_message(message)

    @override
    def error_received(self, exc: Exception) -> None:
        # Port unreachable: nothing listens there (any more).  Other errors are
        # left to the liveness check, which notices silence.
        if isinstance(exc, ConnectionRefusedError) and self._on_refused is not None:
            with contextlib.suppress(Exception):
                self._on_refused()

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def send(self, message: dict[str, Any]) -> None:
        """Send one datagram."""
        if (transport := self.transport) is not None and not transport.is_closing():
            transport.sendto(codec.encode(message))

    def close(self) -> None:
        """Close the socket."""
        if (transport := self.transport) is not None:
            transport.close()


def bare_host(host: str) -> str:
    """``[fe80::1%eth0]`` → ``fe80::1%eth0`` (IPv6 literals may come bracketed)."""
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    return host


async def open_udp(
    host: str, port: int, on_message: MessageSink, on_refused: RefusedSink | None = None
) -> UdpLink:
    """Open a UDP socket aimed at the device (IPv4 or IPv6)."""
    loop = asyncio.get_running_loop()
    try:
        _, protocol = await loop.create_datagram_endpoint(
            lambda: UdpLink(on_message, on_refused), remote_addr=(bare_host(host), port)
        )
    except OSError as err:
        raise DeviceConnectionError(f"cannot open UDP to {host}:{port}: {err!r}") from err
    return protocol
