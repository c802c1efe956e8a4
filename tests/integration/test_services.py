"""Assignment actions, their errors, and the performer/alerts entities."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import flush_store

from custom_components.micboard.assignments import STORAGE_KEY, async_get_manager
from custom_components.micboard.const import DOMAIN
from custom_components.micboard.devices import ProtocolError

from .helpers import state_of, wait_for


async def _call(hass: HomeAssistant, service: str, **data) -> None:
    await hass.services.async_call(DOMAIN, service, data, blocking=True)


async def _saved(hass: HomeAssistant) -> None:
    """Write the assignments' pending delayed save now."""
    await flush_store(async_get_manager(hass)._store)


@pytest.fixture
async def rig(hass: HomeAssistant, simulated, setup_receiver):
    """Two receivers set up; returns (entry_a, entry_b, sim_a, sim_b)."""
    sim_a = await simulated("ULXD4D")
    sim_b = await simulated("QLXD4")
    entry_a = await setup_receiver(sim_a)
    entry_b = await setup_receiver(sim_b)
    return entry_a, entry_b, sim_a, sim_b


def _channel(entry, number: int) -> str:
    return entry.runtime_data.channel_device_ids[number]


async def test_assign_updates_entities_and_storage(
    hass: HomeAssistant, rig, entity_id, hass_storage
) -> None:
    entry_a, entry_b, _, _ = rig
    hass.states.async_set("person.dave", "home")
    await _call(
        hass,
        "assign_performer",
        device_id=[_channel(entry_a, 1), _channel(entry_b, 1)],
        performer="  Dave  ",
        contact="person.dave",
    )
    await hass.async_block_till_done()
    performer = entity_id(entry_a, "text", "performer", 1)
    assert state_of(hass, performer) == "Dave"
    assert state_of(hass, entity_id(entry_b, "text", "performer", 1)) == "Dave"
    await _saved(hass)
    stored = hass_storage[STORAGE_KEY]["data"]["assignments"]
    record = stored[f"{entry_a.unique_id}/1"]
    assert record["performer"] == "Dave"
    assert record["contact"] == "person.dave"
    assert record["alerts"] is True
    assert record["assigned_at"]

    await _call(hass, "set_alerts", device_id=_channel(entry_a, 1), enabled=False)
    await hass.async_block_till_done()
    assert state_of(hass, entity_id(entry_a, "switch", "alerts", 1)) == STATE_OFF

    await _call(hass, "unassign", device_id=[_channel(entry_a, 1), _channel(entry_b, 1)])
    await hass.async_block_till_done()
    assert state_of(hass, performer) == ""
    await _saved(hass)
    stored = hass_storage[STORAGE_KEY]["data"]["assignments"]
    # Channel A keeps its "alerts off" setting; channel B has nothing left.
    assert stored == {
        f"{entry_a.unique_id}/1": {
            "performer": None,
            "contact": None,
            "alerts": False,
            "assigned_at": "",
        }
    }


async def test_entities_edit_assignments(hass: HomeAssistant, rig, entity_id) -> None:
    entry_a = rig[0]
    performer = entity_id(entry_a, "text", "performer", 2)
    alerts = entity_id(entry_a, "switch", "alerts", 2)
    assert state_of(hass, alerts) == STATE_ON
    await hass.services.async_call(
        "text", "set_value", {ATTR_ENTITY_ID: performer, "value": "Choir L"}, blocking=True
    )
    await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: alerts}, blocking=True)
    await hass.async_block_till_done()
    assert state_of(hass, performer) == "Choir L"
    assert state_of(hass, alerts) == STATE_OFF
    await hass.services.async_call(
        "text", "set_value", {ATTR_ENTITY_ID: performer, "value": ""}, blocking=True
    )
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: alerts}, blocking=True)
    await hass.async_block_till_done()
    assert state_of(hass, performer) == ""
    assert state_of(hass, alerts) == STATE_ON
    # Back to the defaults: nothing is stored for the channel.
    assert async_get_manager(hass).get(entry_a.unique_id, 2) is None


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"performer": "   "}, "invalid_performer"),
        ({"performer": "x" * 65}, "invalid_performer"),
        ({"performer": "Dave", "contact": "person.nobody"}, "unknown_person"),
        ({"performer": "Dave", "contact": "light.kitchen"}, "unknown_person"),
    ],
)
async def test_assign_rejects_bad_input(
    hass: HomeAssistant, rig, hass_storage, data: dict, key: str
) -> None:
    entry_a = rig[0]
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "assign_performer", device_id=[_channel(entry_a, 1)], **data)
    assert err.value.translation_key == key
    await _saved(hass)
    assert STORAGE_KEY not in hass_storage


async def test_bad_target_changes_nothing(
    hass: HomeAssistant, rig, hass_storage, device_registry: dr.DeviceRegistry
) -> None:
    entry_a = rig[0]
    receiver_device = entry_a.runtime_data.receiver_device_id
    for bad in ("not-a-device", receiver_device):
        with pytest.raises(ServiceValidationError) as err:
            await _call(
                hass, "assign_performer", device_id=[_channel(entry_a, 1), bad], performer="Dave"
            )
        assert err.value.translation_key == "not_a_channel"
    other = device_registry.async_get_or_create(
        config_entry_id=entry_a.entry_id, identifiers={("other", "x")}
    )
    with pytest.raises(ServiceValidationError):
        await _call(hass, "unassign", device_id=[other.id])
    await _saved(hass)
    assert STORAGE_KEY not in hass_storage


