"""Setup, push updates, link loss and recovery, unload."""

from __future__ import annotations

import asyncio

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.micboard.const import CONF_AUDIO_LEVELS, CONF_DEVICE_KEY, DOMAIN
from simulator import create_receiver

from .helpers import entry_for, free_port, state_of, wait_for


async def test_setup_creates_receiver_and_channel_devices(
    hass: HomeAssistant, simulated, setup_receiver, device_registry: dr.DeviceRegistry
) -> None:
    receiver = await simulated("ULXD4Q")
    receiver.set_device_id("Stage L")
    receiver.rename(2, "Lead Vox")
    entry = await setup_receiver(receiver)
    assert entry.state is ConfigEntryState.LOADED

    hub = device_registry.async_get_device_by_identifier((DOMAIN, entry.unique_id), entry.entry_id)
    assert hub is not None
    assert hub.name == "Stage L"
    assert hub.manufacturer == "Shure"
    assert hub.model == "ULXD4Q"
    assert hub.sw_version
    channels = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    children = sorted((d for d in channels if d.via_device_id == hub.id), key=lambda d: d.name)
    assert [d.name for d in children] == ["CH 1", "CH 3", "CH 4", "Lead Vox"]


async def test_entities_follow_the_receiver(
    hass: HomeAssistant, simulated, setup_receiver, entity_id
) -> None:
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    battery = entity_id(entry, "sensor", "battery", 1)
    runtime = entity_id(entry, "sensor", "battery_runtime", 1)
    model = entity_id(entry, "sensor", "transmitter_model", 1)
    transmitter = entity_id(entry, "binary_sensor", "transmitter", 1)
    low = entity_id(entry, "binary_sensor", "battery_low", 1)
    frequency = entity_id(entry, "sensor", "frequency", 1)

    assert state_of(hass, transmitter) == STATE_ON
    assert state_of(hass, model) == "ULXD2"
    assert float(state_of(hass, frequency)) == receiver.channel(1).frequency_khz / 1000
    assert state_of(hass, battery) == "90"
    assert state_of(hass, low) == STATE_OFF

    receiver.set_battery(1, bars=1, minutes=25, percent=15)
    await wait_for(hass, lambda: state_of(hass, battery) == "15")
    assert state_of(hass, runtime) == "25"
    assert state_of(hass, low) == STATE_ON

    # Transmitter off: its values become unknown, never the last value.
    receiver.set_transmitter(1, False)
    await wait_for(hass, lambda: state_of(hass, transmitter) == STATE_OFF)
    for entity in (battery, runtime, model, low):
        assert state_of(hass, entity) == STATE_UNKNOWN, entity

    receiver.set_transmitter(1, True)
    await wait_for(hass, lambda: state_of(hass, transmitter) == STATE_ON)
    await wait_for(hass, lambda: state_of(hass, battery) == "15")


async def test_mute_and_interference(
    hass: HomeAssistant, simulated, setup_receiver, entity_id
) -> None:
    receiver = await simulated("AD4D")
    entry = await setup_receiver(receiver)
    muted = entity_id(entry, "binary_sensor", "muted", 2)
    interference = entity_id(entry, "binary_sensor", "interference", 2)
    assert state_of(hass, muted) == STATE_OFF
    receiver.set_mute(2, True)
    receiver.set_interference(2, True)
    await wait_for(hass, lambda: state_of(hass, muted) == STATE_ON)
    await wait_for(hass, lambda: state_of(hass, interference) == STATE_ON)


async def test_rename_on_receiver_renames_device(
    hass: HomeAssistant, simulated, setup_receiver, device_registry: dr.DeviceRegistry
) -> None:
    receiver = await simulated("SLXD4D")
    entry = await setup_receiver(receiver)

    def name(identifier: str) -> str | None:
        device = device_registry.async_get_device_by_identifier(
            (DOMAIN, identifier), entry.entry_id
        )
        assert device is not None
        return device.name

    assert name(f"{entry.unique_id}-2") == "CH 2"
    receiver.rename(2, "Pastor")
    await wait_for(hass, lambda: name(f"{entry.unique_id}-2") == "Pastor")

    receiver.set_device_id("Rack 3")
    await wait_for(hass, lambda: name(entry.unique_id) == "Rack 3")


