"""Driving a simulated System API server through the simulator's control API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from custom_components.micboard.devices.tls import fetch_fingerprint, pinned
from simulator.control import ControlServer
from simulator.systemapi import SystemApiServer
from simulator.systemapi.fleet import default_devices

from .conftest import Api, device_id


class Control:
    """The control API's ``/system-api`` routes."""

    def __init__(self, session: aiohttp.ClientSession, control: ControlServer) -> None:
        self.session = session
        self.base = control.url + "/system-api"

    async def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        async with self.session.post(f"{self.base}/{path}", json=body) as resp:
            return resp.status, await resp.json()

    async def get(self, path: str = "") -> tuple[int, Any]:
        async with self.session.get(f"{self.base}{path}") as resp:
            return resp.status, await resp.json()


@pytest.fixture
async def control(server: SystemApiServer, api: Api) -> AsyncIterator[Control]:
    ctl = ControlServer([], 0, system_api=[server])
    await ctl.start()
    try:
        yield Control(api.session, ctl)
    finally:
        await ctl.stop()


async def test_listing_shows_address_key_and_fingerprint(
    control: Control, server: SystemApiServer
) -> None:
    status, body = await control.get()
    assert status == 200
    (summary,) = body["servers"]
    assert summary["index"] == 0
    assert summary["model"] == "SYSTEM-API"
    assert summary["port"] == server.port
    assert summary["api_key"] == "test-key"
    assert summary["fingerprint"] == server.fingerprint
    assert [d["model"] for d in summary["devices"]] == [
        "AD4Q",
        "ANX4",
        "MXWAPT4",
        "MXW2",
        "SBRC",
        "ULXD6",
    ]
    status, one = await control.get("/SYSTEM-API")
    assert status == 200
    assert one["name"] == "SYSTEM-API"
    assert (await control.get("/7"))[0] == 404
    assert (await control.post("nope/drop"))[0] == 404


async def test_add_rename_state_and_remove(control: Control, api: Api) -> None:
    status, body = await control.post(
        "0/devices",
        {
            "model": "ulxd8",
            "name": "Handheld 2",
            "mac": "00:0E:DD:12:34:56",
            "battery": {"percent": 30, "minutes": 90, "charging": False},
        },
    )
    assert status == 201
    dev = body["device"]["deviceId"]
    assert dev == "dd123456-0000-11dd-a000-000edd123456"
    level = await api.ok(f"devices/{dev}/battery-level")
    assert level["percentage"] == 30
    assert level["status"]["timeToTargetState"] == "PT90M"
    assert (await control.post(f"0/devices/{dev}/rename", {"name": "HH 2"}))[0] == 200
    assert await api.ok(f"devices/{dev}/name") == {"name": "HH 2"}
    assert (await control.post("0/devices/HH 2/online", {"online": False}))[0] == 200
    assert (await api.ok(f"devices/{dev}"))["deviceState"] == "OFFLINE"
    assert (await control.post(f"0/devices/{dev}/state", {"state": "DISCOVERED"}))[0] == 200
    assert (await api.ok(f"devices/{dev}"))["capabilities"] == []
    assert (await control.post(f"0/devices/{dev}/state", {"state": "GONE"}))[0] == 400
    assert (await control.post(f"0/devices/{dev}/remove"))[0] == 200
    assert (await api.get(f"devices/{dev}"))[0] == 404
    assert (await control.post(f"0/devices/{dev}/remove"))[0] == 404
    assert (await control.post("0/devices", {"model": "NOPE"}))[0] == 400
    assert (await control.post("0/devices", {"model": "ANX4", "channel_names": "A"}))[0] == 400


