"""Assignments persist, migrate, and an unreadable file is never replaced."""

from __future__ import annotations

import copy
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest

from custom_components.micboard.assignments import (
    ISSUE_UNREADABLE,
    STORAGE_KEY,
    STORAGE_VERSION,
    _AssignmentStore,
    async_get_manager,
)
from custom_components.micboard.const import DOMAIN

from .helpers import entry_for, state_of


def _stored(receiver_key: str, performer: str | None, alerts: bool = True) -> dict:
    return {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {
            "assignments": {
                f"{receiver_key}/1": {
                    "performer": performer,
                    "contact": None,
                    "alerts": alerts,
                    "assigned_at": "2026-11-01T18:00:00+00:00",
                }
            }
        },
    }


async def test_assignments_are_loaded_after_a_restart(
    hass: HomeAssistant, hass_storage, simulated, entity_id
) -> None:
    receiver = await simulated("ULXD4")
    entry = entry_for(receiver)
    hass_storage[STORAGE_KEY] = _stored(entry.unique_id, "Pastor Dave", alerts=False)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, entity_id(entry, "text", "performer", 1)) == "Pastor Dave"
    assert state_of(hass, entity_id(entry, "switch", "alerts", 1)) == "off"

    # A reload keeps them too.
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, entity_id(entry, "text", "performer", 1)) == "Pastor Dave"


async def test_version_1_store_is_migrated(
    hass: HomeAssistant, hass_storage, simulated, entity_id
) -> None:
    receiver = await simulated("ULXD4")
    entry = entry_for(receiver, mac="00:0e:dd:00:00:01")
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {"00:0e:dd:00:00:01:1": "Worship leader"},
    }
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, entity_id(entry, "text", "performer", 1)) == "Worship leader"
    assert state_of(hass, entity_id(entry, "switch", "alerts", 1)) == "on"
    await hass.services.async_call(
        DOMAIN,
        "set_alerts",
        {"device_id": entry.runtime_data.channel_device_ids[1], "enabled": False},
        blocking=True,
    )
    assert hass_storage[STORAGE_KEY]["version"] == STORAGE_VERSION
    assert (
        hass_storage[STORAGE_KEY]["data"]["assignments"]["00:0e:dd:00:00:01/1"]["performer"]
        == "Worship leader"
    )


@pytest.mark.parametrize(
    "content",
    [
        {"version": STORAGE_VERSION, "minor_version": 1, "key": STORAGE_KEY, "data": "garbage"},
        {
            "version": STORAGE_VERSION,
            "minor_version": 1,
            "key": STORAGE_KEY,
            "data": {"assignments": {"x/1": {"performer": 42}}},
        },
    ],
)
async def test_unreadable_store_is_reported_and_kept(
    hass: HomeAssistant,
    hass_storage,
    simulated,
    entity_id,
    issue_registry: ir.IssueRegistry,
    content: dict,
) -> None:
    hass_storage[STORAGE_KEY] = content
    receiver = await simulated("ULXD4")
    entry = entry_for(receiver)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_UNREADABLE)
    assert issue is not None
    assert issue.is_fixable
    assert state_of(hass, entity_id(entry, "text", "performer", 1)) == STATE_UNAVAILABLE

    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "assign_performer",
            {"device_id": entry.runtime_data.channel_device_ids[1], "performer": "Dave"},
            blocking=True,
        )
    assert err.value.translation_key == "assignments_unreadable"
    assert hass_storage[STORAGE_KEY] == content


async def test_unreadable_file_error_is_reported(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    with patch.object(
        _AssignmentStore,
        "async_load",
        side_effect=HomeAssistantError("Error while loading: permission denied"),
    ):
        assert await async_setup_component(hass, DOMAIN, {})
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_UNREADABLE) is not None
    assert async_get_manager(hass).writable is False


