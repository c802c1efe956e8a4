"""Reconfigure and rediscovery never damage data (issue 8, class 6).

Devices, entities and performer assignments are keyed on ``data["device_key"]``,
set once when an entry is created; an address change moves nothing.  No flow
points an entry at the address another entry uses, and a MAC-identified entry
refuses a receiver that is provably another one.
"""

from __future__ import annotations

import copy
from unittest.mock import patch

from homeassistant.config_entries import (
    SOURCE_DHCP,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, flush_store

from custom_components.micboard.assignments import STORAGE_KEY, async_get_manager
from custom_components.micboard.config_flow import CONF_DEVICE_KEY
from custom_components.micboard.const import CONF_MODEL, DOMAIN

from .helpers import entry_for, state_of

MAC = "00:0e:dd:12:34:56"
OTHER_MAC = "00:0e:dd:65:43:21"
ARP = "custom_components.micboard.devices.shure.client.mac_from_arp"


def _snapshot(
    hass: HomeAssistant, entry: ConfigEntry
) -> tuple[set[tuple[str, str]], set[frozenset[tuple[str, str]]]]:
    """(unique id, entity id) of every entity and the identifiers of every device."""
    entities = {
        (e.unique_id, e.entity_id)
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }
    devices = {
        frozenset(d.identifiers)
        for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    }
    return entities, devices


async def _add_by_user(hass: HomeAssistant, port: int) -> ConfigEntry:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.data[CONF_DEVICE_KEY] == entry.unique_id
    return entry


async def _reconfigure(hass: HomeAssistant, entry: ConfigEntry, port: int) -> dict:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["step_id"] == "reconfigure"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: port}
    )


@pytest.mark.parametrize("how", ["user_flow", "legacy_entry", "mac_entry"])
async def test_reconfigure_keeps_every_device_and_entity(
    hass: HomeAssistant, simulated, how: str
) -> None:
    old = await simulated("ULXD4D")
    new = await simulated("ULXD4D")
    if how == "user_flow":
        entry = await _add_by_user(hass, old.port)
    else:
        entry = entry_for(old, mac=MAC if how == "mac_entry" else None)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    key_before = entry.unique_id
    entities, devices = _snapshot(hass, entry)
    assert len(devices) == 3
    assert entities
    await hass.services.async_call(
        DOMAIN,
        "assign_performer",
        {"device_id": entry.runtime_data.channel_device_ids[2], "performer": "Alto"},
        blocking=True,
    )

    with patch(ARP, return_value=MAC if how == "mac_entry" else None):
        result = await _reconfigure(hass, entry, new.port)
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_PORT] == new.port
    assert entry.runtime_data.receiver.port == new.port
    assert entry.data[CONF_DEVICE_KEY] == key_before
    if how == "mac_entry":
        assert entry.unique_id == MAC
    else:
        assert entry.unique_id == f"127.0.0.1:{new.port}"

    # Same devices, same entities (no "_2" ids, nothing orphaned), same performer.
    assert _snapshot(hass, entry) == (entities, devices)
    assert not [eid for _uid, eid in entities if eid.rsplit("_", 1)[-1].isdigit()]
    performer = next(eid for uid, eid in entities if uid == f"{key_before}-2-performer")
    assert state_of(hass, performer) == "Alto"

    # And again, back to the first address: still nothing new.
    with patch(ARP, return_value=MAC if how == "mac_entry" else None):
        result = await _reconfigure(hass, entry, old.port)
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
    assert _snapshot(hass, entry) == (entities, devices)


@pytest.fixture
async def two_receivers(hass: HomeAssistant, simulated, setup_receiver):
    """Two set-up receivers with a performer each, saved."""
    sim_a = await simulated("ULXD4D")
    sim_b = await simulated("QLXD4")
    entry_a = await setup_receiver(sim_a)
    entry_b = await setup_receiver(sim_b)
    for entry, name in ((entry_a, "Pastor"), (entry_b, "Choir")):
        await hass.services.async_call(
            DOMAIN,
            "assign_performer",
            {"device_id": entry.runtime_data.channel_device_ids[1], "performer": name},
            blocking=True,
        )
    await flush_store(async_get_manager(hass)._store)
    return entry_a, entry_b, sim_a, sim_b