async def test_unloaded_receiver_is_rejected(hass: HomeAssistant, rig) -> None:
    entry_a = rig[0]
    channel = _channel(entry_a, 1)
    await hass.config_entries.async_unload(entry_a.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_alerts", device_id=channel, enabled=False)
    assert err.value.translation_key == "receiver_not_loaded"


async def test_identify(hass: HomeAssistant, rig, simulated, setup_receiver) -> None:
    entry_a, entry_b, sim_a, _ = rig
    await _call(hass, "identify", device_id=[_channel(entry_a, 2)])
    await wait_for(hass, lambda: any("FLASH ON" in line for line in sim_a.received))

    sim_ad = await simulated("AD4D")
    entry_ad = await setup_receiver(sim_ad)
    await _call(
        hass,
        "identify",
        device_id=[_channel(entry_ad, 2), entry_ad.runtime_data.receiver_device_id],
    )
    await wait_for(hass, lambda: any("SET 2 FLASH ON" in line for line in sim_ad.received))

    # QLX-D has no FLASH: nothing is sent to any target.
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "identify", device_id=[_channel(entry_a, 1), _channel(entry_b, 1)])
    assert err.value.translation_key == "identify_not_supported"

    sim_a.set_hung(True)
    await wait_for(hass, lambda: not entry_a.runtime_data.receiver.connected, timeout=10)
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "identify", device_id=[_channel(entry_a, 1)])
    assert err.value.translation_key == "receiver_offline"
    sim_a.set_hung(False)


async def test_identify_refused_by_receiver(hass: HomeAssistant, rig) -> None:
    entry_a = rig[0]
    # A receiver that answers < REP ERR > (e.g. a locked front panel).
    with (
        patch.object(
            entry_a.runtime_data.receiver, "identify", side_effect=ProtocolError("FLASH refused")
        ),
        pytest.raises(HomeAssistantError) as err,
    ):
        await _call(hass, "identify", device_id=[_channel(entry_a, 1)])
    assert err.value.translation_key == "command_failed"


async def test_identify_buttons(
    hass: HomeAssistant, simulated, setup_receiver, entity_registry
) -> None:
    from homeassistant.helpers import entity_registry as er

    ad = await simulated("AD4D")
    entry = await setup_receiver(ad)
    ids = {
        e.unique_id: e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if e.domain == "button"
    }
    assert set(ids) == {
        f"{entry.unique_id}-identify",
        f"{entry.unique_id}-1-identify",
        f"{entry.unique_id}-2-identify",
    }
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: ids[f"{entry.unique_id}-2-identify"]}, blocking=True
    )
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: ids[f"{entry.unique_id}-identify"]}, blocking=True
    )
    await wait_for(hass, lambda: any("SET 2 FLASH ON" in line for line in ad.received))
    await wait_for(hass, lambda: any(line.strip(" <>") == "SET FLASH ON" for line in ad.received))

    with (
        patch.object(entry.runtime_data.receiver, "identify", side_effect=ProtocolError("no")),
        pytest.raises(HomeAssistantError) as err,
    ):
        await hass.services.async_call(
            "button", "press", {ATTR_ENTITY_ID: ids[f"{entry.unique_id}-identify"]}, blocking=True
        )
    assert err.value.translation_key == "command_failed"

    # QLX-D cannot flash: no buttons at all.
    qlx = await simulated("QLXD4")
    other = await setup_receiver(qlx)
    assert not [
        e
        for e in er.async_entries_for_config_entry(entity_registry, other.entry_id)
        if e.domain == "button"
    ]


async def test_offline_receiver_changes_nothing(hass: HomeAssistant, rig, hass_storage) -> None:
    entry_a, entry_b, sim_a, _ = rig
    sim_a.set_hung(True)
    await wait_for(hass, lambda: not entry_a.runtime_data.receiver.connected, timeout=10)
    for service, data in (
        ("assign_performer", {"performer": "Dave"}),
        ("unassign", {}),
        ("set_alerts", {"enabled": False}),
    ):
        with pytest.raises(HomeAssistantError) as err:
            await _call(
                hass, service, device_id=[_channel(entry_b, 1), _channel(entry_a, 1)], **data
            )
        assert err.value.translation_key == "receiver_offline"
    await _saved(hass)
    assert STORAGE_KEY not in hass_storage
    sim_a.set_hung(False)
    await wait_for(hass, lambda: entry_a.runtime_data.receiver.connected, timeout=10)
    await _call(hass, "assign_performer", device_id=[_channel(entry_a, 1)], performer="Dave")
    await _saved(hass)
    assert (
        hass_storage[STORAGE_KEY]["data"]["assignments"][f"{entry_a.unique_id}/1"]["performer"]
        == "Dave"
    )
