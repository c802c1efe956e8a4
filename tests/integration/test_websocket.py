"""The card's websocket stream: snapshot, changes, meters, unsubscribe."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from custom_components.micboard.frontend import DATA_CARD


async def _next(client: Any, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message = await client.receive_json()
            if message.get("type") == "event" and message["event"]["type"] == kind:
                return message["event"]


async def test_subscribe_streams_state_and_meters(
    hass: HomeAssistant, hass_ws_client, simulated, setup_receiver
) -> None:
    receiver = await simulated("ULXD4D")
    receiver.rename(1, "Lead Vox")
    entry = await setup_receiver(receiver)
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    result = await client.receive_json()
    assert result["success"] is True

    snapshot = await _next(client, "snapshot")
    (rx,) = snapshot["receivers"]
    assert rx["entry_id"] == entry.entry_id
    assert rx["model"] == "ULXD4D"
    assert rx["connected"] is True
    assert [c["channel"] for c in rx["channels"]] == [1, 2]
    first = rx["channels"][0]
    assert first["name"] == "Lead Vox"
    assert first["tx_on"] is True
    assert first["device_id"]

    receiver.set_transmitter(2, False)
    change = await _next(client, "channel")
    while change["channel"] != 2 or "tx_on" not in change["data"]:
        change = await _next(client, "channel")
    assert change["data"]["tx_on"] is False

    # Meters reach the card at the receiver's own rate, not the entity rate.
    receiver.meter_rate_ms = 100
    receiver.start_live(seed=1)
    meters = [await _next(client, "meter") for _ in range(6)]
    receiver.stop_live()
    assert {m["channel"] for m in meters} == {1, 2}
    assert all(
        set(m["data"])
        <= {
            "rf_level_dbm",
            "rf_antenna_dbm",
            "antenna",
            "audio_level_dbfs",
            "audio_peak_dbfs",
            "rf_meter",
            "audio_meter",
        }
        for m in meters
    )
    receiver.meter_rate_ms = 0

    await client.send_json({"id": 2, "type": "unsubscribe_events", "subscription": 1})
    while (message := await client.receive_json()).get("id") != 2:
        pass
    assert message["success"] is True


async def test_link_loss_and_new_receivers_are_streamed(
    hass: HomeAssistant, hass_ws_client, simulated, setup_receiver
) -> None:
    first = await simulated("QLXD4")
    await setup_receiver(first)
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    await client.receive_json()
    assert len((await _next(client, "snapshot"))["receivers"]) == 1

    second = await simulated("AD4D")
    await setup_receiver(second)
    assert len((await _next(client, "snapshot"))["receivers"]) == 2

    first.set_hung(True)
    offline = await _next(client, "receiver", timeout=10)
    while offline["data"].get("connected") is not False:
        offline = await _next(client, "receiver", timeout=10)
    first.set_hung(False)
    back = await _next(client, "receiver_snapshot", timeout=10)
    assert back["receiver"]["connected"] is True
    assert back["receiver"]["model"] == "QLXD4"


async def test_card_is_served_and_loaded_on_dashboards(hass: HomeAssistant, hass_client) -> None:
    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, "micboard", {})
    url = hass.data[DATA_CARD]
    assert url.startswith("/micboard_static/micboard-card.js?v=")
    from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL

    assert url in hass.data[DATA_EXTRA_MODULE_URL].urls
    client = await hass_client()
    response = await client.get(url)
    assert response.status == 200
    assert "customElements.define" in await response.text()


async def test_battery_state_and_alerts_follow_the_thresholds(
    hass: HomeAssistant, hass_ws_client, simulated, setup_receiver
) -> None:
    receiver = await simulated("SLXD4")  # bars only
    await setup_receiver(receiver)
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    await client.receive_json()
    (rx,) = (await _next(client, "snapshot"))["receivers"]
    first = rx["channels"][0]
    assert first["battery_state"] == "good"
    assert first["alert"] == []

    receiver.set_battery(1, bars=1, minutes=200)  # 1 bar = 20 %: low
    seen: dict[str, Any] = {}
    async with asyncio.timeout(5):
        while seen.get("battery_state") != "low" or "battery_low" not in seen.get("alert", []):
            event = await _next(client, "channel")
            seen.update(event["data"])
    assert seen["battery_bars"] == 1


async def test_stream_says_when_the_pack_runs_out(
    hass: HomeAssistant, hass_ws_client, simulated, setup_receiver
) -> None:
    receiver = await simulated("ULXD4D")
    await setup_receiver(receiver)
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    assert (await client.receive_json())["success"] is True
    snapshot = await _next(client, "snapshot")
    first = snapshot["receivers"][0]["channels"][0]
    # 540 min reported at the start: the same figure as the sensor.
    assert datetime.fromisoformat(first["runout_at"]) > dt_util.utcnow() + timedelta(minutes=530)

    receiver.drain_battery(1, 450)
    change = await _next(client, "channel")
    while change["channel"] != 1 or "runout_at" not in change["data"]:
        change = await _next(client, "channel")
    when = datetime.fromisoformat(change["data"]["runout_at"])
    assert abs((when - dt_util.utcnow() - timedelta(minutes=90)).total_seconds()) < 30

    receiver.set_transmitter(1, False)
    change = await _next(client, "channel")
    while change["channel"] != 1 or "tx_on" not in change["data"]:
        change = await _next(client, "channel")
    assert change["data"]["runout_at"] is None
