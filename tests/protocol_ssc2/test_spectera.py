"""Spectera base station: its mobile devices (SEK bodypacks, SKM handhelds) are the channels."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.micboard.devices import (
    Capability,
    DeviceError,
    Family,
    ReceiverChangedError,
    UnsupportedDeviceError,
)

from .conftest import ClientFactory, DeviceFactory
from .helpers import eventually
from .terse import spectera


def mobile(uid: str, serial: str, **values: Any) -> dict[str, Any]:
    base = {
        "mtUid": uid,
        "serial": serial,
        "type": "SEK",
        "name": f"MT {serial}",
        "state": "Connected",
        "batteryFillLevel": 70,
        "batteryRuntime": 420,
        "batteryLow": False,
        "rssi": -55,
        "micLqi": 97,
        "rfChannelId": 1,
    }
    return base | values


MOBILES = [
    mobile("u-9", "3000", type="SKM", name="HOST"),
    mobile("u-1", "1000", name="GUITAR"),
    mobile("u-5", "2000", state="Disconnected"),
]


async def test_mobile_devices_are_channels_sorted_by_serial(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device(spectera([dict(m) for m in MOBILES]))
    receiver = await client(terse, meter_rate_ms=200)
    info = receiver.info
    assert (info.family, info.channel_count, info.serial) == (Family.SPECTERA, 3, "SBS1")
    assert receiver.state.device_id == "SPECTERA"
    one, two, three = (receiver.state.channel(n) for n in (1, 2, 3))
    assert (one.name, one.tx_model, one.tx_on) == ("GUITAR", "SEK", True)
    assert (one.battery_percent, one.battery_runtime_min) == (70, 420)
    assert (one.rf_level_dbm, one.link_quality_percent) == (-55.0, 97)
    assert (two.tx_on, two.battery_percent, two.rf_level_dbm, two.tx_model) == (
        False,
        None,
        None,
        None,
    )
    assert (three.name, three.tx_model) == ("HOST", "SKM")
    caps = receiver.capabilities
    assert Capability.LINK_QUALITY in caps
    assert Capability.BATTERY_RUNTIME in caps
    assert Capability.FREQUENCY not in caps
    assert Capability.RENAME not in caps
    assert Capability.CHANNEL_IDENTIFY not in caps
    with pytest.raises(UnsupportedDeviceError):
        await receiver.set_channel_name(1, "X")
    with pytest.raises(UnsupportedDeviceError):
        await receiver.identify(1)
    await receiver.identify()
    session = next(iter(terse.sessions.values()))
    assert "/api/mts/paired/all" in session.paths


async def test_meters_off_leaves_rssi_unknown(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device(spectera([dict(m) for m in MOBILES]))
    receiver = await client(terse)
    one = receiver.state.channel(1)
    assert one.battery_percent == 70
    assert one.rf_level_dbm is None
    await receiver.set_meter_rate(300)
    assert one.rf_level_dbm == -55.0


async def test_mobile_device_notifications(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device(spectera([dict(m) for m in MOBILES]))
    receiver = await client(terse, meter_rate_ms=200)
    one, two = receiver.state.channel(1), receiver.state.channel(2)
    listed = [
        mobile("u-9", "3000", type="SKM", name="HOST"),
        mobile("u-1", "1000", name="GUITAR", batteryFillLevel=8, batteryLow=True, micLqi=40),
        mobile("u-5", "2000", state="Connected", batteryFillLevel=100, type="SKM"),
    ]
    terse.push({"/api/mts/paired/all": listed})
    await eventually(lambda: two.tx_on is True and one.battery_percent == 8)
    assert one.warnings == ("LowBattery",)
    await eventually(lambda: one.link_quality_percent == 40)
    assert (two.battery_percent, two.tx_model) == (100, "SKM")
    # One device pushed on its own path, partially.
    terse.raw(b'data:{"/api/mts/paired/all/u-1":{"state":"Sleeping"}}\r\n\r\n')
    await eventually(lambda: one.tx_on is False)
    assert one.battery_percent is None
    assert one.warnings == ()
    assert one.name == "GUITAR"
    # A device no longer listed is off; a newcomer is not a channel.
    terse.push({"/api/mts/paired/all": [listed[0], mobile("u-7", "0500")]})
    await eventually(lambda: two.tx_on is False)
    assert receiver.info.channel_count == 3
    assert set(receiver.state.channels) == {1, 2, 3}


async def test_mobiles_keyed_by_uid(device: DeviceFactory, client: ClientFactory) -> None:
    resources = spectera([])
    resources["/api/mts/paired/all"] = {"b": mobile("b", "2"), "a": mobile("a", "1", name="A")}
    terse = await device(resources)
    receiver = await client(terse)
    assert receiver.info.channel_count == 2
    assert receiver.state.channel(1).name == "A"


async def test_another_set_of_mobile_devices_on_reconnect(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device(spectera([dict(m) for m in MOBILES]))
    receiver = await client(terse)
    problems: list[DeviceError | None] = []
    receiver.subscribe_problem(problems.append)
    terse.resources["/api/mts/paired/all"] = [*MOBILES[:2], mobile("u-6", "2500")]
    terse.end_streams()
    await eventually(lambda: problems, what="a problem")
    assert isinstance(problems[0], ReceiverChangedError)
    assert not receiver.connected
    terse.resources["/api/mts/paired/all"] = [dict(m) for m in MOBILES]
    await eventually(lambda: receiver.connected, what="back with the same set")
    assert problems[-1] is None


async def test_spectera_found_without_a_known_product(
    device: DeviceFactory, client: ClientFactory
) -> None:
    resources = spectera([mobile("x", "1")])
    resources["/api/device/identity"] = {"product": "SBS-NEXT", "serial": "9"}
    terse = await device(resources)
    receiver = await client(terse)
    assert (receiver.info.family, receiver.info.channel_count) == (Family.SPECTERA, 1)