async def test_repair_flow_starts_afresh(
    hass: HomeAssistant, hass_storage, hass_client, issue_registry: ir.IssueRegistry, tmp_path
) -> None:
    hass_storage[STORAGE_KEY] = {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": [],
    }
    assert await async_setup_component(hass, "repairs", {})
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    manager = async_get_manager(hass)
    # Point the manager at a real file so the backup copy can be checked.
    unreadable = tmp_path / STORAGE_KEY
    unreadable.write_text("{not json")
    from custom_components.micboard.repairs import async_create_fix_flow

    with patch.object(type(manager), "path", new=property(lambda self: unreadable)):
        flow = await async_create_fix_flow(hass, ISSUE_UNREADABLE, None)
        flow.hass = hass
        result = await flow.async_step_init()
        assert result["step_id"] == "confirm"
        result = await flow.async_step_confirm({})
    assert result["type"] == "create_entry"
    backups = list(tmp_path.glob(f"{STORAGE_KEY}.unreadable.*"))
    assert len(backups) == 1
    assert backups[0].read_text() == "{not json"
    assert manager.writable is True
    assert hass_storage[STORAGE_KEY]["data"] == {"assignments": {}}
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_UNREADABLE) is None


async def test_reconfigure_keeps_assignments_under_the_device_key(
    hass: HomeAssistant, hass_storage, simulated, entity_id
) -> None:
    """A receiver keyed on its address moves: its performers stay where they are."""
    old = await simulated("QLXD4")
    new = await simulated("QLXD4")
    entry = entry_for(old)
    hass_storage[STORAGE_KEY] = _stored(entry.unique_id, "Choir")
    before = copy.deepcopy(hass_storage[STORAGE_KEY])
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    performer = entity_id(entry, "text", "performer", 1)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: new.port}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.unique_id == f"127.0.0.1:{new.port}"
    assert entry.data["device_key"] == f"127.0.0.1:{old.port}"
    assert entry.state is ConfigEntryState.LOADED
    # The same entity shows the same performer; the file was not rewritten.
    assert state_of(hass, performer) == "Choir"
    assert hass_storage[STORAGE_KEY] == before


async def test_assignments_survive_a_restart_of_home_assistant(
    hass: HomeAssistant, hass_storage, simulated
) -> None:
    """Assign in one Home Assistant instance, read it back in a fresh one."""
    from homeassistant.helpers import entity_registry as er
    from pytest_homeassistant_custom_component.common import async_test_home_assistant

    receiver = await simulated("ULXD4D")
    entry = entry_for(receiver)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await hass.services.async_call(
        DOMAIN,
        "assign_performer",
        {"device_id": entry.runtime_data.channel_device_ids[2], "performer": "Bass DI"},
        blocking=True,
    )
    await hass.async_stop()

    async with async_test_home_assistant(config_dir=hass.config.config_dir) as second:
        from homeassistant import loader

        second.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        restarted = entry_for(receiver)
        restarted.add_to_hass(second)
        await second.config_entries.async_setup(restarted.entry_id)
        await second.async_block_till_done()
        registry = er.async_get(second)
        performer = registry.async_get_entity_id(
            "text", DOMAIN, f"{restarted.unique_id}-2-performer"
        )
        assert performer is not None
        assert second.states.get(performer).state == "Bass DI"
        await second.config_entries.async_unload(restarted.entry_id)
        await second.async_stop()


async def test_file_moved_aside_by_home_assistant_is_not_silently_emptied(
    hass: HomeAssistant, hass_storage, issue_registry: ir.IssueRegistry
) -> None:
    """Core renames a JSON-corrupt file and loads nothing: Micboard must say so."""
    ir.async_create_issue(
        hass,
        "homeassistant",
        f"storage_corruption_{STORAGE_KEY}_2026-11-26T03:00:00",
        is_fixable=True,
        severity=ir.IssueSeverity.CRITICAL,
        translation_key="storage_corruption",
    )
    assert await async_setup_component(hass, DOMAIN, {})
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_UNREADABLE) is not None
    assert async_get_manager(hass).writable is False
    assert STORAGE_KEY not in hass_storage
