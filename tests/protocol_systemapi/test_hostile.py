"""A hostile or broken server: garbage frames, huge inventories, wrong types."""

from __future__ import annotations

import json

import pytest

from custom_components.micboard.devices import DeviceError, ProtocolError
from custom_components.micboard.devices.shure_systemapi import parse
from custom_components.micboard.devices.shure_systemapi.server import DEFAULT_TIMING

from .conftest import ServerFactory
from .fake import Device, FakeSystemApi, resource, wait_for


def test_default_timing_notices_a_silent_server_within_15_seconds() -> None:
    assert DEFAULT_TIMING.heartbeat * 1.5 <= 15


async def test_garbage_frames_are_ignored(fake: FakeSystemApi, make_server: ServerFactory) -> None:
    server = await make_server()
    adtq = server.receivers["ADTQ001"]
    garbage = [
        "not json",
        "[1, 2, 3]",
        "null",
        json.dumps({"envelope": "x", "body": {}}),
        json.dumps({"envelope": {"eventName": 5, "deviceId": "dev-adtq"}}),
        json.dumps({"envelope": {"eventName": "DEVICE_NAME", "deviceId": ["dev-adtq"]}}),
        json.dumps({"envelope": {"eventName": "DEVICE_NAME", "deviceId": "ghost"}, "body": {}}),
        json.dumps({"envelope": {"eventName": "DEVICE_NAME", "deviceId": "dev-adtq"}, "body": 7}),
        json.dumps(
            {
                "envelope": {
                    "eventName": "AUDIO_CHANNEL_GAIN",
                    "deviceId": "dev-adtq",
                    "audioChannelId": {"i": 0},
                },
                "body": {"gain": 3},
            }
        ),
        json.dumps(
            {
                "envelope": {
                    "eventName": "AUDIO_CHANNEL_GAIN",
                    "deviceId": "dev-adtq",
                    "audioChannelId": "unknown-channel",
                },
                "body": {"gain": 3},
            }
        ),
        json.dumps({"envelope": {"eventName": "SOMETHING_NEW", "deviceId": "dev-adtq"}}),
        json.dumps({"envelope": {"eventName": "DEVICE_STATE_CHANGE"}, "body": "??"}),
        "x" * 200_000,
    ]
    for frame in garbage:
        await fake.send_raw(frame)
    await fake.push("dev-adtq", "DEVICE_NAME", {"name": "Still here"}, resource("dev-adtq", "name"))
    await wait_for(lambda: adtq.state.device_id == "Still here")
    assert server.connected
    assert adtq.state.channels[1].gain_db == -2
    assert server.stats.frames_ignored >= 6


async def test_wrong_types_become_unknown(fake: FakeSystemApi, make_server: ServerFactory) -> None:
    adtq = fake.devices["dev-adtq"]
    first = adtq.channels[1]  # index 0: our channel 1
    first.gain = "loud"
    first.name = 42
    first.level = "DEAFENING"
    ulx = fake.devices["dev-ulxd6"]
    ulx.battery = {"percentage": "87", "status": {"currentState": 5, "timeToTargetState": 385}}
    ulx.health = ["96"]
    ulx.name = None
    server = await make_server()
    channel = server.receivers["ADTQ001"].state.channels[1]
    assert (channel.gain_db, channel.name, channel.audio_activity) == (None, None, None)
    battery = server.receivers["ULX6001"].state.channels[1]
    assert battery.battery_percent is None
    assert battery.battery_runtime_min is None
    assert battery.battery_charging is None
    assert battery.battery_health_percent is None
    assert server.receivers["ULX6001"].state.device_id is None

    ch = adtq.channels[1].id
    await fake.push(
        "dev-adtq",
        "AUDIO_CHANNEL_GAIN",
        {"gain": 1e308},
        resource("dev-adtq", "audio-channels", ch, "gain"),
        ch,
    )
    await fake.push(
        "dev-adtq",
        "AUDIO_CHANNEL_GAIN",
        {"gain": 4},
        resource("dev-adtq", "audio-channels", ch, "gain"),
        ch,
    )
    await wait_for(lambda: channel.gain_db == 4)


async def test_a_huge_inventory_is_bounded(fake: FakeSystemApi, make_server: ServerFactory) -> None:
    fake.devices = {
        f"d{n}": Device(f"d{n}", f"S{n}", "ADXR", [], state="DISCOVERED") for n in range(1500)
    }
    fake.shape = "items"
    server = await make_server()
    assert len(server.receivers) == parse.MAX_DEVICES
    assert not any(d.connected for d in server.receivers.values())


async def test_endless_pages_are_capped(fake: FakeSystemApi, make_server: ServerFactory) -> None:
    fake.devices = {
        f"d{n}": Device(f"d{n}", f"S{n}", "ADXR", [], state="OFFLINE") for n in range(200)
    }
    fake.page_size = 1
    server = await make_server()
    reads = [s for s in fake.seen if s.raw_path.split("?")[0] == "/api/v1/devices"]
    assert len(reads) == parse.MAX_PAGES
    assert len(server.receivers) == parse.MAX_PAGES


async def test_duplicate_serials_keep_both_devices(
    fake: FakeSystemApi, make_server: ServerFactory
) -> None:
    fake.devices = {
        "a": Device("a", "SAME", "ADXR", ["name"], name="A"),
        "b": Device("b", "SAME", "ADXR", ["name"], name="B"),
    }
    server = await make_server()
    assert set(server.receivers) == {"SAME", "b"}


@pytest.mark.parametrize("answer", ["<html>oops</html>", '{"title": "Not Found"}'])
async def test_a_non_inventory_answer_fails_connect(
    fake: FakeSystemApi, make_server: ServerFactory, answer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiohttp import web

    def broken(_request: web.Request) -> web.Response:
        return web.Response(text=answer, content_type="text/html")

    monkeypatch.setattr(fake, "_inventory", broken)
    with pytest.raises(ProtocolError):
        await make_server()


async def test_a_huge_answer_is_refused(
    fake: FakeSystemApi, make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiohttp import web

    def huge(_request: web.Request) -> web.Response:
        return web.Response(body=b"[" + b" " * (5 * 1024 * 1024) + b"]")

    monkeypatch.setattr(fake, "_inventory", huge)
    with pytest.raises(DeviceError):
        await make_server()
