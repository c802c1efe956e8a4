"""Fixtures: terse SSCv2 devices and connected clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from typing import Any

import pytest

from custom_components.micboard.devices import Access, DeviceError
from custom_components.micboard.devices.sennheiser.ssc2 import SscV2Receiver, Timing

from .helpers import FAST, LOCALHOST
from .terse import TerseSsc2, ewdx

type DeviceFactory = Callable[..., Awaitable[TerseSsc2]]
type ClientFactory = Callable[..., Awaitable[SscV2Receiver]]


@pytest.fixture
async def device() -> AsyncIterator[DeviceFactory]:
    """``await device(resources=None, **options)`` → a started terse device, stopped afterwards."""
    started: list[TerseSsc2] = []

    async def make(resources: dict[str, Any] | None = None, **options: Any) -> TerseSsc2:
        terse = TerseSsc2(ewdx() if resources is None else resources, **options)
        await terse.start()
        started.append(terse)
        return terse

    yield make
    for terse in started:
        await terse.stop()


@pytest.fixture
async def client() -> AsyncIterator[ClientFactory]:
    """``await client(device, password=…, fingerprint=…, connect=True, **options)``."""
    made: list[SscV2Receiver] = []

    async def make(
        terse: TerseSsc2,
        *,
        password: str | None = None,
        username: str | None = None,
        fingerprint: str | None = "device",
        timing: Timing = FAST,
        connect: bool = True,
        access: Access | None = None,
        **options: Any,
    ) -> SscV2Receiver:
        if fingerprint == "device":
            fingerprint = terse.certificate.fingerprint
        if access is None:
            secret = terse.password if password is None else password
            access = Access(username=username, secret=secret, fingerprint=fingerprint)
        receiver = SscV2Receiver(LOCALHOST, terse.port, access=access, timing=timing, **options)
        made.append(receiver)
        if connect:
            await receiver.connect()
        return receiver

    yield make
    for receiver in made:
        with contextlib.suppress(DeviceError):
            await receiver.disconnect()