async def test_setup_retries_until_receiver_is_up(hass: HomeAssistant) -> None:
    port = free_port()
    receiver = create_receiver("QLXD4", host="127.0.0.1", port=port)
    entry = entry_for(receiver)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY

    await receiver.start()
    try:
        await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await receiver.stop()


async def test_silent_receiver_is_not_ready(hass: HomeAssistant, simulated) -> None:
    receiver = await simulated("SLXD4", controller_access=False)
    entry = entry_for(receiver)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert "Controller Access" in (entry.reason or "")


@pytest.mark.parametrize("fault", ["hang", "drop", "reboot"])
async def test_link_loss_and_recovery(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    entity_id,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    receiver = await simulated("ULXD4")
    entry = await setup_receiver(receiver)
    battery = entity_id(entry, "sensor", "battery", 1)
    link = entity_id(entry, "binary_sensor", "connectivity", None)
    assert state_of(hass, link) == STATE_ON

    loop = asyncio.get_running_loop()
    started = loop.time()
    if fault == "hang":
        receiver.set_hung(True)
    elif fault == "drop":
        receiver.drop_connections()
    else:
        reboot = asyncio.create_task(receiver.reboot(1.0))
    await wait_for(hass, lambda: state_of(hass, battery) == STATE_UNAVAILABLE, timeout=15)
    assert loop.time() - started < 15
    assert state_of(hass, link) == STATE_OFF
    assert caplog.text.count("is unavailable") == 1

    if fault == "hang":
        receiver.set_hung(False)
    elif fault == "reboot":
        await reboot
    await wait_for(hass, lambda: state_of(hass, battery) == "90", timeout=15)
    assert state_of(hass, link) == STATE_ON
    assert caplog.text.count("is back online") == 1
    assert entry.state is ConfigEntryState.LOADED


async def test_unload_closes_everything(hass: HomeAssistant, simulated, setup_receiver) -> None:
    receiver = await simulated("AD4Q")
    entry = await setup_receiver(receiver)
    assert receiver.client_count == 1
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    await wait_for(hass, lambda: receiver.client_count == 0)
    leftovers = [t for t in asyncio.all_tasks() if t.get_name().startswith("micboard")]
    assert leftovers == []


async def test_home_assistant_stop_disconnects(
    hass: HomeAssistant, simulated, setup_receiver
) -> None:
    receiver = await simulated("ULXD4", segmenting="split")
    await setup_receiver(receiver)
    assert receiver.client_count == 1
    await hass.async_stop()
    await wait_for(hass, lambda: receiver.client_count == 0)


async def test_meters_are_throttled(
    hass: HomeAssistant, simulated, setup_receiver, entity_id, fast_meter_states
) -> None:
    receiver = await simulated("ULXD4")
    entry = await setup_receiver(receiver)
    rf = entity_id(entry, "sensor", "rf_level", 1)
    writes: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: writes.append(event.data["new_state"].state)
        if event.data["entity_id"] == rf
        else None,
    )
    # Another client set the device-global rate to 10 Hz.
    receiver.meter_rate_ms = 100
    for step in range(15):
        receiver.set_rf(1, -40.0 - step)
        await asyncio.sleep(0.1)
        await hass.async_block_till_done()
    # ~15 samples in 1.5 s; states are written at most every 0.5 s here.
    assert 1 <= len(writes) <= 4
    receiver.meter_rate_ms = 0
    await asyncio.sleep(0.6)
    await hass.async_block_till_done()
    assert float(state_of(hass, rf)) <= -50


