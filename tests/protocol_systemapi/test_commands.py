"""Capabilities, battery devices and commands through the server."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from custom_components.micboard.devices import Capability, UnsupportedDeviceError, Update
from custom_components.micboard.devices.shure_systemapi import SystemApiDevice

from .conftest import FAST, ServerFactory
from .fake import FakeSystemApi, wait_for

ABSENT = {
    Capability.FREQUENCY,
    Capability.RF_LEVEL,
    Capability.RF_PER_ANTENNA,
    Capability.ANTENNA,
    Capability.AUDIO_LEVEL,
    Capability.METERING,
    Capability.TX_PRESENCE,
}


async def test_capabilities_come_from_the_capability_strings(
    make_server: ServerFactory,
) -> None:
    server = await make_server()
    adtq = server.receivers["ADTQ001"]
    assert adtq.capabilities == {
        Capability.IDENTIFY,
        Capability.RENAME,
        Capability.GAIN,
        Capability.AUDIO_ACTIVITY,
    }
    anx = server.receivers["dev-anx4"]
    assert {Capability.MUTE, Capability.MUTE_STATE, Capability.GAIN} <= anx.capabilities
    ulx = server.receivers["ULX6001"]
    assert ulx.capabilities == {
        Capability.IDENTIFY,
        Capability.MUTE,
        Capability.MUTE_STATE,
        Capability.BATTERY_PERCENT,
        Capability.BATTERY_RUNTIME,
        Capability.CHARGE_TIME,
        Capability.BATTERY_HEALTH,
        Capability.BATTERY_CYCLES,
    }
    for device in server.receivers.values():
        assert not device.capabilities & ABSENT
        assert device.meter_rate_ms == 0
        channel = device.state.channels[1]
        assert channel.frequency_mhz is None
        assert channel.rf_level_dbm is None


async def test_a_battery_device_without_audio_channels_gets_one_channel(
    make_server: ServerFactory,
) -> None:
    server = await make_server()
    ulx = server.receivers["ULX6001"]
    assert ulx.info.channel_count == 1
    assert list(ulx.state.channels) == [1]
    channel = ulx.state.channels[1]
    assert channel.battery_percent == 87
    assert channel.battery_runtime_min == 385
    assert channel.battery_charging is False
    assert channel.time_to_full_min is None
    assert channel.battery_health_percent == 96
    assert channel.battery_cycles == 42
    assert channel.muted is False  # device-level audio mute, mirrored
    assert ulx.state.device_id == "Vocal 1"
    assert ulx.state.identifying is False


async def test_identify_starts_and_stops(fake: FakeSystemApi, make_server: ServerFactory) -> None:
    server = await make_server()
    adtq = server.receivers["ADTQ001"]
    await adtq.identify()
    assert fake.devices["dev-adtq"].identifying is True
    await wait_for(lambda: fake.devices["dev-adtq"].identifying is False)
    with pytest.raises(UnsupportedDeviceError):
        await adtq.identify(1)


async def test_disconnect_stops_a_running_identify_at_once(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server(timing=replace(FAST, identify_seconds=30.0))
    await server.receivers["ADTQ001"].identify()
    assert fake.devices["dev-adtq"].identifying is True
    await server.disconnect()
    assert fake.devices["dev-adtq"].identifying is False
    await asyncio.sleep(0.1)
    assert len([s for s in fake.seen if s.raw_path.endswith("/identify/stop")]) == 1


async def test_rename_gain_and_mute(fake: FakeSystemApi, make_server: ServerFactory) -> None:
    server = await make_server()
    adtq = server.receivers["ADTQ001"]
    assert isinstance(adtq, SystemApiDevice)
    updates: list[Update] = []
    adtq.subscribe(updates.append)
    await adtq.set_channel_name(2, "Keys")
    first = fake.devices["dev-adtq"].channels[3]  # index 1
    assert first.name == "Keys"
    assert adtq.state.channels[2].name == "Keys"
    assert Update(2, frozenset({"name"})) in updates
    await adtq.set_gain(2, 5)
    assert first.gain == 5
    assert adtq.state.channels[2].gain_db == 5
    with pytest.raises(ValueError, match="channel name"):
        await adtq.set_channel_name(2, "")
    with pytest.raises(ValueError, match="channel 9"):
        await adtq.set_channel_name(9, "X")
    with pytest.raises(UnsupportedDeviceError):
        await adtq.set_mute(1, True)  # no mute capability on ADTQ channels
    with pytest.raises(UnsupportedDeviceError):
        await adtq.set_meter_rate(1000)
    await adtq.set_meter_rate(0)
    await adtq.set_name("Rack C")
    assert fake.devices["dev-adtq"].name == "Rack C"
    assert adtq.state.device_id == "Rack C"

    anx = server.receivers["dev-anx4"]
    assert isinstance(anx, SystemApiDevice)
    await anx.set_mute(1, True)
    assert fake.devices["dev-anx4"].channels[0].muted is True
    assert anx.state.channels[1].muted is True
    await anx.set_audio_mute(True)
    assert fake.devices["dev-anx4"].muted is True
    assert anx.audio_muted is True

    ulx = server.receivers["ULX6001"]
    assert isinstance(ulx, SystemApiDevice)
    await ulx.set_mute(1, True)  # one channel, no channel mute: the device's audio mute
    assert fake.devices["dev-ulxd6"].muted is True
    assert ulx.state.channels[1].muted is True
    assert ulx.audio_muted is True


async def test_commands_need_the_device_online(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server()
    adtq = server.receivers["ADTQ001"]
    await fake.set_state("dev-adtq", "OFFLINE")
    await wait_for(lambda: not adtq.connected)
    from custom_components.micboard.devices import DeviceConnectionError

    with pytest.raises(DeviceConnectionError):
        await adtq.identify()
    with pytest.raises(DeviceConnectionError):
        await adtq.refresh()
    # Receiver.connect and disconnect cost nothing and do not touch the server.
    before = len(fake.seen)
    assert await adtq.connect() is adtq.info
    await adtq.disconnect()
    assert len(fake.seen) == before
    assert server.connected


async def test_refresh_reads_the_device_again(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    server = await make_server()
    ulx = server.receivers["ULX6001"]
    fake.devices["dev-ulxd6"].battery = {
        "percentage": 12,
        "status": {
            "currentState": "DISCHARGING",
            "targetState": "EMPTY",
            "timeToTargetState": "P1DT2H",
        },
    }
    await ulx.refresh()
    assert ulx.state.channels[1].battery_percent == 12
    assert ulx.state.channels[1].battery_runtime_min == 26 * 60
