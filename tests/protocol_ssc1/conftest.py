"""Fixtures: simulated SSC v1 devices and connected clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib

import pytest

from custom_components.micboard.devices import DeviceError
from custom_components.micboard.devices.sennheiser.ssc1 import SscReceiver, Timing
from simulator.sennheiser import SscDevice, create_ssc_device

from .helpers import FAST, LOCALHOST

type SimFactory = Callable[..., Awaitable[SscDevice]]
type ClientFactory = Callable[..., Awaitable[SscReceiver]]


@pytest.fixture
async def sim() -> AsyncIterator[SimFactory]:
    """``await sim("EWDX-EM4", **options)`` → a started simulated device, stopped afterwards."""
    started: list[SscDevice] = []

    async def make(model: str, **options: object) -> SscDevice:
        device = create_ssc_device(model, LOCALHOST, **options)  # type: ignore[arg-type]
        await device.start()
        started.append(device)
        return device

    yield make
    for device in started:
        await device.stop()


@pytest.fixture
async def client() -> AsyncIterator[ClientFactory]:
    """``await client(port_or_device, timing=…, connect=True, host=…)`` → an SscReceiver."""
    made: list[SscReceiver] = []

    async def make(
        target: SscDevice | int,
        *,
        timing: Timing = FAST,
        connect: bool = True,
        host: str = LOCALHOST,
        **options: object,
    ) -> SscReceiver:
        port = target if isinstance(target, int) else target.port
        receiver = SscReceiver(host, port, timing=timing, **options)  # type: ignore[arg-type]
        made.append(receiver)
        if connect:
            await receiver.connect()
        return receiver

    yield make
    for receiver in made:
        with contextlib.suppress(DeviceError):
            await receiver.disconnect()