async def test_audio_level_entities_follow_the_option(
    hass: HomeAssistant, simulated, setup_receiver, entity_registry: er.EntityRegistry
) -> None:
    receiver = await simulated("AD4D")
    entry = await setup_receiver(receiver, **{CONF_AUDIO_LEVELS: False})
    unique_ids = {
        e.unique_id for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    assert f"{entry.unique_id}-1-audio_level" not in unique_ids
    assert f"{entry.unique_id}-1-rf_level" in unique_ids


async def test_audio_level_disabled_by_default(
    hass: HomeAssistant, simulated, setup_receiver, entity_registry: er.EntityRegistry
) -> None:
    receiver = await simulated("AD4D")
    entry = await setup_receiver(receiver)
    entity = entity_registry.async_get(
        entity_registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}-1-audio_level")
    )
    assert entity is not None
    assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_change_on_one_channel_does_not_rewrite_the_others(
    hass: HomeAssistant, simulated, setup_receiver, entity_id
) -> None:
    receiver = await simulated("ULXD4D")
    entry = await setup_receiver(receiver)
    first = entity_id(entry, "sensor", "battery", 1)
    second = entity_id(entry, "sensor", "battery", 2)
    before = hass.states.get(first).last_reported
    receiver.set_battery(2, bars=2, minutes=100, percent=33)
    await wait_for(hass, lambda: state_of(hass, second) == "33")
    assert hass.states.get(first).last_reported == before


async def test_rf_level_is_unknown_unless_the_receiver_meters(
    hass: HomeAssistant, simulated, setup_receiver, entity_id
) -> None:
    """Without metering the connect-time reading would go stale: show unknown."""
    quiet = await simulated("ULXD4")
    entry = await setup_receiver(quiet)
    assert state_of(hass, entity_id(entry, "sensor", "rf_level", 1)) == STATE_UNKNOWN

    metered = await simulated("ULXD4")
    entry = await setup_receiver(metered, metering=True, meter_rate=1000)
    rf = entity_id(entry, "sensor", "rf_level", 1)
    await wait_for(hass, lambda: state_of(hass, rf) not in (STATE_UNKNOWN, STATE_UNAVAILABLE))
    assert -128 <= float(state_of(hass, rf)) < 0


async def test_receiver_wide_sensors(
    hass: HomeAssistant, simulated, setup_receiver, entity_id
) -> None:
    receiver = await simulated("AD4Q")
    entry = await setup_receiver(receiver, metering=True, meter_rate=2000)
    assert state_of(hass, entity_id(entry, "sensor", "rf_band", None)) == "G57"
    assert state_of(hass, entity_id(entry, "sensor", "encryption", None)) == "off"
    rate = entity_id(entry, "sensor", "meter_rate", None)
    await wait_for(hass, lambda: state_of(hass, rate) == "2000")


async def test_migration_fixes_the_device_key_and_identifiers_outlive_unique_ids(
    hass: HomeAssistant,
    simulated,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    receiver = await simulated("ULXD4D")
    entry = entry_for(receiver)  # version 1.1: no device key yet
    assert entry.minor_version == 1
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == 3
    key = f"127.0.0.1:{receiver.port}"
    assert entry.data[CONF_DEVICE_KEY] == key
    assert entry.data["manufacturer"] == "shure"  # every entry before 1.3 is Shure
    devices = {d.id for d in dr.async_entries_for_config_entry(device_registry, entry.entry_id)}
    entities = {
        e.entity_id for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }

    # The unique id changes (say, the MAC became known): nothing is re-created.
    hass.config_entries.async_update_entry(entry, unique_id="00:0e:dd:aa:bb:01")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.device_key == key
    assert {
        d.id for d in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    } == devices
    assert {
        e.entity_id for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    } == entities
    hub = device_registry.async_get_device_by_identifier((DOMAIN, key), entry.entry_id)
    assert hub is not None
