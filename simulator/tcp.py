"""TCP client connections of a simulated receiver (one protocol object per client)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING

from simulator.wire import BracketFramer

if TYPE_CHECKING:
    from simulator.receiver import SimReceiver

__all__ = ["TcpClient"]

MERGE_WINDOW = 0.01  # seconds to collect messages that are glued into one write
MAX_BACKLOG = 4 * 1024 * 1024  # a client that stopped reading is cut off


class TcpClient(asyncio.Protocol):
    """One connected controller: framing in, ordered processing, segmented writes out."""

    def __init__(self, rx: SimReceiver) -> None:
        """Create the protocol for a new connection."""
        self.rx = rx
        self.framer = BracketFramer(require_crlf=rx.engine.require_crlf)
        self.transport: asyncio.Transport | None = None
        self.peer: object = None
        self.inbox: asyncio.Queue[str] = asyncio.Queue()
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.tasks: list[asyncio.Task[None]] = []
        self.closed_by_us = False

    # ---------------------------------------------------------------- asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Register with the receiver and start the worker and writer tasks."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.peer = transport.get_extra_info("peername")
        self.rx.attach(self)
        self.tasks = [self.rx.spawn(self._work()), self.rx.spawn(self._write())]

    def data_received(self, data: bytes) -> None:
        """Frame the bytes and hand every message to the receiver."""
        for frame in self.framer.feed(data):
            self.rx.received_frame(self, frame)

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the tasks and unregister."""
        for task in self.tasks:
            task.cancel()
        self.rx.detach(self, by_peer=not self.closed_by_us)

    # ---------------------------------------------------------------- link interface
    def submit(self, text: str) -> None:
        """Queue a command for in-order execution."""
        self.inbox.put_nowait(text)

    def send(self, text: str) -> None:
        """Queue a message for this client."""
        self.send_bytes(text.encode("ascii", "replace"))

    def send_bytes(self, data: bytes) -> None:
        """Queue raw bytes for this client."""
        if self.transport is not None and not self.transport.is_closing():
            self.outbox.put_nowait(data)

    def close(self) -> None:
        """Abrupt close initiated by the simulator."""
        self.closed_by_us = True
        if self.transport is not None:
            self.transport.abort()

    # ---------------------------------------------------------------- tasks
    async def _work(self) -> None:
        while True:
            text = await self.inbox.get()
            if self.rx.reply_delay > 0:
                await asyncio.sleep(self.rx.reply_delay)
            self.rx.execute(self, text)

    def _put(self, data: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing() or not data:
            return
        transport.write(data)
        if transport.get_write_buffer_size() > MAX_BACKLOG:
            self.close()

    def _drain_queued(self, data: bytes) -> bytes:
        while not self.outbox.empty():
            data += self.outbox.get_nowait()
        return data

    async def _write(self) -> None:
        while True:
            data = await self.outbox.get()
            mode = self.rx.segmenting
            if mode == "random":
                choice = self.rx.rng.random()
                mode = "split" if choice < 0.35 else "merge" if choice < 0.7 else "none"
                if mode == "split" and len(data) > 1:
                    cut = self.rx.rng.randint(1, len(data) - 1)
                    self._put(data[:cut])
                    await asyncio.sleep(self.rx.split_pause)
                    self._put(data[cut:])
                    continue
            if mode == "split" and len(data) > 1:
                cut = len(data) // 2
                self._put(data[:cut])
                await asyncio.sleep(self.rx.split_pause)
                self._put(data[cut:])
            elif mode == "merge":
                await asyncio.sleep(MERGE_WINDOW)
                self._put(self._drain_queued(data))
            else:
                self._put(data)
