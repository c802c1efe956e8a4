"""Fixtures: simulated SSC v1 devices and a raw UDP probe."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import json
from typing import Any

import pytest

from simulator.sennheiser import SscDevice, create_ssc_device


@pytest.fixture(autouse=True)
def _sockets_allowed(request: pytest.FixtureRequest) -> None:
    """Allow loopback sockets when pytest-socket / the HA plugin blocks them."""
    with contextlib.suppress(pytest.FixtureLookupError):
        request.getfixturevalue("socket_enabled")


class Probe(asyncio.DatagramProtocol):
    """A raw SSC v1 peer: sends JSON objects, collects decoded replies."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.raw: list[bytes] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.raw.append(data)
        self.queue.put_nowait(json.loads(data))

    def send(self, message: dict[str, Any] | bytes) -> None:
        assert self.transport is not None
        data = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.transport.sendto(data)

    async def recv(self, timeout: float = 2.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.queue.get(), timeout)

    async def ask(self, message: dict[str, Any] | bytes) -> dict[str, Any]:
        self.send(message)
        return await self.recv()

    async def collect(self, duration: float) -> list[dict[str, Any]]:
        await asyncio.sleep(duration)
        out = []
        while not self.queue.empty():
            out.append(self.queue.get_nowait())
        return out

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


type DeviceFactory = Callable[..., Awaitable[SscDevice]]
type ProbeFactory = Callable[[SscDevice], Awaitable[Probe]]


@pytest.fixture
async def ssc() -> AsyncIterator[DeviceFactory]:
    """``await ssc("EWDX-EM4", **options)`` → started device, stopped afterwards."""
    started: list[SscDevice] = []

    async def make(model: str, **options: Any) -> SscDevice:
        device = create_ssc_device(model, "127.0.0.1", **options)
        await device.start()
        started.append(device)
        return device

    yield make
    for device in started:
        await device.stop()


@pytest.fixture
async def probe() -> AsyncIterator[ProbeFactory]:
    """``await probe(device)`` → a UDP probe aimed at the device."""
    probes: list[Probe] = []

    async def make(device: SscDevice) -> Probe:
        loop = asyncio.get_running_loop()
        _, peer = await loop.create_datagram_endpoint(
            Probe, local_addr=("127.0.0.1", 0), remote_addr=(device.host, device.port)
        )
        probes.append(peer)
        return peer

    yield make
    for peer in probes:
        peer.close()
