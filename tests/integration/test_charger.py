"""The EW-DX CHG 70N charger: one device, one child device per bay, a ``charged`` event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_get_device_automations,
)

from custom_components.micboard.const import DOMAIN, EVENT_ALERT
from custom_components.micboard.devices.sennheiser.ssc1 import client as ssc_client
from simulator.sennheiser import SscDevice, create_ssc_device
from tests.protocol_ssc1.helpers import FAST as SSC_FAST

from .helpers import state_of, wait_for


@pytest.fixture(autouse=True)
def fast_ssc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Renew every 0.2 s and call the link dead after 1.5 s of silence."""
    monkeypatch.setattr(ssc_client, "DEFAULT_TIMING", SSC_FAST)


@pytest.fixture
async def charger() -> AsyncIterator[SscDevice]:
    """A simulated CHG 70N on 127.0.0.1."""
    device = create_ssc_device("CHG70N", host="127.0.0.1", port=0, serial="7000000001")
    await device.start()
    yield device
    await device.stop()


async def _add(hass: HomeAssistant, port: int) -> ConfigEntry:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: port}
    )
    entry: ConfigEntry = result["result"]
    await hass.async_block_till_done()
    return entry


def _keys(hass: HomeAssistant, entry: ConfigEntry, bay: int) -> dict[str, str]:
    """Entity key -> entity id of one bay."""
    prefix = f"{entry.runtime_data.device_key}-{bay}-"
    return {
        e.unique_id.removeprefix(prefix): e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.unique_id.startswith(prefix)
    }


async def test_one_device_and_a_child_per_bay_with_charger_entities(
    hass: HomeAssistant, charger: SscDevice
) -> None:
    charger.set_battery(1, percent=64)
    charger.set_charging(1, time_to_full_min=42, state="NORMAL")
    charger.set_transmitter(2, False)
    entry = await _add(hass, charger.port)
    coordinator = entry.runtime_data
    assert entry.unique_id == "7000000001"
    registry = dr.async_get(hass)
    hub = registry.async_get(coordinator.receiver_device_id)
    assert hub is not None
    assert (hub.manufacturer, hub.model) == ("Sennheiser", "EW-DX CHG 70N")
    bays = [registry.async_get(d) for d in coordinator.channel_device_ids.values()]
    assert [b.model if b else None for b in bays] == ["EW-DX CHG 70N bay"] * 2
    assert all(b is not None and b.via_device_id == hub.id for b in bays)

    keys = _keys(hass, entry, 1)
    assert set(keys) == {
        "battery",
        "battery_health",
        "battery_cycles",
        "time_to_full",
        "device_in_bay",
        "bay_state",
        "warnings",
    }
    # A pack's health and cycles matter on a charger: enabled from the start.
    assert state_of(hass, keys["battery_health"]) not in ("unavailable",)
    assert state_of(hass, keys["battery"]) == "64"
    assert state_of(hass, keys["time_to_full"]) == "42"
    assert state_of(hass, keys["device_in_bay"]) == "EW-DX SK"
    assert state_of(hass, keys["bay_state"]) == "NORMAL"
    assert state_of(hass, keys["warnings"]) == "none"

    # An empty bay: the pack's values are unknown, the bay's own are not.
    empty = _keys(hass, entry, 2)
    assert state_of(hass, empty["battery"]) == "unknown"
    assert state_of(hass, empty["device_in_bay"]) == "unknown"
    assert state_of(hass, empty["bay_state"]) == "NORMAL"

    charger.set_warnings(1, [], ["Overtemperature"])
    await wait_for(hass, lambda: state_of(hass, keys["warnings"]) == "Overtemperature")


async def test_charged_event_and_device_trigger(hass: HomeAssistant, charger: SscDevice) -> None:
    charger.set_battery(1, percent=97)
    entry = await _add(hass, charger.port)
    coordinator = entry.runtime_data
    events = async_capture_events(hass, EVENT_ALERT)
    bay = coordinator.channel_device_ids[1]

    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, bay)
    assert [t["type"] for t in triggers if t["domain"] == DOMAIN] == ["charged"]

    charger.set_battery(1, percent=100)
    await wait_for(hass, lambda: any(e.data["type"] == "charged" for e in events))
    (charged,) = [e for e in events if e.data["type"] == "charged"]
    assert charged.data["channel"] == 1
    assert charged.data["device_id"] == bay
    assert charged.data["value"] == 100

    # Still full: nothing more; a new pack charging up fires again.
    charger.set_battery(1, percent=100)
    charger.set_transmitter(1, False)
    await wait_for(hass, lambda: coordinator.receiver.state.channel(1).tx_on is False)
    charger.set_battery(1, percent=80)
    charger.set_transmitter(1, True)
    await wait_for(hass, lambda: coordinator.receiver.state.channel(1).battery_percent == 80)
    charger.set_battery(1, percent=100)
    await wait_for(hass, lambda: [e.data["type"] for e in events].count("charged") == 2)
    assert not any(e.data["type"].startswith("battery") for e in events)


async def test_pack_already_full_at_start_is_not_news(
    hass: HomeAssistant, charger: SscDevice
) -> None:
    charger.set_battery(1, percent=100)
    events = async_capture_events(hass, EVENT_ALERT)
    await _add(hass, charger.port)
    await hass.async_block_till_done()
    assert [e.data["type"] for e in events] == []


async def test_transmitter_only_entities_and_actions_skip_bays(
    hass: HomeAssistant, charger: SscDevice
) -> None:
    entry = await _add(hass, charger.port)
    platforms = {
        e.domain for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }
    assert "text" not in platforms  # no performer
    assert "switch" not in platforms  # no alerts switch
    bay = entry.runtime_data.channel_device_ids[1]
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "assign_performer", {"device_id": bay, "performer": "Dave"}, blocking=True
        )
    assert err.value.translation_key == "not_a_channel"


async def test_websocket_snapshot_lists_the_bays(
    hass: HomeAssistant, hass_ws_client: Any, charger: SscDevice
) -> None:
    entry = await _add(hass, charger.port)
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    assert (await client.receive_json())["success"] is True
    while True:
        message = await client.receive_json()
        if message.get("type") == "event" and message["event"]["type"] == "snapshot":
            break
    (rx,) = message["event"]["receivers"]
    assert rx["entry_id"] == entry.entry_id
    assert rx["family"] == "chg_70n"
    assert [c["channel"] for c in rx["channels"]] == [1, 2]


async def test_charger_packs_are_not_counted_as_transmitters_on(
    hass: HomeAssistant, charger: SscDevice
) -> None:
    charger.set_battery(1, percent=5)
    await _add(hass, charger.port)
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.micboard_transmitters_on") == "0"
    assert state_of(hass, "sensor.micboard_transmitters_with_low_battery") == "0"
    assert state_of(hass, "sensor.micboard_receivers_offline") == "0"
