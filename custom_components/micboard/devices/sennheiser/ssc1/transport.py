"""Transports for SSC v1: one JSON object per UDP datagram, or a TCP stream.

The client needs only :class:`Link`.  Over TCP (offered by some products on
port 45) the framing is not documented precisely, so :class:`JsonSplitter`
accepts objects sent back to back as well as objects separated by CR/LF, and
skips anything between objects.
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
type ClosedSink = Callable[[], None]


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


class JsonSplitter:
    """Cut a byte stream into JSON objects by brace depth, strings respected.

    Bytes outside an object (CR, LF, spaces, garbage without ``{``) are
    skipped.  Every byte is looked at once; an object longer than
    :data:`codec.MAX_MESSAGE_BYTES` is not kept but followed to its end and
    counted as malformed; a string broken by a raw control byte (CR, LF)
    abandons its object.
    """

    def __init__(self) -> None:
        """Start outside any object."""
        self._buffer = bytearray()
        self._depth = 0
        self._in_string = False
        self._escaped = False
        self._size = 0
        self.malformed = 0

    def feed(self, data: bytes) -> list[bytes]:
        """Return the objects that ``data`` completes (raw bytes, not yet decoded)."""
        done: list[bytes] = []
        start = 0 if self._depth else -1
        for index, byte in enumerate(data):
            if self._depth == 0:
                if byte == 0x7B:  # {
                    self._depth = 1
                    self._size = 1
                    start = index
                continue
            self._size += 1
            if self._in_string:
                if byte < 0x20:
                    # A raw control byte (CR, LF) cannot be inside a JSON string:
                    # this object is broken; look for the next one from here.
                    self.malformed += 1
                    self._depth = 0
                    self._in_string = self._escaped = False
                    self._buffer.clear()
                    start = -1
                elif self._escaped:
                    self._escaped = False
                elif byte == 0x5C:  # backslash
                    self._escaped = True
                elif byte == 0x22:  # "
                    self._in_string = False
            elif byte == 0x22:
                self._in_string = True
            elif byte == 0x7B:
                self._depth += 1
            elif byte == 0x7D:  # }
                self._depth -= 1
                if self._depth == 0:
                    if self._size <= codec.MAX_MESSAGE_BYTES:
                        self._buffer += data[start : index + 1]
                        done.append(bytes(self._buffer))
                    else:
                        self.malformed += 1
                    self._buffer.clear()
                    start = -1
        if self._depth and start >= 0 and self._size <= codec.MAX_MESSAGE_BYTES:
            self._buffer += data[start:]
        elif self._size > codec.MAX_MESSAGE_BYTES:
            self._buffer.clear()
        return done


class TcpLink(asyncio.Protocol):
    """A TCP connection to one device carrying a stream of JSON objects."""

    def __init__(self, on_message: MessageSink, on_closed: ClosedSink | None = None) -> None:
        """Deliver every decoded message to ``on_message``; ``on_closed`` when the peer goes."""
        self._on_message = on_message
        self._on_closed = on_closed
        self._splitter = JsonSplitter()
        self.transport: asyncio.Transport | None = None
        self.received_bytes = 0
        self._undecodable = 0

    @property
    def malformed(self) -> int:
        """Objects that were too large or not JSON."""
        return self._splitter.malformed + self._undecodable

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    @override
    def data_received(self, data: bytes) -> None:
        self.received_bytes += len(data)
        for chunk in self._splitter.feed(data):
            message = codec.decode(chunk)
            if message is None:
                self._undecodable += 1
                continue
            with contextlib.suppress(Exception):
                self._on_message(message)

    @override
    def eof_received(self) -> bool | None:
        return False  # close our side too

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self._on_closed is not None:
            with contextlib.suppress(Exception):
                self._on_closed()

    def send(self, message: dict[str, Any]) -> None:
        """Send one object followed by CR LF."""
        if (transport := self.transport) is not None and not transport.is_closing():
            transport.write(codec.encode(message) + b"\r\n")

    def close(self) -> None:
        """Close the connection (without reporting it as lost)."""
        self._on_closed = None
        if (transport := self.transport) is not None:
            transport.close()


async def open_tcp(
    host: str, port: int, on_message: MessageSink, on_closed: ClosedSink | None = None
) -> TcpLink:
    """Connect to the device over TCP (IPv4 or IPv6)."""
    loop = asyncio.get_running_loop()
    try:
        _, protocol = await loop.create_connection(
            lambda: TcpLink(on_message, on_closed), bare_host(host), port
        )
    except OSError as err:
        raise DeviceConnectionError(f"cannot connect over TCP to {host}:{port}: {err!r}") from err
    return protocol
