"""Realtime subscriptions of the simulated System API server (protocol notes §3)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from custom_components.micboard.devices.tls import pinned
from simulator.systemapi import SystemApiServer, create_api_device

from .conftest import Api, device_id, seg


async def next_event(ws: aiohttp.ClientWebSocketResponse, timeout: float = 3.0) -> dict[str, Any]:
    message: dict[str, Any] = await ws.receive_json(timeout=timeout)
    return message


async def no_event(ws: aiohttp.ClientWebSocketResponse, wait: float = 0.3) -> None:
    with pytest.raises(TimeoutError):
        await ws.receive(timeout=wait)


async def channel_path(api: Api, model: str, number: int) -> tuple[str, str]:
    dev = device_id(api.server, model)
    channels = await api.ok(f"devices/{dev}/audio-channels")
    return dev, channels[number - 1]["id"]


async def test_first_frame_is_the_transport_id(api: Api) -> None:
    ws, transport_id = await api.websocket()
    ws2, other = await api.websocket()
    assert transport_id != other
    assert set(api.server.transports) == {transport_id, other}
    await ws.close()
    await ws2.close()
    await asyncio.sleep(0.1)
    assert api.server.transports == {}


async def test_register_and_unregister(api: Api) -> None:
    ws, t = await api.websocket()
    dev = device_id(api.server, "AD4Q")
    assert await api.call("POST", f"devices/{dev}/name/subscription/{t}") == (204, None)
    status, body = await api.call("POST", f"devices/{dev}/name/subscription/not-a-transport")
    assert (status, body["title"]) == (404, "Resource not found.")
    api.server.rename(dev, "Renamed")
    event = await next_event(ws)
    assert event == {
        "envelope": {"eventName": "DEVICE_NAME", "deviceId": dev},
        "body": {"name": "Renamed"},
    }
    assert await api.call("DELETE", f"devices/{dev}/name/subscription/{t}") == (204, None)
    api.server.rename(dev, "Again")
    await no_event(ws)
    await ws.close()


async def test_subscription_needs_the_capability_and_a_known_resource(api: Api) -> None:
    ws, t = await api.websocket()
    ad4q = device_id(api.server, "AD4Q")
    assert (await api.call("POST", f"devices/{ad4q}/battery-level/subscription/{t}"))[0] == 405
    assert (await api.call("POST", f"devices/{ad4q}/frequency/subscription/{t}"))[0] == 404
    _, ch = await channel_path(api, "AD4Q", 1)
    path = f"devices/{ad4q}/audio-channels/{seg(ch)}/mute/subscription/{t}"
    assert (await api.call("POST", path))[0] == 405
    assert (await api.call("GET", f"devices/{ad4q}/name/subscription/{t}"))[0] == 405
    # The empty-body quirk applies to registrations too.
    status, _ = await api.call(
        "POST",
        f"devices/{ad4q}/name/subscription/{t}",
        headers={"Content-Type": "application/json"},
    )
    assert status == 400
    api.key = "wrong"
    assert (await api.call("POST", f"devices/{ad4q}/name/subscription/{t}"))[0] == 401
    await ws.close()


async def test_device_events(api: Api) -> None:
    ws, t = await api.websocket()
    hh = device_id(api.server, "MXW2")
    for resource in ("identify", "audio-mute", "battery-level", "battery-health"):
        assert (await api.call("POST", f"devices/{hh}/{resource}/subscription/{t}"))[0] == 204
    assert (await api.call("PATCH", f"devices/{hh}/audio-mute", {"muted": True}))[0] == 204
    event = await next_event(ws)
    assert event["envelope"] == {"eventName": "DEVICE_AUDIO_MUTE", "deviceId": hh}
    assert event["body"] == {"muted": True}
    assert (await api.call("POST", f"devices/{hh}/identify/start"))[0] == 204
    assert (await next_event(ws))["body"] == {"identifying": True}
    api.server.set_battery(hh, percent=50, minutes=200)
    event = await next_event(ws)
    assert event["envelope"]["eventName"] == "DEVICE_BATTERY_LEVEL"
    assert event["body"]["percentage"] == 50
    assert event["body"]["status"]["timeToTargetState"] == "PT200M"
    api.server.set_battery(hh, cycles=43)
    event = await next_event(ws)
    assert event["envelope"]["eventName"] == "DEVICE_BATTERY_HEALTH"
    assert event["body"] == {"percentage": 96, "cycleCount": 43}
    api.server.set_battery(hh, cycles=43)  # nothing changed: nothing pushed
    await no_event(ws)
    await ws.close()


async def test_channel_events_carry_the_channel_id(api: Api) -> None:
    ws, t = await api.websocket()
    dev, ch = await channel_path(api, "ANX4", 2)
    base = f"devices/{dev}/audio-channels/{seg(ch)}"
    for resource in ("mute", "gain", "name"):
        assert (await api.call("POST", f"{base}/{resource}/subscription/{t}"))[0] == 204
    assert (await api.call("PATCH", f"{base}/gain", {"gain": -6}))[0] == 204
    event = await next_event(ws)
    assert event == {
        "envelope": {"eventName": "AUDIO_CHANNEL_GAIN", "deviceId": dev, "audioChannelId": ch},
        "body": {"gain": -6},
    }
    api.server.set_channel_mute(dev, 2, True)
    assert (await next_event(ws))["body"] == {"muted": True}
    api.server.rename_channel(dev, 2, "Table 9")
    event = await next_event(ws)
    assert event["envelope"]["eventName"] == "AUDIO_CHANNEL_NAME"
    assert event["body"] == {"name": "Table 9"}
    api.server.set_channel_mute(dev, 1, True)  # another channel: not subscribed
    await no_event(ws)
    await ws.close()


async def test_activity_is_pushed_on_change_and_re_sent_periodically(api: Api) -> None:
    ws, t = await api.websocket()
    dev, ch = await channel_path(api, "AD4Q", 3)
    path = f"devices/{dev}/audio-channels/{seg(ch)}/activity/subscription/{t}"
    assert (await api.call("POST", path))[0] == 204
    api.server.set_activity(dev, 3, "GOOD")
    event = await next_event(ws)
    assert event["envelope"] == {
        "eventName": "AUDIO_CHANNEL_ACTIVITY",
        "deviceId": dev,
        "audioChannelId": ch,
    }
    assert event["body"] == {"audioLevel": "GOOD"}
    await no_event(ws)  # the interval is a minute in this fixture
    api.server.set_options(activity_interval=0.1)
    loop = asyncio.get_running_loop()
    start = loop.time()
    repeats = [await next_event(ws) for _ in range(3)]
    assert all(e["body"] == {"audioLevel": "GOOD"} for e in repeats)
    assert loop.time() - start < 2.0
    api.server.set_online(dev, False)  # offline devices report no activity
    await asyncio.sleep(0.15)
    while True:
        try:
            await ws.receive(timeout=0.05)
        except TimeoutError:
            break
    await no_event(ws, 0.35)
    await ws.close()


async def test_state_changes_for_every_device(api: Api) -> None:
    ws, t = await api.websocket()
    assert await api.call("POST", f"devices/subscription/{t}") == (204, None)
    dev = device_id(api.server, "SBRC")
    api.server.set_online(dev, False)
    event = await next_event(ws)
    assert event["envelope"] == {"eventName": "DEVICE_STATE_CHANGE", "deviceId": dev}
    assert event["body"]["deviceState"] == "OFFLINE"
    assert event["body"]["hardwareIdentity"]["deviceId"] == dev
    api.server.set_online(dev, False)  # unchanged: no event
    await no_event(ws)
    api.server.set_online(dev, True)
    assert (await next_event(ws))["body"]["deviceState"] == "ONLINE"
    added = api.server.add_device(create_api_device("ULXD8", name="Handheld 2", seed=7))
    event = await next_event(ws)
    assert event["envelope"]["deviceId"] == added.device_id
    assert event["body"]["softwareIdentity"]["model"] == "ULXD8"
    assert event["body"]["deviceState"] == "ONLINE"
    with pytest.raises(ValueError, match="already"):
        api.server.add_device(added)
    api.server.remove_device(added.device_id)
    event = await next_event(ws)
    assert event["envelope"]["deviceId"] == added.device_id
    assert event["body"]["deviceState"] == "OFFLINE"
    assert (await api.get(f"devices/{added.device_id}"))[0] == 404
    assert await api.call("DELETE", f"devices/subscription/{t}") == (204, None)
    api.server.set_online(dev, False)
    await no_event(ws)
    await ws.close()


async def test_subscriptions_die_with_the_socket(api: Api) -> None:
    ws, t = await api.websocket()
    dev = device_id(api.server, "AD4Q")
    assert (await api.call("POST", f"devices/{dev}/name/subscription/{t}"))[0] == 204
    await ws.close()
    await asyncio.sleep(0.1)
    assert (await api.call("POST", f"devices/{dev}/name/subscription/{t}"))[0] == 404
    ws, t2 = await api.websocket()
    assert t2 != t
    api.server.rename(dev, "Nobody listens")
    await no_event(ws)
    await ws.close()


async def test_websocket_key_is_optional_unless_required(api: Api) -> None:
    api.server.set_options(websocket_requires_key=True)
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await api.websocket()
    assert err.value.status == 401
    ws = await api.session.ws_connect(
        api.url("subscriptions/websocket/create"),
        ssl=pinned(api.server.fingerprint),
        headers={"x-api-key": api.server.api_key},
    )
    assert "transportId" in await ws.receive_json(timeout=3)
    await ws.close()


async def test_websocket_path_needs_an_upgrade(api: Api) -> None:
    status, body = await api.get("subscriptions/websocket/create")
    assert status == 400
    assert body["title"] == "WebSocket upgrade expected."


async def test_client_frames_are_ignored(api: Api) -> None:
    ws, t = await api.websocket()
    await ws.send_str('{"hello": 1}')
    await ws.send_bytes(b"\x00\x01")
    dev = device_id(api.server, "AD4Q")
    assert (await api.call("POST", f"devices/{dev}/name/subscription/{t}"))[0] == 204
    api.server.rename(dev, "Still here")
    assert (await next_event(ws))["body"] == {"name": "Still here"}
    await ws.close()


async def test_stop_closes_open_sockets(server: SystemApiServer) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(
            f"{server.url}/api/v1/subscriptions/websocket/create",
            ssl=pinned(server.fingerprint),
        )
        await ws.receive_json(timeout=3)
        await asyncio.wait_for(server.stop(), 5)
        message = await ws.receive(timeout=3)
        assert message.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.ERROR,
        )
        await ws.close()
