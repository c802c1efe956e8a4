"""Fixtures for the protocol tests: simulated receivers and connected clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib

import pytest

from custom_components.micboard.devices import DeviceError
from custom_components.micboard.devices.shure import ShureReceiver, Timing
from simulator import SimReceiver, create_receiver

from .helpers import FAST, LOCALHOST, RawServer

type SimFactory = Callable[..., Awaitable[SimReceiver]]
type ClientFactory = Callable[..., Awaitable[ShureReceiver]]


@pytest.fixture
async def sim() -> AsyncIterator[SimFactory]:
    """``await sim("ULXD4", **options)`` → a started simulated receiver, stopped afterwards."""
    started: list[SimReceiver] = []

    async def make(model: str, **options: object) -> SimReceiver:
        rx = create_receiver(model, host=LOCALHOST, **options)  # type: ignore[arg-type]
        await rx.start()
        started.append(rx)
        return rx

    yield make
    for rx in started:
        await rx.stop()


@pytest.fixture
async def client() -> AsyncIterator[ClientFactory]:
    """``await client(rx)`` → a connected :class:`ShureReceiver`, disconnected afterwards.

    ``connect=False`` returns it unconnected; ``timing`` overrides the fast timing.
    """
    made: list[ShureReceiver] = []

    async def make(
        rx: SimReceiver | int,
        *,
        timing: Timing = FAST,
        connect: bool = True,
        **options: object,
    ) -> ShureReceiver:
        port = rx if isinstance(rx, int) else rx.port
        receiver = ShureReceiver(LOCALHOST, port, timing=timing, **options)  # type: ignore[arg-type]
        made.append(receiver)
        if connect:
            await receiver.connect()
        return receiver

    yield make
    for receiver in made:
        with contextlib.suppress(DeviceError):
            await receiver.disconnect()


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[..., Awaitable[RawServer]]]:
    """``await raw_server(greeting=…, responder=…)`` → a started bare TCP server."""
    servers: list[RawServer] = []

    async def make(**options: object) -> RawServer:
        server = await RawServer(**options).start()  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop()
