"""The receiver at the address changes: swapped receivers, wrong devices, stale devices."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest

from custom_components.micboard import devices
from custom_components.micboard.assignments import async_get_manager
from custom_components.micboard.const import CONF_CHANNELS, CONF_DEVICE_KEY, CONF_MODEL, DOMAIN
from custom_components.micboard.coordinator import vanished_issue, wrong_device_issue
from custom_components.micboard.devices import (
    DeviceError,
    NotAShureDeviceError,
    ReceiverInfo,
    UnsupportedDeviceError,
)
from custom_components.micboard.devices.shure import ShureReceiver
from simulator import SimReceiver, create_receiver

from .helpers import TerseReceiver, entry_for, state_of, wait_for


class _ReceiverChangedError(DeviceError):
    """Stand-in for the library's error until it ships one (same attributes)."""

    def __init__(self, old: ReceiverInfo, new: ReceiverInfo) -> None:
        super().__init__(f"{old.model} is now {new.model}")
        self.old = old
        self.new = new


ReceiverChangedError: type[DeviceError] = getattr(
    devices, "ReceiverChangedError", _ReceiverChangedError
)


@pytest.fixture(autouse=True)
def problem_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """Report reconnect problems the way the library's problem API does.

    A no-op once ``ShureReceiver.subscribe_problem`` exists: the tests then
    run against the library's own detection.
    """
    if hasattr(ShureReceiver, "subscribe_problem"):
        return
    original = ShureReceiver._establish

    def subscribe_problem(self: ShureReceiver, callback: Any) -> Any:
        listeners = self.__dict__.setdefault("_problem_listeners", [])
        listeners.append(callback)
        return lambda: listeners.remove(callback)

    async def establish(self: ShureReceiver, known: ReceiverInfo | None) -> ReceiverInfo:
        listeners = list(self.__dict__.get("_problem_listeners", []))
        try:
            info = await original(self, known)
        except (NotAShureDeviceError, UnsupportedDeviceError) as err:
            if known is not None:
                for listener in listeners:
                    listener(err)
            raise
        if known is not None and (info.model, info.channel_count) != (
            known.model,
            known.channel_count,
        ):
            self.state.connected = False
            error = ReceiverChangedError(known, info)  # type: ignore[call-arg]
            for listener in listeners:
                listener(error)
            raise error
        if known is not None:
            for listener in listeners:
                listener(None)
        return info

    monkeypatch.setattr(ShureReceiver, "subscribe_problem", subscribe_problem, raising=False)
    monkeypatch.setattr(ShureReceiver, "_establish", establish)


@pytest.fixture
async def replaced() -> AsyncIterator[list[SimReceiver]]:
    """Receivers started in a test on a fixed port; stopped afterwards."""
    started: list[SimReceiver] = []
    yield started
    for receiver in started:
        await receiver.stop()


async def _swap(old: SimReceiver, model: str, started: list[SimReceiver]) -> SimReceiver:
    port = old.port
    await old.stop()
    new = create_receiver(model, host="127.0.0.1", port=port)
    await new.start()
    started.append(new)
    return new


def _channel_device(registry: dr.DeviceRegistry, entry: Any, number: int) -> dr.DeviceEntry | None:
    key = entry.data[CONF_DEVICE_KEY]
    return registry.async_get_device_by_identifier((DOMAIN, f"{key}-{number}"), entry.entry_id)


