"""A Shure System API server entry through Home Assistant: the real client against the simulator.

The simulated server (HTTPS with its own certificate, API key, WebSocket
events) runs on 127.0.0.1 with the default fleet: an AD4Q, an ANX4, an MXW
access point, an MXW2 handheld (battery), an SBRC charger and a docked ULXD6.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_PORT,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.micboard.assignments import async_get_manager
from custom_components.micboard.const import (
    CONF_DEVICE_KEY,
    CONF_FINGERPRINT,
    CONF_MANUFACTURER,
    DOMAIN,
    EVENT_ALERT,
)
from custom_components.micboard.devices.shure_systemapi import Timing, server as api_server
from custom_components.micboard.diagnostics import async_get_config_entry_diagnostics
from custom_components.micboard.hub import MicboardHub
from simulator.systemapi import SystemApiServer, create_api_device
from simulator.systemapi.fleet import default_devices

from .helpers import state_of, wait_for

FAST = Timing(
    request_timeout=3.0,
    heartbeat=2.0,
    transport_timeout=3.0,
    inventory_interval=60.0,
    inventory_debounce=0.05,
    identify_seconds=0.3,
    reconnect_min=0.05,
    reconnect_max=0.3,
)
SERVER_KEY = "system-api-test"


@pytest.fixture(autouse=True)
def fast_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quick reconnects; a heartbeat a loaded test machine does not miss."""
    monkeypatch.setattr(api_server, "DEFAULT_TIMING", FAST)


@pytest.fixture
async def sim() -> AsyncIterator[SystemApiServer]:
    """The simulated server with the default fleet (started on 127.0.0.1)."""
    server = SystemApiServer(
        default_devices(), api_key="test-key-0123456789abcdef", activity_interval=60.0
    )
    async with server:
        yield server


async def add_server(hass: HomeAssistant, sim: SystemApiServer) -> MockConfigEntry:
    """The server's entry as the config flow stores it, set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="System API",
        unique_id=SERVER_KEY,
        version=1,
        minor_version=3,
        data={
            CONF_MANUFACTURER: "shure_system_api",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: sim.port,
            CONF_API_KEY: sim.api_key,
            CONF_FINGERPRINT: sim.fingerprint,
            CONF_DEVICE_KEY: SERVER_KEY,
        },
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


def key_of(sim: SystemApiServer, name: str) -> str:
    """The key Micboard knows a simulated device by (its serial)."""
    return sim.device(name).serial


def eid(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    """Entity id from platform and unique id."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, f"no {platform} {unique_id}"
    return found


def has_entity(hass: HomeAssistant, platform: str, unique_id: str) -> bool:
    """Whether the entity is registered."""
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id) is not None


def device(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> dr.DeviceEntry:
    """The entry's device with identifier (DOMAIN, key)."""
    found = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, key), entry.entry_id)
    assert found is not None, key
    return found


async def test_a_device_per_device_with_what_the_api_reports(
    hass: HomeAssistant, sim: SystemApiServer
) -> None:
    entry = await add_server(hass, sim)
    server = entry.runtime_data
    assert isinstance(server, MicboardHub)
    assert len(server.coordinators) == len(sim.devices)

    hub_device = device(hass, entry, SERVER_KEY)
    ad4q = key_of(sim, "AD4Q Rack")
    rack = device(hass, entry, ad4q)
    assert rack.via_device_id == hub_device.id
    assert rack.name == "AD4Q Rack"
    assert rack.model == "AD4Q"
    assert rack.manufacturer == "Shure"
    assert rack.serial_number == ad4q
    assert device(hass, entry, f"{ad4q}-1").name == "Vocal 1"
    assert state_of(hass, eid(hass, "binary_sensor", f"{SERVER_KEY}-connectivity")) == STATE_ON
    assert state_of(hass, eid(hass, "sensor", f"{ad4q}-3-gain")) == "0"
    assert state_of(hass, eid(hass, "sensor", f"{ad4q}-1-audio_activity")) in {
        "low",
        "good",
        "clipping",
    }
    for absent in ("rf_level", "frequency", "battery", "audio_level"):
        assert not has_entity(hass, "sensor", f"{ad4q}-1-{absent}"), absent
    assert not has_entity(hass, "binary_sensor", f"{ad4q}-1-interference")

    handheld = key_of(sim, "Chair HH")
    assert state_of(hass, eid(hass, "sensor", f"{handheld}-1-battery")) == "87"
    assert state_of(hass, eid(hass, "sensor", f"{handheld}-1-battery_runtime")) == "385"
    anx4 = key_of(sim, "Lectern ANX4")
    assert state_of(hass, eid(hass, "binary_sensor", f"{anx4}-2-muted")) == STATE_OFF

    sim.set_activity("AD4Q Rack", 2, "CLIPPING")
    sim.set_channel_gain("AD4Q Rack", 3, 12)
    await wait_for(
        hass, lambda: state_of(hass, eid(hass, "sensor", f"{ad4q}-2-audio_activity")) == "clipping"
    )
    await wait_for(hass, lambda: state_of(hass, eid(hass, "sensor", f"{ad4q}-3-gain")) == "12")