async def test_battery_mute_identify_and_channel_controls(control: Control, api: Api) -> None:
    status, body = await control.post(
        "0/devices/ULXD6/battery",
        {"percent": 100, "charging": True, "health": 80, "cycles": 200},
    )
    assert status == 200
    assert body["device"]["battery"]["status"]["currentState"] == "FULL"
    pack = device_id(api.server, "ULXD6")
    assert await api.ok(f"devices/{pack}/battery-health") == {"percentage": 80, "cycleCount": 200}
    assert (await control.post("0/devices/ULXD6/battery", {"percent": "x"}))[0] == 400
    assert (await control.post("0/devices/SBRC/battery", {"percent": 5}))[0] == 400
    assert (await control.post("0/devices/MXWAPT4/mute", {"muted": True}))[0] == 200
    assert await api.ok(f"devices/{device_id(api.server, 'MXWAPT4')}/audio-mute") == {"muted": True}
    assert (await control.post("0/devices/SBRC/identify", {"on": True}))[0] == 200
    assert api.server.device("SBRC").identifying is True
    status, body = await control.post("0/devices/ANX4/channels/3/mute", {"muted": True})
    assert status == 200
    assert body["channel"]["muted"] is True
    assert (await control.post("0/devices/ANX4/channels/3/gain", {"gain": 7}))[0] == 200
    assert (await control.post("0/devices/ANX4/channels/3/gain", {"gain": 99}))[0] == 400
    assert (await control.post("0/devices/ANX4/channels/3/name", {"name": "Guest"}))[0] == 200
    assert (await control.post("0/devices/ANX4/channels/3/activity", {"level": "GOOD"}))[0] == 200
    assert (await control.post("0/devices/ANX4/channels/3/activity", {"level": "LOUD"}))[0] == 400
    assert (await control.post("0/devices/ANX4/channels/9/mute", {"muted": True}))[0] == 400
    assert (await control.post("0/devices/AD4Q/channels/1/mute", {"muted": True}))[0] == 400
    assert (await control.post("0/devices/ANX4/channels/1/sing"))[0] == 404
    ch = api.server.device("ANX4").channel(3)
    assert (ch.muted, ch.gain, ch.name, ch.audio_level) == (True, 7, "Guest", "GOOD")


async def test_api_key_change(control: Control, api: Api) -> None:
    status, body = await control.post("0/api_key", {"key": "new-key"})
    assert status == 200
    assert body["server"]["api_key"] == "new-key"
    assert (await api.get("devices"))[0] == 401
    api.key = "new-key"
    assert (await api.get("devices"))[0] == 200
    assert (await control.post("0/api_key", {"key": ""}))[0] == 400
    status, body = await control.post("0/api_key")
    assert body["server"]["api_key"] not in ("new-key", "")


async def test_certificate_regeneration(control: Control, api: Api) -> None:
    server = api.server
    old = server.fingerprint
    assert await fetch_fingerprint(server.host, server.port) == old
    assert (await api.get("devices"))[0] == 200
    status, body = await control.post("0/certificate")
    assert status == 200
    new = body["server"]["fingerprint"]
    assert new != old
    assert new == server.fingerprint
    assert await fetch_fingerprint(server.host, server.port) == new
    with pytest.raises(aiohttp.ServerFingerprintMismatch) as err:
        async with api.session.get(
            api.url("devices"), ssl=pinned(old), headers={"x-api-key": server.api_key}
        ) as resp:
            await resp.read()
    assert err.value.got.hex().upper() == new.replace(":", "")
    assert (await api.get("devices"))[0] == 200  # pinned to the new one


async def test_drop_closes_http_and_websockets(control: Control, api: Api) -> None:
    ws, _ = await api.websocket()
    status, body = await control.post("0/drop")
    assert status == 200
    assert body["dropped"] >= 1
    message = await ws.receive(timeout=3)
    assert message.type in (
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
    )
    assert api.server.transports == {}
    assert (await api.get("devices"))[0] == 200  # new connections are welcome


