"""Transports: a TCP stream (bracket families) or UDP datagrams (UHF-R).

No exception escapes a protocol callback: whatever fails while handling
received data is logged once per link and the link is kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import logging
import socket
from typing import Protocol, override

from ..exceptions import DeviceConnectionError
from .framing import MAX_DATAGRAM, BracketParser, Message, parse_star_datagram

_LOGGER = logging.getLogger(__name__)

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
        self._failed = False

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @override
    def data_received(self, data: bytes) -> None:
        self.received_bytes += len(data)
        try:
            if messages := self._parser.feed(data):
                self._on_messages(messages)
        except Exception:
            self._log_failure()

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        try:
            self._on_lost(exc)
        except Exception:
            self._log_failure()

    def _log_failure(self) -> None:
        if not self._failed:
            self._failed = True
            _LOGGER.exception("Ignoring a failure while handling received data")

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
        self._failed = False

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    @override
    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.received_bytes += len(data)
        try:
            if len(data) <= MAX_DATAGRAM and (messages := parse_star_datagram(data)):
                self._on_messages(messages)
            else:
                self.malformed += 1
        except Exception:
            self._log_failure()

    @override
    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable: nothing listens there (any more), which a
        # probe should learn at once rather than after its timeout.  Other
        # errors are left to the keep-alive, which notices silence.
        if isinstance(exc, ConnectionRefusedError):
            try:
                self._on_lost(exc)
            except Exception:
                self._log_failure()

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        try:
            self._on_lost(exc)
        except Exception:
            self._log_failure()

    def _log_failure(self) -> None:
        if not self._failed:
            self._failed = True
            _LOGGER.exception("Ignoring a failure while handling a datagram")

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