async def test_offline_device_unavailable_then_back(
    hass: HomeAssistant, sim: SystemApiServer
) -> None:
    await add_server(hass, sim)
    handheld = key_of(sim, "Chair HH")
    battery = eid(hass, "sensor", f"{handheld}-1-battery")
    events = async_capture_events(hass, EVENT_ALERT)

    sim.set_online("Chair HH", False)
    await wait_for(hass, lambda: state_of(hass, battery) == STATE_UNAVAILABLE)
    await wait_for(hass, lambda: any(e.data["type"] == "receiver_offline" for e in events))
    assert state_of(hass, eid(hass, "sensor", f"{key_of(sim, 'AD4Q Rack')}-1-gain")) == "0"

    sim.set_battery("Chair HH", percent=70)
    sim.set_online("Chair HH", True)
    await wait_for(hass, lambda: state_of(hass, battery) == "70", timeout=10)


async def test_server_link_loss_and_recovery(hass: HomeAssistant, sim: SystemApiServer) -> None:
    await add_server(hass, sim)
    link = eid(hass, "binary_sensor", f"{SERVER_KEY}-connectivity")
    gain = eid(hass, "sensor", f"{key_of(sim, 'AD4Q Rack')}-1-gain")
    battery = eid(hass, "sensor", f"{key_of(sim, 'Chair HH')}-1-battery")

    sim.set_hung(True)  # reconnects wait unanswered until it is un-hung
    sim.drop_connections()
    await wait_for(hass, lambda: state_of(hass, link) == STATE_OFF, timeout=15)
    await wait_for(hass, lambda: state_of(hass, gain) == STATE_UNAVAILABLE)
    assert state_of(hass, battery) == STATE_UNAVAILABLE

    sim.set_battery("Chair HH", percent=50)
    sim.set_hung(False)
    await wait_for(hass, lambda: state_of(hass, link) == STATE_ON, timeout=15)
    await wait_for(hass, lambda: state_of(hass, battery) == "50", timeout=10)
    assert state_of(hass, gain) == "0"


async def test_inventory_changes_without_reload(hass: HomeAssistant, sim: SystemApiServer) -> None:
    entry = await add_server(hass, sim)
    server = entry.runtime_data
    added = sim.add_device(create_api_device("ADTQ", name="IEM Rack", address="127.0.0.21", seed=7))
    gain = f"{added.serial}-4-gain"
    await wait_for(hass, lambda: has_entity(hass, "sensor", gain), timeout=10)
    assert entry.runtime_data is server  # no reload
    assert device(hass, entry, added.serial).via_device_id == device(hass, entry, SERVER_KEY).id
    sim.set_channel_gain("IEM Rack", 4, -3)
    await wait_for(hass, lambda: state_of(hass, eid(hass, "sensor", gain)) == "-3")

    sim.remove_device("IEM Rack")
    await wait_for(hass, lambda: state_of(hass, eid(hass, "sensor", gain)) == STATE_UNAVAILABLE)
    await wait_for(hass, lambda: added.serial not in server.coordinators)
    assert has_entity(hass, "sensor", gain)  # kept (unavailable) until the user deletes it


async def test_battery_alert(hass: HomeAssistant, sim: SystemApiServer) -> None:
    entry = await add_server(hass, sim)
    handheld = key_of(sim, "Chair HH")
    events = async_capture_events(hass, EVENT_ALERT)
    sim.set_battery("Chair HH", percent=6, minutes=12)
    await wait_for(hass, lambda: any(e.data["type"] == "battery_critical" for e in events))
    fired = next(e for e in events if e.data["type"] == "battery_critical")
    assert fired.data["device_id"] == device(hass, entry, f"{handheld}-1").id
    low = eid(hass, "binary_sensor", f"{handheld}-1-battery_low")
    await wait_for(hass, lambda: state_of(hass, low) == STATE_ON)


