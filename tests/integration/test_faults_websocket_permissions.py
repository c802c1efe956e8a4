"""The card's stream shows a user only the channels they may read."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockUser

from .helpers import wait_for


@pytest.fixture
async def rig(hass: HomeAssistant, simulated, setup_receiver):
    """A two-channel receiver and a one-channel receiver, both set up."""
    sim_a = await simulated("ULXD4D")
    sim_b = await simulated("QLXD4")
    return await setup_receiver(sim_a), await setup_receiver(sim_b), sim_a, sim_b


async def _subscribe(client: Any) -> dict[str, Any]:
    """Subscribe; the snapshot event."""
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    async with asyncio.timeout(5):
        assert (await client.receive_json())["success"] is True
        while True:
            message = await client.receive_json()
            if message.get("type") == "event" and message["event"]["type"] == "snapshot":
                return dict(message["event"])


async def _events_until_pong(client: Any) -> list[dict[str, Any]]:
    """Every stream event sent before the answer to a ping sent now."""
    await client.send_json({"id": 99, "type": "ping"})
    events = []
    async with asyncio.timeout(5):
        while (message := await client.receive_json()).get("type") != "pong":
            if message.get("type") == "event":
                events.append(message["event"])
    return events


def _shown(snapshot: dict[str, Any]) -> dict[str, list[int]]:
    return {
        rx["entry_id"]: [ch["channel"] for ch in rx["channels"]] for rx in snapshot["receivers"]
    }


async def _stir(hass: HomeAssistant, rig) -> None:
    """Change channel 2 of the first receiver and the second receiver; wait till applied."""
    # The second receiver's transmitter goes off; channel 2 of the first gets a battery alert.
    entry_a, entry_b, sim_a, sim_b = rig
    sim_a.set_battery(2, bars=1, minutes=30)  # a battery alert on channel 2
    sim_b.set_transmitter(1, False)
    sim_b.meter_rate_ms = 100
    sim_b.start_live(seed=3)
    state_a = entry_a.runtime_data.receiver.state
    state_b = entry_b.runtime_data.receiver.state
    await wait_for(
        hass,
        lambda: (
            state_a.channel(2).battery_bars == 1
            and not state_b.channel(1).tx_on
            and entry_a.runtime_data.active_alerts(2)
        ),
    )
    await asyncio.sleep(0.5)  # some meter reports of the second receiver
    sim_b.stop_live()
    sim_b.meter_rate_ms = 0


async def test_admin_sees_every_receiver_and_change(
    hass: HomeAssistant, rig, hass_ws_client
) -> None:
    entry_a, entry_b, _sim_a, _sim_b = rig
    client = await hass_ws_client(hass)
    snapshot = await _subscribe(client)
    assert _shown(snapshot) == {entry_a.entry_id: [1, 2], entry_b.entry_id: [1]}
    await _stir(hass, rig)
    events = await _events_until_pong(client)
    changed = {(e["entry_id"], e.get("channel")) for e in events if e["type"] != "snapshot"}
    assert {(entry_a.entry_id, 2), (entry_b.entry_id, 1)} <= changed
    assert any(e["type"] == "channel" and "alert" in e["data"] for e in events)
    assert any(e["type"] == "meter" and e["entry_id"] == entry_b.entry_id for e in events)


async def test_default_read_only_user_sees_everything(
    hass: HomeAssistant, rig, hass_ws_client, hass_read_only_access_token: str
) -> None:
    entry_a, entry_b, _sim_a, _sim_b = rig
    client = await hass_ws_client(hass, hass_read_only_access_token)
    snapshot = await _subscribe(client)
    assert _shown(snapshot) == {entry_a.entry_id: [1, 2], entry_b.entry_id: [1]}
    await _stir(hass, rig)
    changed = {(e["entry_id"], e.get("channel")) for e in await _events_until_pong(client)}
    assert {(entry_a.entry_id, 2), (entry_b.entry_id, 1)} <= changed


async def test_user_allowed_one_channel_sees_only_it(
    hass: HomeAssistant,
    rig,
    hass_ws_client,
    hass_read_only_user: MockUser,
    hass_read_only_access_token: str,
) -> None:
    entry_a, _entry_b, sim_a, _sim_b = rig
    channel_device = entry_a.runtime_data.channel_device_ids[1]
    allowed = {
        entity.entity_id: True
        for entity in er.async_entries_for_device(er.async_get(hass), channel_device)
    }
    assert allowed
    hass_read_only_user.mock_policy({"entities": {"entity_ids": allowed}})
    client = await hass_ws_client(hass, hass_read_only_access_token)

    snapshot = await _subscribe(client)
    assert _shown(snapshot) == {entry_a.entry_id: [1]}
    assert snapshot["receivers"][0]["channels"][0]["device_id"] == channel_device

    await _stir(hass, rig)
    sim_a.set_transmitter(1, False)
    state = entry_a.runtime_data.receiver.state
    await wait_for(hass, lambda: not state.channel(1).tx_on)
    events = await _events_until_pong(client)
    # Its own channel's change arrives; nothing of the others does.
    assert any(e.get("channel") == 1 and e["data"].get("tx_on") is False for e in events)
    assert all(e["entry_id"] == entry_a.entry_id for e in events)
    assert all(e.get("channel") in (None, 1) for e in events)


async def test_user_without_entity_access_sees_nothing(
    hass: HomeAssistant,
    rig,
    hass_ws_client,
    hass_read_only_user: MockUser,
    hass_read_only_access_token: str,
) -> None:
    _entry_a, _entry_b, sim_a, _sim_b = rig
    hass_read_only_user.mock_policy({})
    client = await hass_ws_client(hass, hass_read_only_access_token)
    assert (await _subscribe(client))["receivers"] == []

    await _stir(hass, rig)
    sim_a.set_hung(True)  # the link drops: not even that is told
    await asyncio.sleep(1.5)
    sim_a.set_hung(False)
    assert await _events_until_pong(client) == []


async def test_a_receiver_entity_alone_shows_the_receiver_without_channels(
    hass: HomeAssistant,
    rig,
    hass_ws_client,
    hass_read_only_user: MockUser,
    hass_read_only_access_token: str,
) -> None:
    entry_a, _entry_b, _sim_a, _sim_b = rig
    receiver_device = entry_a.runtime_data.receiver_device_id
    allowed = {
        entity.entity_id: True
        for entity in er.async_entries_for_device(er.async_get(hass), receiver_device)
    }
    assert allowed
    hass_read_only_user.mock_policy({"entities": {"entity_ids": allowed}})
    client = await hass_ws_client(hass, hass_read_only_access_token)
    assert _shown(await _subscribe(client)) == {entry_a.entry_id: []}
