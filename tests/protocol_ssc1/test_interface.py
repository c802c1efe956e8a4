"""The manufacturer-neutral interface, capabilities and registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from custom_components.micboard import devices
from custom_components.micboard.devices import Capability, ProbeResult, Receiver, registry
from custom_components.micboard.devices.sennheiser.ssc1 import SscReceiver

from .conftest import ClientFactory, SimFactory
from .helpers import FAST, LOCALHOST


@pytest.fixture
def restore_registry() -> Iterator[None]:
    saved = dict(registry._REGISTRY)
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


def test_ssc_client_satisfies_the_receiver_protocol() -> None:
    assert isinstance(SscReceiver(LOCALHOST), Receiver)
    assert devices.Receiver is Receiver


def test_something_else_does_not() -> None:
    class Partial:
        host = "h"
        port = 1

        async def connect(self) -> None: ...

    assert not isinstance(Partial(), Receiver)


async def test_capabilities_are_neutral_members(sim: SimFactory, client: ClientFactory) -> None:
    device = await sim("EWDX-EM2")
    receiver = await client(device)
    assert receiver.capabilities
    assert all(isinstance(c, Capability) for c in receiver.capabilities)
    assert {Capability.RENAME, Capability.IDENTIFY, Capability.METERING} <= receiver.capabilities


def test_registry_knows_ssc1_and_creates_clients() -> None:
    keys = [m.key for m in registry.manufacturers()]
    assert "sennheiser_ssc1" in keys
    manufacturer = registry.get("sennheiser_ssc1")
    assert manufacturer.default_port == 45
    receiver = registry.create("sennheiser_ssc1", "[::1]", meter_rate_ms=1000)
    assert isinstance(receiver, Receiver)
    assert (receiver.host, receiver.port, receiver.meter_rate_ms) == ("::1", 45, 1000)
    with pytest.raises(KeyError):
        registry.get("nobody")


async def test_probe_says_what_answers(sim: SimFactory) -> None:
    device = await sim("EWDX-EM4", serial="9988776655")
    found = await registry.get("sennheiser_ssc1").detect(LOCALHOST, device.port, wait=1.0)
    assert found == ProbeResult(
        "sennheiser_ssc1",
        LOCALHOST,
        device.port,
        model="EW-DX EM 4 Dante",
        serial="9988776655",
        name=device.device_name,
    )
    port = device.port
    await device.stop()
    assert await registry.get("sennheiser_ssc1").detect(LOCALHOST, port, wait=0.3) is None


async def test_detect_asks_every_manufacturer(sim: SimFactory, restore_registry: None) -> None:
    device = await sim("CHG70N")

    def factory(host: str, port: int, *, meter_rate_ms: int = 0) -> Receiver:
        return SscReceiver(host, port, meter_rate_ms=meter_rate_ms, timing=FAST)

    # a manufacturer without its own probe is probed by connecting its client
    registry.register(registry.Manufacturer("second", "Second", 45, factory))
    found = await registry.detect(LOCALHOST, device.port, wait=2.0)
    assert [(r.manufacturer, r.model, r.serial) for r in found] == [
        ("sennheiser_ssc1", "EW-DX CHG 70N", device.serial),
        ("second", "EW-DX CHG 70N", device.serial),
    ]
    port = device.port
    await device.stop()
    assert await registry.detect(LOCALHOST, port, wait=0.5) == []