async def test_swapped_for_a_bigger_receiver_gets_every_channel(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    replaced,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    old = await simulated("ULXD4D")
    entry = await setup_receiver(old)
    hub = device_registry.async_get_device_by_identifier(
        (DOMAIN, entry.data[CONF_DEVICE_KEY]), entry.entry_id
    )
    assert hub is not None
    assert hub.model == "ULXD4D"
    assert _channel_device(device_registry, entry, 3) is None

    await _swap(old, "ULXD4Q", replaced)
    await wait_for(
        hass,
        lambda: entry.data.get(CONF_MODEL) == "ULXD4Q" and entry.state is ConfigEntryState.LOADED,
        timeout=15,
    )
    await wait_for(hass, lambda: _channel_device(device_registry, entry, 4) is not None)
    assert entry.data[CONF_CHANNELS] == 4
    hub = device_registry.async_get(hub.id)
    assert hub is not None
    assert hub.model == "ULXD4Q"
    fourth = _channel_device(device_registry, entry, 4)
    assert fourth is not None
    battery = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{entry.data[CONF_DEVICE_KEY]}-4-battery"
    )
    assert battery is not None
    await wait_for(hass, lambda: state_of(hass, battery) not in ("unavailable", "unknown"))
    assert entry.runtime_data.receiver.info.channel_count == 4
    assert issue_registry.async_get_issue(DOMAIN, vanished_issue(entry.entry_id)) is None


async def _swap_to_smaller(
    hass: HomeAssistant, simulated, setup_receiver, replaced, device_registry
) -> tuple[Any, str]:
    old = await simulated("ULXD4Q")
    entry = await setup_receiver(old)
    fourth = entry.runtime_data.channel_device_ids[4]
    await hass.services.async_call(
        DOMAIN,
        "assign_performer",
        {"device_id": fourth, "performer": "Choir"},
        blocking=True,
    )
    await _swap(old, "ULXD4D", replaced)
    await wait_for(
        hass,
        lambda: entry.data.get(CONF_MODEL) == "ULXD4D" and entry.state is ConfigEntryState.LOADED,
        timeout=15,
    )
    return entry, fourth


async def _fix(hass: HomeAssistant, hass_client, issue_id: str, choice: str) -> dict[str, Any]:
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert response.status == 200
    flow = await response.json()
    assert flow["type"] == "menu"
    assert set(flow["menu_options"]) == {"remove", "keep"}
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"next_step_id": choice}
    )
    assert response.status == 200
    result: dict[str, Any] = await response.json()
    await hass.async_block_till_done()
    return result


async def test_vanished_channels_can_be_removed(
    hass: HomeAssistant,
    hass_client,
    simulated,
    setup_receiver,
    replaced,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    entry, fourth = await _swap_to_smaller(
        hass, simulated, setup_receiver, replaced, device_registry
    )
    issue = issue_registry.async_get_issue(DOMAIN, vanished_issue(entry.entry_id))
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["channels"] == "3, 4"
    hub = device_registry.async_get_device_by_identifier(
        (DOMAIN, entry.data[CONF_DEVICE_KEY]), entry.entry_id
    )
    assert hub is not None
    assert hub.model == "ULXD4D"

    result = await _fix(hass, hass_client, vanished_issue(entry.entry_id), "remove")
    assert result["type"] == "create_entry"
    assert device_registry.async_get(fourth) is None
    assert _channel_device(device_registry, entry, 3) is None
    assert _channel_device(device_registry, entry, 2) is not None
    key = entry.data[CONF_DEVICE_KEY]
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, f"{key}-4-battery") is None
    assert async_get_manager(hass).get(key, 4) is None
    assert issue_registry.async_get_issue(DOMAIN, vanished_issue(entry.entry_id)) is None


async def test_vanished_channels_can_be_kept_then_deleted_one_by_one(
    hass: HomeAssistant,
    hass_client,
    hass_ws_client,
    simulated,
    setup_receiver,
    replaced,
    device_registry: dr.DeviceRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    assert await async_setup_component(hass, "config", {})
    entry, fourth = await _swap_to_smaller(
        hass, simulated, setup_receiver, replaced, device_registry
    )
    result = await _fix(hass, hass_client, vanished_issue(entry.entry_id), "keep")
    assert result["type"] == "create_entry"
    assert device_registry.async_get(fourth) is not None
    key = entry.data[CONF_DEVICE_KEY]
    kept = async_get_manager(hass).get(key, 4)
    assert kept is not None
    assert kept.performer == "Choir"
    assert issue_registry.async_get_issue(DOMAIN, vanished_issue(entry.entry_id)) is None

    # Stale devices can be deleted; the live receiver and its channels cannot.
    client = await hass_ws_client(hass)
    coordinator = entry.runtime_data

    async def remove(device_id: str) -> bool:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": entry.entry_id,
                "device_id": device_id,
            }
        )
        response = await client.receive_json()
        return bool(response["success"])

    assert not await remove(coordinator.receiver_device_id)
    assert not await remove(coordinator.channel_device_ids[1])
    assert device_registry.async_get(coordinator.channel_device_ids[1]) is not None
    assert await remove(fourth)
    assert device_registry.async_get(fourth) is None


