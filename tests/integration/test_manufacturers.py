"""What users have for Shure works the same for Sennheiser (SSC v1).

Every scenario runs against one Shure simulator (ULXD4D, command strings over
TCP) and one Sennheiser simulator (EW-DX EM 2, JSON over UDP), both added
through the config flow on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.micboard.assignments import async_get_manager
from custom_components.micboard.const import DOMAIN, EVENT_ALERT
from custom_components.micboard.devices.sennheiser.ssc1 import client as ssc_client
from simulator import create_receiver
from simulator.sennheiser import SscDevice, create_ssc_device
from tests.protocol_ssc1.helpers import FAST as SSC_FAST

from .helpers import state_of, wait_for


@dataclass(frozen=True)
class Case:
    """One simulator model and what Home Assistant should make of it."""

    kind: str
    model: str
    manufacturer_key: str
    manufacturer: str


SHURE = Case("shure", "ULXD4D", "shure", "Shure")
SENNHEISER = Case("ssc", "EWDX-EM2", "sennheiser_ssc1", "Sennheiser")
CASES = [pytest.param(SHURE, id="shure"), pytest.param(SENNHEISER, id="sennheiser")]


@pytest.fixture(autouse=True)
def fast_ssc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Renew every 0.2 s and call the link dead after 1.5 s of silence."""
    monkeypatch.setattr(ssc_client, "DEFAULT_TIMING", SSC_FAST)


@pytest.fixture
async def device(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A started simulator of the parametrised case (stopped afterwards)."""
    case: Case = request.param
    if case.kind == "shure":
        sim: Any = create_receiver(case.model, host="127.0.0.1", port=0)
    else:
        sim = create_ssc_device(case.model, host="127.0.0.1", port=0, serial="4711000042")
    await sim.start()
    yield sim
    await sim.stop()


async def _add(hass: HomeAssistant, port: int, manufacturer: str = "auto") -> ConfigEntry:
    """Add the device through the user step, as a user would."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: port, "manufacturer": manufacturer},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry: ConfigEntry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    return entry


def _entity(
    hass: HomeAssistant, entry: ConfigEntry, platform: str, key: str, ch: int | None
) -> str:
    suffix = key if ch is None else f"{ch}-{key}"
    found = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{entry.runtime_data.device_key}-{suffix}"
    )
    assert found is not None, f"no {platform} {suffix}"
    return found


pytestmark = pytest.mark.parametrize("device", CASES, indirect=True)


async def test_entities_and_devices(hass: HomeAssistant, device: Any) -> None:
    entry = await _add(hass, device.port)
    coordinator = entry.runtime_data
    expected: Case = SENNHEISER if isinstance(device, SscDevice) else SHURE
    assert entry.data["manufacturer"] == expected.manufacturer_key
    if expected is SENNHEISER:
        assert entry.unique_id == "4711000042"  # the serial from device/identity
    registry = dr.async_get(hass)
    hub = registry.async_get(coordinator.receiver_device_id)
    assert hub is not None
    assert hub.manufacturer == expected.manufacturer
    channels = [registry.async_get(d) for d in coordinator.channel_device_ids.values()]
    assert len(channels) == 2
    assert all(c is not None and c.manufacturer == expected.manufacturer for c in channels)
    for platform, key in (
        ("sensor", "battery"),
        ("sensor", "frequency"),
        ("sensor", "rf_level"),
        ("binary_sensor", "transmitter"),
        ("binary_sensor", "battery_low"),
        ("binary_sensor", "interference"),
        ("text", "performer"),
        ("switch", "alerts"),
    ):
        for ch in (1, 2):
            assert state_of(hass, _entity(hass, entry, platform, key, ch)) != STATE_UNAVAILABLE
    assert state_of(hass, _entity(hass, entry, "binary_sensor", "connectivity", None)) == STATE_ON


async def test_battery_and_transmitter_off_reads_unknown(hass: HomeAssistant, device: Any) -> None:
    entry = await _add(hass, device.port)
    battery = _entity(hass, entry, "sensor", "battery", 1)
    transmitter = _entity(hass, entry, "binary_sensor", "transmitter", 1)
    device.set_battery(1, bars=3, minutes=300, percent=55)
    await wait_for(hass, lambda: state_of(hass, battery) == "55")
    assert state_of(hass, transmitter) == STATE_ON

    device.set_transmitter(1, False)
    await wait_for(hass, lambda: state_of(hass, transmitter) == STATE_OFF)
    assert state_of(hass, battery) == "unknown"

    device.set_transmitter(1, True)
    await wait_for(hass, lambda: state_of(hass, battery) == "55")


