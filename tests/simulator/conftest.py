"""Fixtures for the simulator tests: raw TCP/UDP probes talking to simulated receivers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import re

import pytest

from simulator import SimReceiver, create_receiver


@pytest.fixture(autouse=True)
def _sockets_allowed(request: pytest.FixtureRequest) -> None:
    """Allow loopback sockets when pytest-socket / the HA plugin blocks them."""
    with contextlib.suppress(pytest.FixtureLookupError):
        request.getfixturevalue("socket_enabled")


MSG = re.compile(rb"<[^<>]*>")


class TcpProbe:
    """A raw TCP client: sends bytes, collects every received byte."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.raw = b""  # everything received so far
        self.pos = 0  # consumed part of ``raw``
        self.reads: list[bytes] = []  # individual read() results

    async def send(self, data: bytes | str) -> None:
        self.writer.write(data.encode() if isinstance(data, str) else data)
        await self.writer.drain()

    async def _read_once(self, timeout: float) -> bool:
        try:
            chunk = await asyncio.wait_for(self.reader.read(65536), timeout)
        except TimeoutError:
            return False
        if not chunk:
            raise ConnectionResetError("closed by receiver")
        self.reads.append(chunk)
        self.raw += chunk
        return True

    async def messages(self, count: int, timeout: float = 2.0) -> list[str]:
        """The next ``count`` ``< … >`` messages (raw text; CR/LF stays in ``raw``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = list(MSG.finditer(self.raw, self.pos))
            if len(found) >= count:
                self.pos = found[count - 1].end()
                return [m.group().decode() for m in found[:count]]
            left = deadline - loop.time()
            if left <= 0:
                got = [m.group().decode() for m in found]
                raise AssertionError(f"wanted {count} messages, got {len(got)}: {got}")
            await self._read_once(left)

    async def message(self, timeout: float = 2.0) -> str:
        return (await self.messages(1, timeout))[0]

    async def until(self, pattern: str, timeout: float = 3.0) -> list[str]:
        """Messages up to and including the first one matching ``pattern`` (regex)."""
        out: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            msg = await self.message(max(0.01, deadline - loop.time()))
            out.append(msg)
            if re.search(pattern, msg):
                return out

    async def silence(self, duration: float = 0.3) -> bytes:
        """Bytes received within ``duration`` beyond what was consumed (expected: none)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + duration
        with contextlib.suppress(ConnectionResetError):
            while (left := end - loop.time()) > 0:
                await self._read_once(left)
        return self.raw[self.pos :]

    async def collect(self, duration: float) -> list[str]:
        """All messages received during ``duration``."""
        await self.silence(duration)
        found = [m.group().decode() for m in MSG.finditer(self.raw, self.pos)]
        self.pos = len(self.raw)
        return found

    async def closed(self, timeout: float = 2.0) -> bool:
        """True when the receiver closed the connection."""
        try:
            async with asyncio.timeout(timeout):
                while await self.reader.read(65536):
                    pass
        except TimeoutError:
            return False
        except OSError:
            return True
        return True

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


class UdpProbe(asyncio.DatagramProtocol):
    """A UDP client bound to an ephemeral loopback port."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.queue.put_nowait(data)

    def send(self, data: bytes | str) -> None:
        assert self.transport is not None
        self.transport.sendto(data.encode() if isinstance(data, str) else data)

    async def recv(self, timeout: float = 2.0) -> bytes:
        return await asyncio.wait_for(self.queue.get(), timeout)

    async def collect(self, duration: float) -> list[bytes]:
        await asyncio.sleep(duration)
        out = []
        while not self.queue.empty():
            out.append(self.queue.get_nowait())
        return out

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


type RxFactory = Callable[..., Awaitable[SimReceiver]]
type TcpFactory = Callable[[SimReceiver], Awaitable[TcpProbe]]
type UdpFactory = Callable[[SimReceiver], Awaitable[UdpProbe]]


@pytest.fixture
async def receiver() -> AsyncIterator[RxFactory]:
    """Factory: ``await receiver("ULXD4Q", **options)`` → started receiver, stopped afterwards."""
    started: list[SimReceiver] = []

    async def make(model: str, **options: object) -> SimReceiver:
        rx = create_receiver(model, **options)  # type: ignore[arg-type]
        await rx.start()
        started.append(rx)
        return rx

    yield make
    for rx in started:
        await rx.stop()


@pytest.fixture
async def tcp() -> AsyncIterator[TcpFactory]:
    """Factory: ``await tcp(rx)`` → connected raw probe, closed afterwards."""
    probes: list[TcpProbe] = []

    async def connect(rx: SimReceiver) -> TcpProbe:
        before = rx.client_count
        reader, writer = await asyncio.open_connection(rx.host, rx.port)
        probe = TcpProbe(reader, writer)
        probes.append(probe)
        for _ in range(200):  # wait until the receiver registered the client
            if rx.client_count > before:
                break
            await asyncio.sleep(0.005)
        return probe

    yield connect
    for probe in probes:
        await probe.close()


@pytest.fixture
async def udp() -> AsyncIterator[UdpFactory]:
    """Factory: ``await udp(rx)`` → UDP probe aimed at the receiver."""
    probes: list[UdpProbe] = []

    async def connect(rx: SimReceiver) -> UdpProbe:
        loop = asyncio.get_running_loop()
        _, probe = await loop.create_datagram_endpoint(
            UdpProbe, local_addr=("127.0.0.1", 0), remote_addr=(rx.host, rx.port)
        )
        probes.append(probe)
        return probe

    yield connect
    for probe in probes:
        probe.close()
