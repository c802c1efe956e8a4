"""Transports: a TCP stream (bracket families) or UDP datagrams (UHF-R)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import socket
from typing import Protocol, override

from ..exceptions import DeviceConnectionError
from .framing import BracketParser, Message, parse_star_datagram

type MessageSink = Callable[[list[Message]], None]
type LostSink = Callable[[Exception | None], None]


class Link(Protocol):
    """What the client needs from a transport."""

    @property
    def malformed(self) -> int:
        """Messages or bytes that could not be understood so far."""

    @property
    def received_bytes(self) -> int:
        """Bytes received so far."""

    def send(self, data: bytes) -> None:
        """Send bytes (best effort)."""

    def close(self) -> None:
        """Close the transport."""


class TcpLink(asyncio.Protocol):
    """A TCP connection framed by ``>``."""

    def __init__(self, on_messages: MessageSink, on_lost: LostSink) -> None:
        self._on_messages = on_messages
        self._on_lost = on_lost
        self._parser = BracketParser()
        self.transport: asyncio.Transport | None = None
        self.received_bytes = 0

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @override
    def data_received(self, data: bytes) -> None:
        self.received_bytes += len(data)
        if messages := self._parser.feed(data):
            self._on_messages(messages)

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._on_lost(exc)

    @property
    def malformed(self) -> int:
        """Malformed messages, plus one if any stray bytes were skipped."""
        return self._parser.malformed + (1 if self._parser.discarded else 0)

    def send(self, data: bytes) -> None:
        """Write bytes if the connection is open."""
        if (transport := self.transport) is not None and not transport.is_closing():
            transport.write(data)

    def close(self) -> None:
        """Close (after flushing what is buffered)."""
        if (transport := self.transport) is not None:
            transport.close()


async def open_tcp(
    host: str, port: int, connect_timeout: float, on_messages: MessageSink, on_lost: LostSink
) -> TcpLink:
    """Connect over TCP or raise :class:`DeviceConnectionError`."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(connect_timeout):
            _, protocol = await loop.create_connection(
                lambda: TcpLink(on_messages, on_lost), host, port
            )
    except (OSError, TimeoutError) as err:
        raise DeviceConnectionError(f"cannot connect to {host}:{port}: {err!r}") from err
    return protocol


class UdpLink(asyncio.DatagramProtocol):
    """UDP datagrams to and from one device (UHF-R)."""

    def __init__(self, on_messages: MessageSink, on_lost: LostSink) -> None:
        self._on_messages = on_messages
        self._on_lost = on_lost
        self.transport: asyncio.DatagramTransport | None = None
        self.received_bytes = 0
        self.malformed = 0

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.received_bytes += len(data)
        if messages := parse_star_datagram(data):
            self._on_messages(messages)
        else:
            self.malformed += 1

    @override
    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and the like: the keep-alive notices silence.
        return

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._on_lost(exc)

    def send(self, data: bytes) -> None:
        """Send one datagram."""
        if (transport := self.transport) is not None and not transport.is_closing():
            transport.sendto(data)

    def close(self) -> None:
        """Close the socket."""
        if (transport := self.transport) is not None:
            transport.close()


async def open_udp(host: str, port: int, on_messages: MessageSink, on_lost: LostSink) -> UdpLink:
    """Open a UDP socket bound to the device's address."""
    loop = asyncio.get_running_loop()
    try:
        _, protocol = await loop.create_datagram_endpoint(
            lambda: UdpLink(on_messages, on_lost), remote_addr=(host, port)
        )
    except OSError as err:
        raise DeviceConnectionError(f"cannot open UDP to {host}:{port}: {err!r}") from err
    return protocol