async def test_identify_rename_and_assign(hass: HomeAssistant, sim: SystemApiServer) -> None:
    entry = await add_server(hass, sim)
    ad4q = key_of(sim, "AD4Q Rack")

    await hass.services.async_call(
        DOMAIN, "identify", {"device_id": device(hass, entry, ad4q).id}, blocking=True
    )
    assert sim.device("AD4Q Rack").identifying is True
    assert ("POST", f"/api/v1/devices/{sim.device('AD4Q Rack').device_id}/identify/start") in (
        sim.requests
    )

    sim.rename_channel("AD4Q Rack", 2, "Lead Vox")
    await wait_for(hass, lambda: device(hass, entry, f"{ad4q}-2").name == "Lead Vox")

    channel = device(hass, entry, f"{ad4q}-2")
    await hass.services.async_call(
        DOMAIN, "assign_performer", {"device_id": channel.id, "performer": "Pastor"}, blocking=True
    )
    await hass.async_block_till_done()
    assignment = async_get_manager(hass).get(ad4q, 2)
    assert assignment is not None
    assert assignment.performer == "Pastor"
    assert state_of(hass, eid(hass, "text", f"{ad4q}-2-performer")) == "Pastor"


async def test_card_snapshot_includes_every_device(
    hass: HomeAssistant, sim: SystemApiServer, hass_ws_client: Callable[..., Awaitable[Any]]
) -> None:
    entry = await add_server(hass, sim)
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    assert (await client.receive_json())["success"] is True
    snapshot = (await client.receive_json())["event"]
    assert snapshot["type"] == "snapshot"
    by_name = {rx["name"]: rx for rx in snapshot["receivers"]}
    rack = by_name["AD4Q Rack"]
    assert rack["entry_id"] == f"{entry.entry_id}/{key_of(sim, 'AD4Q Rack')}"
    assert rack["model"] == "AD4Q"
    assert rack["connected"] is True
    assert [c["device_name"] for c in rack["channels"]] == ["Vocal 1", "Vocal 2", "Guitar", "Spare"]
    assert by_name["Chair HH"]["channels"][0]["battery_percent"] == 87


async def test_linked_with_the_receiver_added_directly(
    hass: HomeAssistant,
    sim: SystemApiServer,
    simulated: Callable[..., Awaitable[Any]],
    setup_receiver: Callable[..., Awaitable[MockConfigEntry]],
    hass_ws_client: Callable[..., Awaitable[Any]],
) -> None:
    assert await async_setup_component(hass, "config", {})
    direct_sim = await simulated("AD4Q")
    direct = await setup_receiver(direct_sim)
    twin = sim.add_device(create_api_device("AD4Q", name="Stage R", address="127.0.0.1", seed=3))
    entry = await add_server(hass, sim)

    mine = device(hass, entry, twin.serial)
    theirs = direct.runtime_data.receiver_device_id
    assert (DOMAIN, direct.runtime_data.device_key) in mine.identifiers
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "config/device_registry/list_linked_devices", "device_id": mine.id}
    )
    assert (await client.receive_json())["result"]["linked_devices"] == [theirs]
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/list_linked_devices",
            "device_id": device(hass, entry, f"{twin.serial}-3").id,
        }
    )
    linked = (await client.receive_json())["result"]["linked_devices"]
    assert linked == [direct.runtime_data.channel_device_ids[3]]
    # Both sets of values: RF from the receiver, audio activity from the server.
    assert has_entity(hass, "sensor", f"{direct.runtime_data.device_key}-3-rf_level")
    assert has_entity(hass, "sensor", f"{twin.serial}-3-audio_activity")
    # The other devices behind the server are not linked to it.
    rack = device(hass, entry, key_of(sim, "AD4Q Rack"))
    assert (DOMAIN, direct.runtime_data.device_key) not in rack.identifiers


async def test_diagnostics_hold_no_key(hass: HomeAssistant, sim: SystemApiServer) -> None:
    entry = await add_server(hass, sim)
    text = repr(await async_get_config_entry_diagnostics(hass, entry))
    assert sim.api_key not in text
    for api_device in sim.devices:
        assert api_device.serial not in text