async def test_not_a_shure_device_at_the_address_raises_an_issue_until_it_is_back(
    hass: HomeAssistant,
    simulated,
    setup_receiver,
    replaced,
    issue_registry: ir.IssueRegistry,
) -> None:
    receiver = await simulated("QLXD4")
    entry = await setup_receiver(receiver)
    port = receiver.port
    await receiver.stop()
    issue_id = wrong_device_issue(entry.entry_id)
    async with TerseReceiver(raw=b"HTTP/1.1 400 Bad Request\r\n\r\n", port=port):
        await wait_for(
            hass, lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is not None, 15
        )
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "not_shure_at_address"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["model"] == "QLXD4"
    assert issue.translation_placeholders["address"] == f"127.0.0.1:{port}"
    assert entry.state is ConfigEntryState.LOADED

    back = create_receiver("QLXD4", host="127.0.0.1", port=port)
    await back.start()
    replaced.append(back)
    await wait_for(hass, lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None, 15)
    await wait_for(hass, lambda: entry.runtime_data.receiver.connected, 15)


async def test_unsupported_device_at_the_address_raises_its_own_issue(
    hass: HomeAssistant, simulated, setup_receiver, issue_registry: ir.IssueRegistry
) -> None:
    receiver = await simulated("ULXD4")
    entry = await setup_receiver(receiver)
    port = receiver.port
    await receiver.stop()
    issue_id = wrong_device_issue(entry.entry_id)
    async with TerseReceiver({"MODEL": "{MXWAPT8}"}, port=port):
        await wait_for(
            hass, lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is not None, 15
        )
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "unsupported_at_address"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["found"] == "MXWAPT8"
    # Removing the entry takes its issues along.
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize(
    ("fake", "reason"),
    [
        (TerseReceiver(raw=b"SSH-2.0-OpenSSH_9.6\r\n"), "is not a Shure receiver"),
        (TerseReceiver({"MODEL": "{MXWAPT8}"}), "does not support"),
    ],
)
async def test_setup_against_the_wrong_device_is_a_permanent_error(
    hass: HomeAssistant, fake: TerseReceiver, reason: str
) -> None:
    async with fake:
        receiver = create_receiver("ULXD4", host="127.0.0.1", port=fake.port)
        entry = entry_for(receiver)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert reason in (entry.reason or "")
    # No retry is scheduled: the fake saw exactly one connection.
    assert fake.connections == 1


async def test_devices_of_a_receiver_that_is_not_set_up_can_be_deleted(
    hass: HomeAssistant,
    hass_ws_client,
    simulated,
    setup_receiver,
    device_registry: dr.DeviceRegistry,
) -> None:
    assert await async_setup_component(hass, "config", {})
    entry = await setup_receiver(await simulated("ULXD4D"))
    channel = entry.runtime_data.channel_device_ids[2]
    client = await hass_ws_client(hass)
    request = {
        "type": "config/device_registry/remove_config_entry",
        "config_entry_id": entry.entry_id,
        "device_id": channel,
    }
    await client.send_json_auto_id(request)
    assert (await client.receive_json())["success"] is False
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await client.send_json_auto_id(request)
    assert (await client.receive_json())["success"] is True
    assert device_registry.async_get(channel) is None
