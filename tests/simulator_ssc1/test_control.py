"""The existing control API can drive a simulated SSC v1 device."""

from __future__ import annotations

import asyncio
import json
from typing import Any
import urllib.request

import pytest

from simulator.control import ControlServer
from simulator.sennheiser import SscDevice

from .conftest import DeviceFactory, ProbeFactory


def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


@pytest.fixture
async def control(ssc: DeviceFactory) -> Any:
    device = await ssc("EWDX-EM4", name="stage")
    server = ControlServer([device])
    await server.start()
    yield server, device
    await server.stop()


async def test_control_api_drives_ssc_device(
    control: tuple[ControlServer, SscDevice], probe: ProbeFactory
) -> None:
    server, device = control
    base = f"{server.url}/receivers/stage"
    call = asyncio.to_thread
    await call(post, f"{base}/channels/2/transmitter", {"on": False})
    assert device.channel(2).tx_on is False
    await call(post, f"{base}/channels/1/battery", {"percent": 15, "minutes": 50})
    assert (device.channel(1).battery_percent, device.channel(1).battery_minutes) == (15, 50)
    await call(post, f"{base}/channels/1/name", {"name": "PASTOR"})
    await call(post, f"{base}/channels/1/rf", {"dbm": -77.0})
    await call(post, f"{base}/channels/1/interference", {"active": True})
    await call(post, f"{base}/channels/1/mute", {"muted": True})
    await call(post, f"{base}/device_id", {"name": "STAGE-LEFT"})
    peer = await probe(device)
    reply = await peer.ask(
        {
            "rx1": {"name": None, "warnings": None, "mute": None},
            "m": {"rx1": {"rssi": None}},
            "device": {"name": None},
            "mates": {"active": None},
        }
    )
    assert reply["rx1"] == {"name": "PASTOR", "warnings": ["RfPeak"], "mute": True}
    assert reply["m"]["rx1"]["rssi"] == -77.0
    assert reply["device"]["name"] == "STAGE-LEFT"
    assert reply["mates"]["active"] == ["mates/tx1", "mates/tx3", "mates/tx4"]
    listing = await call(
        lambda: json.loads(urllib.request.urlopen(f"{server.url}/receivers", timeout=5).read())
    )
    (summary,) = listing["receivers"]
    assert (summary["name"], summary["model"], summary["channels"]) == ("stage", "EWDX-EM4", 4)