async def test_link_loss_unavailable_then_recovers(hass: HomeAssistant, device: Any) -> None:
    entry = await _add(hass, device.port)
    battery = _entity(hass, entry, "sensor", "battery", 1)
    link = _entity(hass, entry, "binary_sensor", "connectivity", None)
    device.set_battery(1, bars=4, minutes=400, percent=70)
    await wait_for(hass, lambda: state_of(hass, battery) == "70")
    events = async_capture_events(hass, EVENT_ALERT)

    device.set_hung(True)
    await wait_for(hass, lambda: state_of(hass, battery) == STATE_UNAVAILABLE, timeout=15)
    assert state_of(hass, link) == STATE_OFF
    await wait_for(hass, lambda: any(e.data["type"] == "receiver_offline" for e in events))

    device.set_battery(1, bars=2, minutes=200, percent=40)
    device.set_hung(False)
    await wait_for(hass, lambda: state_of(hass, battery) == "40", timeout=15)
    assert state_of(hass, link) == STATE_ON
    await wait_for(hass, lambda: any(e.data["type"] == "receiver_offline_cleared" for e in events))


async def test_alert_fires(hass: HomeAssistant, device: Any) -> None:
    entry = await _add(hass, device.port)
    events = async_capture_events(hass, EVENT_ALERT)
    device.set_battery(1, bars=0, minutes=10, percent=5)
    await wait_for(hass, lambda: any(e.data["type"] == "battery_critical" for e in events))
    fired = next(e for e in events if e.data["type"] == "battery_critical")
    assert fired.data["channel"] == 1
    assert fired.data["device_id"] == entry.runtime_data.channel_device_ids[1]
    assert state_of(hass, _entity(hass, entry, "binary_sensor", "battery_low", 1)) == STATE_ON


async def test_assign_performer_and_card_snapshot(
    hass: HomeAssistant, hass_ws_client: Callable[..., Awaitable[Any]], device: Any
) -> None:
    entry = await _add(hass, device.port)
    coordinator = entry.runtime_data
    await hass.services.async_call(
        DOMAIN,
        "assign_performer",
        {"device_id": coordinator.channel_device_ids[2], "performer": "Pastor"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assignment = async_get_manager(hass).get(coordinator.device_key, 2)
    assert assignment is not None
    assert assignment.performer == "Pastor"
    assert state_of(hass, _entity(hass, entry, "text", "performer", 2)) == "Pastor"

    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "micboard/subscribe"})
    assert (await client.receive_json())["success"] is True
    async with asyncio.timeout(5):
        while True:
            message = await client.receive_json()
            if message.get("type") == "event" and message["event"]["type"] == "snapshot":
                snapshot = message["event"]
                break
    (rx,) = snapshot["receivers"]
    assert rx["entry_id"] == entry.entry_id
    assert rx["manufacturer"] == coordinator.receiver.info.manufacturer
    assert rx["connected"] is True
    assert [c["channel"] for c in rx["channels"]] == [1, 2]
    assert rx["channels"][1]["performer"] == "Pastor"


async def test_swapped_receiver_is_reported_and_followed(hass: HomeAssistant, device: Any) -> None:
    """Another model at the address: the client's problem report reaches the entry."""
    entry = await _add(hass, device.port)
    port = device.port
    await device.stop()
    if not isinstance(device, SscDevice):
        other: Any = create_receiver("ULXD4Q", host="127.0.0.1", port=port)
    else:
        other = create_ssc_device("EWDX-EM4", host="127.0.0.1", port=port, serial="4711000099")
    await other.start()
    try:
        await wait_for(hass, lambda: entry.data.get("channels") == 4, timeout=20)
        await wait_for(
            hass,
            lambda: entry.state is ConfigEntryState.LOADED
            and len(entry.runtime_data.channel_device_ids) == 4,
            timeout=20,
        )
    finally:
        await other.stop()
