"""The venue entry: owner of the summary sensors, created and removed with the receivers."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_SYSTEM, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.micboard.const import DOMAIN, VENUE_DEVICE_KEY, VENUE_UNIQUE_ID
from custom_components.micboard.device_trigger import async_get_triggers

from .helpers import state_of, wait_for

ON = "sensor.micboard_transmitters_on"
LOW = "sensor.micboard_transmitters_with_low_battery"
OFFLINE = "sensor.micboard_receivers_offline"


def _venue(hass: HomeAssistant):
    return hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, VENUE_UNIQUE_ID)


async def test_first_receiver_creates_the_venue_with_its_sensors(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    assert _venue(hass) is None
    await setup_receiver(await simulated("ULXD4D"))
    venue = _venue(hass)
    assert venue is not None
    assert venue.source == SOURCE_SYSTEM
    assert venue.title == "Micboard venue"
    assert venue.state is ConfigEntryState.LOADED
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, VENUE_DEVICE_KEY), venue.entry_id
    )
    assert device is not None
    assert device.name == "Micboard venue"
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    for entity_id in (ON, LOW, OFFLINE):
        entity = entity_registry.async_get(entity_id)
        assert entity is not None, entity_id
        assert entity.config_entry_id == venue.entry_id
        assert entity.device_id == device.id
    assert state_of(hass, ON) == "2"
    state = hass.states.get(ON)
    assert state is not None
    assert state.attributes["friendly_name"] == "Micboard venue Transmitters on"
    # A second receiver does not make a second venue.
    await setup_receiver(await simulated("QLXD4"))
    assert [e.unique_id for e in hass.config_entries.async_entries(DOMAIN)].count(
        VENUE_UNIQUE_ID
    ) == 1
    assert state_of(hass, ON) == "3"


async def test_counts_follow_receivers_added_and_removed(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    first = await simulated("ULXD4D")
    second = await simulated("AD4Q")
    one = await setup_receiver(first)
    two = await setup_receiver(second)
    await wait_for(hass, lambda: state_of(hass, ON) == "6")
    assert state_of(hass, OFFLINE) == "0"
    assert state_of(hass, LOW) == "0"
    second.set_battery(1, bars=1, minutes=20, percent=10)
    await wait_for(hass, lambda: state_of(hass, LOW) == "1")
    second.set_hung(True)
    await wait_for(hass, lambda: state_of(hass, OFFLINE) == "1", timeout=10)
    await wait_for(hass, lambda: state_of(hass, ON) == "2")
    assert state_of(hass, LOW) == "0"
    second.set_hung(False)
    await wait_for(hass, lambda: state_of(hass, OFFLINE) == "0", timeout=10)
    await wait_for(hass, lambda: state_of(hass, ON) == "6")

    assert await hass.config_entries.async_unload(two.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, ON) == "2"
    assert state_of(hass, LOW) == "0"
    await hass.config_entries.async_remove(two.entry_id)
    await hass.async_block_till_done()
    assert _venue(hass) is not None
    assert state_of(hass, ON) == "2"

    # The last receiver takes the venue, its device and its sensors along.
    await hass.config_entries.async_remove(one.entry_id)
    await hass.async_block_till_done()
    assert _venue(hass) is None
    assert hass.states.get(ON) is None
    assert er.async_get(hass).async_get(ON) is None
    assert dr.async_get(hass).async_get_devices(identifiers={(DOMAIN, VENUE_DEVICE_KEY)}) == []


async def test_summary_sensors_can_be_disabled(
    hass: HomeAssistant, simulated, setup_receiver, entity_registry: er.EntityRegistry
) -> None:
    await setup_receiver(await simulated("ULXD4"))
    venue = _venue(hass)
    assert venue is not None
    entity_registry.async_update_entity(ON, disabled_by=er.RegistryEntryDisabler.USER)
    assert await hass.config_entries.async_reload(venue.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(ON) is None
    assert state_of(hass, OFFLINE) == "0"


async def test_existing_summary_entity_ids_are_kept(
    hass: HomeAssistant, simulated, setup_receiver, entity_registry: er.EntityRegistry
) -> None:
    # Registered before the venue existed (no config entry, no device).
    old = entity_registry.async_get_or_create(
        "sensor", DOMAIN, "micboard_summary_transmitters_on", suggested_object_id="talkers"
    )
    assert old.entity_id == "sensor.talkers"
    await setup_receiver(await simulated("ULXD4"))
    venue = _venue(hass)
    assert venue is not None
    entity = entity_registry.async_get("sensor.talkers")
    assert entity is not None
    assert entity.config_entry_id == venue.entry_id
    assert state_of(hass, "sensor.talkers") == "1"


async def test_venue_diagnostics_and_triggers(
    hass: HomeAssistant, hass_client, simulated, setup_receiver
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    await setup_receiver(await simulated("ULXD4D"))
    venue = _venue(hass)
    assert venue is not None
    data = await get_diagnostics_for_config_entry(hass, hass_client, venue)
    assert data["receivers"] == 1
    assert data["counts"] == {
        "transmitters_on": 2,
        "transmitters_low_battery": 0,
        "receivers_offline": 0,
    }
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, VENUE_DEVICE_KEY), venue.entry_id
    )
    assert device is not None
    assert await async_get_triggers(hass, device.id) == []


async def test_a_second_venue_flow_aborts(hass: HomeAssistant, simulated, setup_receiver) -> None:
    await setup_receiver(await simulated("ULXD4"))
    assert _venue(hass) is not None
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_SYSTEM})
    assert result["type"] == "abort"
    assert result["reason"] == "already_configured"


async def test_the_venue_has_no_options_and_no_reconfigure(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    receiver = await setup_receiver(await simulated("ULXD4D"))
    venue = _venue(hass)
    assert venue is not None
    assert venue.supports_options is False
    assert receiver.supports_options is True
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": venue.entry_id}
    )
    assert result["type"] == "abort"
    assert result["reason"] == "venue_not_reconfigurable"


async def test_actions_on_the_venue_device_say_it_is_not_a_channel(
    hass: HomeAssistant, simulated, setup_receiver, device_registry: dr.DeviceRegistry
) -> None:
    await setup_receiver(await simulated("ULXD4D"))
    venue = _venue(hass)
    assert venue is not None
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, VENUE_DEVICE_KEY), venue.entry_id
    )
    assert device is not None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "assign_performer",
            {"device_id": [device.id], "performer": "Ana"},
            blocking=True,
        )
    assert err.value.translation_key == "not_a_channel"