async def test_hang_leaves_requests_unanswered(control: Control, api: Api) -> None:
    ws, t = await api.websocket()
    assert (await api.call("POST", f"devices/subscription/{t}"))[0] == 204
    assert (await control.post("0/hang", {"hung": True}))[0] == 200
    with pytest.raises(TimeoutError):
        async with api.session.get(
            api.url("devices"),
            ssl=pinned(api.server.fingerprint),
            headers={"x-api-key": api.server.api_key},
            timeout=aiohttp.ClientTimeout(total=0.5),
        ) as resp:
            await resp.read()
    api.server.set_online("SBRC", False)  # nothing is pushed while hung
    with pytest.raises(TimeoutError):
        await ws.receive(timeout=0.3)
    assert (await control.post("0/hang", {"hung": False}))[0] == 200
    assert (await api.get("devices"))[0] == 200
    api.server.set_online("SBRC", True)
    assert (await ws.receive_json(timeout=3))["body"]["deviceState"] == "ONLINE"
    await ws.close()


async def test_reboot_refuses_connections_then_comes_back(control: Control, api: Api) -> None:
    ws, t = await api.websocket()
    port = api.server.port
    status, _ = await control.post("0/reboot", {"seconds": 0.6})
    assert status == 202
    message = await ws.receive(timeout=3)
    assert message.type in (
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
    )
    with pytest.raises(aiohttp.ClientConnectionError):
        async with api.session.get(api.url("devices"), ssl=pinned(api.server.fingerprint)) as resp:
            await resp.read()
    for _ in range(40):
        try:
            status, _ = await api.get("devices")
            break
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    assert status == 200
    assert api.server.port == port
    assert (await api.call("POST", f"devices/subscription/{t}"))[0] == 404  # a new server life


async def test_device_reboot_and_options(control: Control, api: Api) -> None:
    dev = device_id(api.server, "AD4Q")
    status, body = await control.post("0/devices/AD4Q/reboot", {"seconds": 0.2})
    assert status == 202
    assert (await api.ok(f"devices/{dev}"))["deviceState"] == "OFFLINE"
    status, body = await control.post("0/options", {"shape": "array", "page_size": 1})
    assert status == 200
    assert body["server"]["shape"] == "array"
    assert isinstance(await api.ok("devices"), list)
    assert (await control.post("0/options", {"shape": "tree"}))[0] == 400
    assert (await control.post("0/options", {"bogus": 1}))[0] == 400
    assert (await control.post("0/explode"))[0] == 404
    assert (await control.post("0/devices/AD4Q/explode"))[0] == 404
    assert (await control.post("0/devices/NOPE/rename", {"name": "x"}))[0] == 404
    async with control.session.post(f"{control.base}/0/hang", data=b"{oops") as resp:
        assert resp.status == 400


async def test_live_mode_animates_activity_and_batteries(control: Control, api: Api) -> None:
    server = api.server
    ws, t = await api.websocket()
    hh = device_id(server, "MXW2")
    pack = device_id(server, "ULXD6")
    for dev in (hh, pack):
        assert (await api.call("POST", f"devices/{dev}/battery-level/subscription/{t}"))[0] == 204
    status, body = await control.post("0/live", {"on": True, "seed": 3})
    assert (status, body["server"]["live"]) == (200, True)
    assert (await control.post("0/live", {"on": False}))[0] == 200
    assert server.live is False
    levels = set()
    for _ in range(30):
        server.step_live()
        levels |= {ch.audio_level for d in server.devices for ch in d.channels}
    assert levels >= {"LOW", "GOOD"}
    events = {}
    for _ in range(2):
        event = await ws.receive_json(timeout=3)
        events[event["envelope"]["deviceId"]] = event["body"]
    assert events[hh]["percentage"] == 86  # discharging: one percent less
    assert events[hh]["status"]["timeToTargetState"] == "PT380M"
    assert events[pack]["percentage"] == 65  # charging: one percent more
    assert events[pack]["status"]["timeToTargetState"] == "PT93M"
    await ws.close()


async def test_live_mode_runs_on_its_own() -> None:
    async with SystemApiServer(default_devices(), live=True, seed=1) as server:
        assert server.live
        before = [ch.audio_level for d in server.devices for ch in d.channels]
        for _ in range(30):
            await asyncio.sleep(0.1)
            if [ch.audio_level for d in server.devices for ch in d.channels] != before:
                break
        assert [ch.audio_level for d in server.devices for ch in d.channels] != before
    assert not server.live
