"""Hostile input: garbage events, huge lines and bodies, wrong JSON types."""

from __future__ import annotations

import asyncio
import logging
import tracemalloc

import pytest

from custom_components.micboard.devices import DeviceError, ProtocolError, WrongProtocolError
from custom_components.micboard.devices.models import TRANSMITTER_FIELDS

from .conftest import ClientFactory, DeviceFactory
from .helpers import eventually
from .terse import ewdx

WRONG_TYPES = {
    "/api/channel/0": {"name": 5, "mute": "yes", "gain": 1e308},
    "/api/channel/0/warnings": {"nested": {"deep": True}},
    "/api/channel/0/signalStrengthIndicator": {"value": "loud"},
    "/api/channel/0/signalQualityIndicator": {"value": 250},
    "/api/channel/0/diversityIndicator": {"value": 7},
    "/api/channel/0/level": {"value": [1, 2]},
    "/api/rf/channels/0": {"frequency": "650 MHz"},
    "/api/transmitters/0/battery": {"gauge": 101, "lifetime": -5, "type": ["x"]},
    "/api/transmitters/0": {"type": {"a": 1}, "name": None, "mute": 3},
    "/api/device/site": {"deviceName": ["x"]},
    "/api/device/state": {"state": 12},
    "/api/transmitters": "everything",
    "/api/channel/99": {"name": "GHOST"},
    "/api/channel/-1": {"name": "GHOST"},
    "not a path": 1,
}


async def test_wrong_json_types_become_unknown(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse, meter_rate_ms=100)
    terse.push(WRONG_TYPES)
    ch = receiver.state.channel(1)
    await eventually(lambda: ch.frequency_mhz is None, what="frequency unknown")
    await eventually(lambda: ch.rf_level_dbm is None and ch.antenna is None)
    assert (ch.name, ch.muted, ch.gain_db) == (None, None, None)
    assert (ch.battery_percent, ch.battery_runtime_min, ch.battery_type) == (None, None, None)
    assert (ch.tx_model, ch.tx_muted, ch.tx_name) == (None, None, None)
    assert (ch.link_quality_percent, ch.audio_level_dbfs) == (None, None)
    assert ch.warnings == ()
    assert ch.tx_on is True
    assert receiver.state.device_id is None
    assert receiver.state.identifying is None
    assert set(receiver.state.channels) == {1, 2}
    terse.push({"/api/channel/0": {"name": "BACK"}})
    await eventually(lambda: ch.name == "BACK")
    assert receiver.connected


async def test_garbage_events_are_ignored_once_logged(
    device: DeviceFactory, client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    terse = await device()
    receiver = await client(terse)
    events: list[bool] = []
    receiver.subscribe_connection(events.append)
    terse.raw(b"data:{oops\r\n\r\n")
    terse.raw(b"data:[1,2,3]\r\n\r\n")
    terse.raw(b"data:" + b"[" * 100_000 + b"\r\n\r\n")
    terse.raw(b"\x00\xff\xfe garbage without field\r\n\r\n")
    terse.raw(b'event:open\r\ndata:{"sessionUUID":"../../evil"}\r\n\r\n')
    terse.raw(b'data:{"/api/channel/1":{"name":"OK"}}\r\n\r\n')
    await eventually(lambda: receiver.state.channel(2).name == "OK")
    warnings = [r for r in caplog.records if r.name.endswith("ssc2.client")]
    assert len(warnings) == 1
    assert events == []


async def test_huge_line_is_bounded(device: DeviceFactory, client: ClientFactory) -> None:
    terse = await device()
    receiver = await client(terse)
    tracemalloc.start()
    try:
        for _ in range(12):
            terse.raw(b"data:" + b"x" * (512 * 1024))
            await asyncio.sleep(0.01)
        terse.raw(b'\r\n\r\ndata:{"/api/channel/0":{"name":"AFTER"}}\r\n\r\n')
        await eventually(lambda: receiver.state.channel(1).name == "AFTER")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024
    assert receiver.connected


async def test_huge_body_is_refused(device: DeviceFactory, client: ClientFactory) -> None:
    resources = ewdx()
    resources["/api/channel/0"] = {"name": "x" * (2 * 1024 * 1024)}
    terse = await device(resources)
    with pytest.raises(ProtocolError, match="too large"):
        await client(terse)


async def test_identity_that_is_not_json(device: DeviceFactory, client: ClientFactory) -> None:
    resources = ewdx()
    resources["/api/device/identity"] = ["not", "an", "object"]
    terse = await device(resources)
    with pytest.raises(WrongProtocolError):
        await client(terse)


async def test_odd_identity_types_still_connect(
    device: DeviceFactory, client: ClientFactory
) -> None:
    resources = ewdx()
    resources["/api/device/identity"] = {"product": 7, "serial": {"x": 1}}
    resources["/api/firmware/update/state"] = "idle"
    terse = await device(resources)
    receiver = await client(terse)
    assert receiver.info.model == "SSCv2 device"
    assert receiver.info.serial is None
    assert receiver.info.firmware is None
    assert receiver.info.channel_count == 2


async def test_a_transmitter_list_with_junk_ids(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)
    terse.push(
        {
            "/api/transmitters": [
                {"id": "TX2", "transmitter": {"name": "BY-NAME"}},
                {"id": True},
                {"id": 1e9},
                "junk",
                {"id": "tx99"},
            ]
        }
    )
    one, two = receiver.state.channel(1), receiver.state.channel(2)
    await eventually(lambda: one.tx_on is False)
    assert all(getattr(one, name) is None for name in TRANSMITTER_FIELDS)
    assert two.tx_name == "BY-NAME"
    assert two.tx_on is True


async def test_listener_errors_do_not_stop_the_client(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    receiver = await client(terse)

    def broken(_: object) -> None:
        raise RuntimeError("listener bug")

    receiver.subscribe(broken)
    terse.push({"/api/channel/0": {"name": "ONE"}})
    terse.push({"/api/channel/0": {"name": "TWO"}})
    await eventually(lambda: receiver.state.channel(1).name == "TWO")
    assert receiver.connected


async def test_stream_that_is_not_an_event_stream(
    device: DeviceFactory, client: ClientFactory
) -> None:
    terse = await device()
    terse.resources["/api/ssc/state/subscriptions"] = {"no": "stream"}
    original = terse._stream

    async def plain(request):  # type: ignore[no-untyped-def]
        from aiohttp import web

        return web.json_response({"no": "stream"})

    terse._stream = plain  # type: ignore[method-assign]
    with pytest.raises(DeviceError):
        await client(terse)
    terse._stream = original  # type: ignore[method-assign]
