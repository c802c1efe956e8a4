"""Device names and entity ids a person can type; honest battery-low and web links."""

from __future__ import annotations

import re

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.micboard import const
from custom_components.micboard.const import CONF_BATTERY_LOW, DOMAIN

from .helpers import state_of, wait_for


def _channel_names(device_registry: dr.DeviceRegistry, entry) -> list[str]:
    coordinator = entry.runtime_data
    names = []
    for number in sorted(coordinator.channel_device_ids):
        device = device_registry.async_get(coordinator.channel_device_ids[number])
        assert device is not None
        names.append(device.name)
    return names


async def test_two_receivers_with_default_names_get_no_numbered_entity_ids(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    first = await simulated("ULXD4D")
    second = await simulated("ULXD4D")
    one = await setup_receiver(first)
    two = await setup_receiver(second)
    ids = [
        entity.entity_id
        for entry in (one, two)
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    ]
    assert len(ids) == len(set(ids))
    numbered = [entity_id for entity_id in ids if re.search(r"_\d+$", entity_id)]
    assert numbered == []
    assert _channel_names(device_registry, one) == ["CH 1", "CH 2"]
    # The second receiver's channels say whose they are.
    hub = device_registry.async_get(two.runtime_data.receiver_device_id)
    assert hub is not None
    assert hub.name != "ULXD4D"
    assert _channel_names(device_registry, two) == [f"{hub.name} CH 1", f"{hub.name} CH 2"]
    assert "sensor.ch_1_battery" in ids


async def test_channel_names_from_the_receiver_are_used_when_unique(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    first = await simulated("SLXD4D", device_id="Stage L")
    first.rename(1, "Lead Vox")
    second = await simulated("SLXD4D", device_id="Stage R")
    second.rename(1, "Lead Vox")
    second.rename(2, "Pastor")
    one = await setup_receiver(first)
    two = await setup_receiver(second)
    assert _channel_names(device_registry, one) == ["Lead Vox", "CH 2"]
    assert _channel_names(device_registry, two) == ["Stage R Lead Vox", "Pastor"]
    assert hass.states.get("binary_sensor.lead_vox_battery_low") is not None
    assert hass.states.get("binary_sensor.pastor_battery_low") is not None
    assert hass.states.get("binary_sensor.stage_r_lead_vox_battery_low") is not None

    # A rename on the receiver is followed, with the same uniqueness rule.
    first.rename(2, "Pastor")
    await wait_for(hass, lambda: _channel_names(device_registry, one)[1] == "Stage L Pastor")
    second.rename(2, "Keys")
    await wait_for(hass, lambda: _channel_names(device_registry, two)[1] == "Keys")
    first.rename(2, "Choir")
    await wait_for(hass, lambda: _channel_names(device_registry, one)[1] == "Choir")
    # Entity ids never change behind the user's back.
    assert hass.states.get("binary_sensor.pastor_battery_low") is not None


async def test_battery_low_is_named_and_follows_the_option(
    hass: HomeAssistant, simulated, setup_receiver, entity_id
) -> None:
    receiver = await simulated("ULXD4D")
    receiver.rename(1, "Lead Vox")
    entry = await setup_receiver(receiver, **{CONF_BATTERY_LOW: 40})
    low = entity_id(entry, "binary_sensor", "battery_low", 1)
    assert low == "binary_sensor.lead_vox_battery_low"
    state = hass.states.get(low)
    assert state is not None
    assert state.attributes["friendly_name"] == "Lead Vox Battery low"
    assert state.state == STATE_OFF
    receiver.set_battery(1, bars=2, minutes=200, percent=35)  # low at 40 %, not at 20 %
    await wait_for(hass, lambda: state_of(hass, low) == STATE_ON)
    receiver.set_battery(1, bars=3, minutes=300, percent=45)
    await wait_for(hass, lambda: state_of(hass, low) == STATE_OFF)


async def test_no_web_link_unless_the_family_documents_a_port(
    hass: HomeAssistant, simulated, setup_receiver, device_registry: dr.DeviceRegistry
) -> None:
    entry = await setup_receiver(await simulated("ULXD4"))
    hub = device_registry.async_get(entry.runtime_data.receiver_device_id)
    assert hub is not None
    assert hub.configuration_url is None


async def test_web_link_carries_the_documented_port(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    device_registry: dr.DeviceRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(const.WEB_UI_PORTS, "ulxd", 8080)
    entry = await setup_receiver(await simulated("ULXD4"))
    hub = device_registry.async_get(entry.runtime_data.receiver_device_id)
    assert hub is not None
    assert hub.configuration_url == "http://127.0.0.1:8080/"
    assert (DOMAIN, entry.unique_id) in hub.identifiers