async def test_reconfigure_onto_another_receivers_address_changes_nothing(
    hass: HomeAssistant, two_receivers, hass_storage
) -> None:
    entry_a, entry_b, _sim_a, sim_b = two_receivers
    stored = copy.deepcopy(hass_storage[STORAGE_KEY])
    before = {e.entry_id: (e.unique_id, dict(e.data)) for e in (entry_a, entry_b)}
    heard_by_b = len(sim_b.received)

    for host in ("127.0.0.1", " 127.0.0.1 "):
        result = await entry_a.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: host, CONF_PORT: sim_b.port}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "used_by_other_entry"
        assert result["description_placeholders"] == {"name": entry_b.title}
    await hass.async_block_till_done()

    # Refused before connecting: the other receiver heard nothing new.
    assert len(sim_b.received) == heard_by_b
    assert {e.entry_id: (e.unique_id, dict(e.data)) for e in (entry_a, entry_b)} == before
    assert entry_a.state is ConfigEntryState.LOADED
    assert entry_b.state is ConfigEntryState.LOADED
    await flush_store(async_get_manager(hass)._store)
    assert hass_storage[STORAGE_KEY] == stored


async def test_reconfigure_onto_a_receiver_known_by_its_mac_changes_nothing(
    hass: HomeAssistant, simulated, two_receivers, hass_storage
) -> None:
    """The address is new, but the MAC read there is another entry's unique id."""
    entry_a, entry_b, _sim_a, _sim_b = two_receivers
    hass.config_entries.async_update_entry(
        entry_b, unique_id=OTHER_MAC, data={**entry_b.data, CONF_MAC: OTHER_MAC}
    )
    elsewhere = await simulated("ULXD4D")
    stored = copy.deepcopy(hass_storage[STORAGE_KEY])
    before = dict(entry_a.data), entry_a.unique_id
    with patch(ARP, return_value=OTHER_MAC):
        result = await _reconfigure(hass, entry_a, elsewhere.port)
    assert result["reason"] == "used_by_other_entry"
    assert (dict(entry_a.data), entry_a.unique_id) == before
    assert hass_storage[STORAGE_KEY] == stored


@pytest.mark.parametrize(
    ("arp", "model", "reason"),
    [
        (OTHER_MAC, "ULXD4D", "wrong_device"),  # another MAC answers
        (None, "ULXD4Q", "wrong_device"),  # MAC unreadable, another model answers
        (None, "ULXD4D", "reconfigure_successful"),  # MAC unreadable, same model
        (MAC, "ULXD4D", "reconfigure_successful"),  # its own MAC
    ],
)
async def test_mac_entry_accepts_only_its_own_receiver(
    hass: HomeAssistant, simulated, arp: str | None, model: str, reason: str
) -> None:
    configured = await simulated("ULXD4D")
    answering = await simulated(model)
    entry = entry_for(configured, mac=MAC)
    entry.add_to_hass(hass)
    before = dict(entry.data)
    with patch(ARP, return_value=arp):
        result = await _reconfigure(hass, entry, answering.port)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    await hass.async_block_till_done()
    assert entry.unique_id == MAC
    if reason == "wrong_device":
        assert dict(entry.data) == before
    else:
        assert entry.data[CONF_PORT] == answering.port
        assert entry.data[CONF_MAC] == MAC
        assert entry.data[CONF_MODEL] == "ULXD4D"
        assert entry.data[CONF_DEVICE_KEY] == MAC


async def test_rediscovery_onto_another_entrys_address_changes_nothing(
    hass: HomeAssistant, simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DHCP says receiver A now has the address entry B is configured with."""
    sim_b = await simulated("QLXD4")
    monkeypatch.setattr("custom_components.micboard.config_flow.DEFAULT_PORT", sim_b.port)
    entry_b = entry_for(sim_b)
    entry_b.add_to_hass(hass)
    entry_a = MockConfigEntry(
        domain=DOMAIN,
        title="ULXD4D",
        unique_id=MAC,
        data={
            CONF_HOST: "10.1.2.3",
            CONF_PORT: sim_b.port,
            CONF_MAC: MAC,
            CONF_MODEL: "ULXD4D",
            CONF_DEVICE_KEY: MAC,
        },
    )
    entry_a.add_to_hass(hass)
    before = {e.entry_id: dict(e.data) for e in (entry_a, entry_b)}
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="ulxd", macaddress=MAC.replace(":", "")),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "used_by_other_entry"
    assert {e.entry_id: dict(e.data) for e in (entry_a, entry_b)} == before

    # A user adding the address of a configured receiver is told so, whatever
    # the receiver answers with.
    with patch(ARP, return_value=MAC):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: sim_b.port}
        )
    assert result["reason"] == "already_configured"
    assert {e.entry_id: dict(e.data) for e in (entry_a, entry_b)} == before
