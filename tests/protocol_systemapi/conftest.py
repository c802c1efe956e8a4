"""Fixtures: the terse fake server and clients connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from custom_components.micboard.devices import Access
from custom_components.micboard.devices.shure_systemapi import SystemApiServer, Timing

from .fake import FakeSystemApi

FAST = Timing(
    request_timeout=3.0,
    heartbeat=0.4,
    transport_timeout=3.0,
    inventory_interval=60.0,
    inventory_debounce=0.05,
    identify_seconds=0.1,
    reconnect_min=0.05,
    reconnect_max=0.3,
)

type ServerFactory = Callable[..., Awaitable[SystemApiServer]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSystemApi]:
    api = FakeSystemApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def make_server(fake: FakeSystemApi) -> AsyncIterator[ServerFactory]:
    created: list[SystemApiServer] = []

    async def make(
        api: FakeSystemApi | None = None,
        *,
        key: str | None = None,
        fingerprint: str | None = None,
        timing: Timing = FAST,
        connect: bool = True,
        access: Access | None = None,
    ) -> SystemApiServer:
        api = api or fake
        access = access or Access(
            secret=key or api.key, fingerprint=fingerprint or api.cert.fingerprint
        )
        server = SystemApiServer("127.0.0.1", api.port, access=access, timing=timing)
        created.append(server)
        if connect:
            await server.connect()
        return server

    yield make
    for server in created:
        await server.disconnect()
