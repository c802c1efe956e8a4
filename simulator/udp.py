"""UDP endpoint of a simulated UHF-R receiver (one datagram per message, no connections)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from simulator.wire import Frame, split_star

if TYPE_CHECKING:
    from simulator.receiver import SimReceiver

__all__ = ["PEER_TIMEOUT", "UdpEndpoint", "UdpPeer"]

PEER_TIMEOUT = 30.0  # a peer stops getting unsolicited output after this long without a datagram

type Address = tuple[str, int]


class UdpPeer:
    """A remote socket that sent us a datagram; replies go back to it."""

    def __init__(self, endpoint: UdpEndpoint, addr: Address) -> None:
        """Remember the peer's address."""
        self.endpoint = endpoint
        self.addr = addr
        self.last_seen = 0.0

    def submit(self, text: str) -> None:
        """Queue a command for in-order execution."""
        self.endpoint.inbox.put_nowait((self, text))

    def send(self, text: str) -> None:
        """Send one datagram."""
        self.send_bytes(text.encode("ascii", "replace"))

    def send_bytes(self, data: bytes) -> None:
        """Send raw bytes as one datagram."""
        transport = self.endpoint.transport
        if transport is not None and not transport.is_closing():
            transport.sendto(data, self.addr)

    def close(self) -> None:
        """Forget the peer."""
        self.endpoint.peers.pop(self.addr, None)


class UdpEndpoint(asyncio.DatagramProtocol):
    """The receiver's UDP socket."""

    def __init__(self, rx: SimReceiver) -> None:
        """Create the endpoint."""
        self.rx = rx
        self.transport: asyncio.DatagramTransport | None = None
        self.peers: dict[Address, UdpPeer] = {}
        self.inbox: asyncio.Queue[tuple[UdpPeer, str]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the worker."""
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport
        self.task = self.rx.spawn(self._work())

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        """Record the peer and hand every ``* … *`` message to the receiver."""
        key: Address = (str(addr[0]), int(addr[1]))
        peer = self.peers.get(key)
        if peer is None:
            peer = self.peers[key] = UdpPeer(self, key)
        peer.last_seen = asyncio.get_running_loop().time()
        for text in split_star(data):
            self.rx.received_frame(peer, Frame(text))

    def error_received(self, exc: Exception) -> None:
        """ICMP errors (peer gone) are ignored like a real receiver would."""

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the worker."""
        if self.task is not None:
            self.task.cancel()

    def live_peers(self) -> list[UdpPeer]:
        """Peers seen during the last ``PEER_TIMEOUT`` seconds."""
        now = asyncio.get_running_loop().time()
        for addr, peer in list(self.peers.items()):
            if now - peer.last_seen > PEER_TIMEOUT:
                del self.peers[addr]
        return list(self.peers.values())

    def close(self) -> None:
        """Close the socket."""
        self.peers.clear()
        if self.transport is not None:
            self.transport.close()

    async def _work(self) -> None:
        while True:
            peer, text = await self.inbox.get()
            if self.rx.reply_delay > 0:
                await asyncio.sleep(self.rx.reply_delay)
            self.rx.execute(peer, text)
